import type { z } from 'zod';
import { assertDateRange } from '../../domain/date-range.ts';
import { ALL_DURATIONS_S, DEFAULT_DURATIONS_S } from '../../domain/durations.ts';
import { PeakformError } from '../../domain/errors.ts';
import { METRICS, WIRE_METRICS } from '../../domain/metrics.ts';
import { isoUtc } from '../../domain/time-format.ts';
import type {
  AccumulatedWorkDurationQuerySchema,
  ActivityDetail,
  ActivityListQuery,
  ActivityRecord,
  MeanMaxQuerySchema,
} from '../../domain/wire.ts';
import {
  type ActivityFilter,
  compileActivityCount,
  compileActivityList,
  compileActivitySamples,
  compileLaps,
  compileOldestActivityStart,
} from '../../query/activity-sql.ts';
import { lakeArrowColumns } from '../../query/formats/lake-arrow-stream.ts';
import { compileActivityCurve } from '../../query/longitudinal-sql.ts';
import { batchFromRows, type ColumnType, singleBatch } from '../../store/column-batch.ts';
import type { Store } from '../../store/store.ts';
import { currentLakeFiles, lakePlanFile } from '../lake-plan-files.ts';
import { sportFilter } from '../sport-filter.ts';
import { type ResultColumnSpec, type TabularResult, withColumnTypes } from '../tabular-result.ts';
import { ActivityCatalogView } from './activity-catalog-view.ts';
import { type ActivityRow, type LapRow, toActivityDetail } from './activity-wire.ts';
import { accumulatedWorkDurationTable, segmentedSamples } from './sample-tables.ts';

type MeanMaxQuery = z.output<typeof MeanMaxQuerySchema>;
type AccumulatedWorkDurationQuery = z.output<typeof AccumulatedWorkDurationQuerySchema>;

export interface ActivityDataOptions {
  metrics?: readonly string[];
  segmentationOn?: 'power' | 'speed';
}

const WIRE_TYPES = new Map<string, ColumnType>(WIRE_METRICS.map((m) => [m.name, m.type]));

/** Athletes whose catalog view is kept (most recently used); each costs a few kB per activity. */
const MAX_CACHED_VIEWS = 16;

/** Reads one athlete's activities: lists, details, samples, curves; and deletes them. */
export class ActivityService {
  /** Catalog views by athlete, most recently used last. */
  private readonly views = new Map<string, Promise<ActivityCatalogView>>();

  constructor(
    private readonly store: Store,
    /** Called after a change of an athlete's activities (drops caches built from them). */
    private readonly onChange: (athleteId: string) => void,
    private readonly enqueueWrite: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  /** Forgets what was built from an athlete's activities (the engine calls it on every write). */
  invalidate(athleteId: string): void {
    this.views.delete(athleteId);
  }

  /**
   * The athlete's catalog view, built on first use. A write drops it (`invalidate`) after it
   * commits, so a view loaded before the write is never handed out after it.
   */
  private view(athleteId: string): Promise<ActivityCatalogView> {
    let view = this.views.get(athleteId);
    if (view) {
      this.views.delete(athleteId);
    } else {
      view = ActivityCatalogView.load(this.store, athleteId);
      const loading = view;
      loading.catch(() => {
        if (this.views.get(athleteId) === loading) this.views.delete(athleteId);
      });
    }
    this.views.set(athleteId, view);
    while (this.views.size > MAX_CACHED_VIEWS) this.views.delete(this.views.keys().next().value!);
    return view;
  }

  /** A page of the list, as records of its own (app metadata can be attached to them). */
  async list(athleteId: string, query: ActivityListQuery): Promise<ActivityRecord[]> {
    return (await this.listShared(athleteId, query)).map((record) => ({ ...record }));
  }

  /** A page of the list as the catalog view's own records: frozen, shared by every caller. */
  async listShared(
    athleteId: string,
    query: ActivityListQuery,
  ): Promise<readonly Readonly<ActivityRecord>[]> {
    assertDateRange(query.start, query.end);
    return (await this.view(athleteId)).list({ ...query, sport: sportFilter(query) });
  }

  async count(athleteId: string, filter: ActivityFilter): Promise<number> {
    const [row] = await this.store.select<{ n: bigint | number }>(compileActivityCount(athleteId, filter));
    return Number(row?.n ?? 0);
  }

  /** The newest activity (of a sport), or null. */
  async latest(athleteId: string, sport?: string): Promise<ActivityDetail | null> {
    const [latest] = await this.store.select<ActivityRow>(
      compileActivityList(athleteId, { sport: sport ? [sport] : undefined, limit: 1, offset: 0 }),
    );
    return latest ? this.detail(latest) : null;
  }

  async get(athleteId: string, activityId: string): Promise<ActivityDetail> {
    return this.detail(await this.getRow(athleteId, activityId));
  }

  private async detail(row: ActivityRow): Promise<ActivityDetail> {
    return toActivityDetail(row, await this.store.select<LapRow>(compileLaps(row.id)));
  }

  /** One activity's catalog row (from the athlete's catalog view; shared, not to be changed). */
  async getRow(athleteId: string, activityId: string): Promise<ActivityRow> {
    const row = (await this.view(athleteId)).row(activityId);
    if (!row) throw activityNotFound(activityId);
    return row;
  }

  /**
   * One activity's samples: `timestamp`, `timestamp_local` and the chosen wire metrics (default:
   * those it has), or, with `segmentationOn`, rows of merged seconds carrying their `duration`.
   */
  async data(
    athleteId: string,
    activityId: string,
    options: ActivityDataOptions = {},
  ): Promise<TabularResult> {
    const row = await this.getRow(athleteId, activityId);
    const metrics = chooseWireMetrics(options.metrics) ?? row.metrics;
    const columns: ResultColumnSpec[] = [
      { name: 'timestamp', type: 'timestamp' },
      { name: 'timestamp_local', type: 'timestamp_local' },
      ...metrics.map((name) => ({ name, type: WIRE_TYPES.get(name)! })),
    ];
    if (options.segmentationOn) {
      const stored = METRICS.map((m) => m.name as string).filter((m) => row.metrics.includes(m));
      const sql = compileActivitySamples(
        this.store.parquetSource([row.samples_path]),
        stored,
        row.utc_offset_s ?? 0,
      );
      const samples = await this.store.all<Record<string, unknown>>(sql);
      return segmentedSamples(samples, stored, columns, options.segmentationOn);
    }
    const sql = compileActivitySamples(
      this.store.parquetSource([row.samples_path]),
      metrics,
      row.utc_offset_s ?? 0,
    );
    return {
      columns,
      batches: withColumnTypes(this.store.stream(sql), new Map(columns.map((c) => [c.name, c.type]))),
      lake: {
        columns: lakeArrowColumns(columns),
        files: [lakePlanFile(this.store, row)],
        current: currentLakeFiles(this.store, athleteId),
      },
    };
  }

  /** One activity's exact curve at the requested durations, from its stored curve file. */
  async meanMax(athleteId: string, activityId: string, query: MeanMaxQuery): Promise<TabularResult> {
    const row = await this.getRow(athleteId, activityId);
    const durations = query.durations === 'all' ? ALL_DURATIONS_S : (query.durations ?? DEFAULT_DURATIONS_S);
    const columns: ResultColumnSpec[] = [
      { name: 'duration', type: 'duration' },
      { name: query.metric, type: 'float64' },
      { name: 'start', type: 'timestamp' },
      ...(query.envelope ? [{ name: 'window', type: 'duration' as const }] : []),
    ];
    const rows: unknown[][] = [];
    if (row.curves_path) {
      const found = await this.store.select<{
        duration_s: number;
        value: number;
        window_s: number;
        start_offset_s: number;
      }>(
        compileActivityCurve(
          this.store.parquetSource([row.curves_path]),
          query.metric,
          durations,
          query.envelope ?? false,
        ),
      );
      for (const r of found) {
        const start = new Date((row.start_s + r.start_offset_s) * 1000);
        rows.push(
          query.envelope ? [r.duration_s, r.value, start, r.window_s] : [r.duration_s, r.value, start],
        );
      }
    }
    return { columns, batches: singleBatch(batchFromRows(columns, rows)) };
  }

  /** Time at or above each intensity of one activity (default metric: power for cycling, else speed). */
  async accumulatedWorkDuration(
    athleteId: string,
    activityId: string,
    query: AccumulatedWorkDurationQuery,
  ): Promise<TabularResult> {
    const row = await this.getRow(athleteId, activityId);
    const metric = query.metric ?? (row.sport.startsWith('cycling') ? 'power' : 'speed');
    const sql = compileActivitySamples(this.store.parquetSource([row.samples_path]), [metric], 0);
    const samples = await this.store.all<Record<string, unknown>>(sql);
    return accumulatedWorkDurationTable(samples, metric);
  }

  /** The start of the athlete's oldest activity (UTC, ISO 8601), or null. */
  async oldestStart(athleteId: string): Promise<string | null> {
    const [row] = await this.store.select<{ start_s: number | null }>(compileOldestActivityStart(athleteId));
    return row?.start_s === null || row?.start_s === undefined ? null : isoUtc(row.start_s);
  }

  async delete(athleteId: string, activityId: string): Promise<void> {
    const deleted = await this.enqueueWrite(() => this.store.deleteActivity(athleteId, activityId));
    this.onChange(athleteId);
    if (!deleted) throw activityNotFound(activityId);
  }
}

/** Requested wire metrics in the vocabulary's order, once each; undefined when none were asked for. */
function chooseWireMetrics(metrics: readonly string[] | undefined): string[] | undefined {
  if (!metrics || metrics.length === 0) return undefined;
  return WIRE_METRICS.map((m) => m.name).filter((name) => metrics.includes(name));
}

export function activityNotFound(activityId: string): PeakformError {
  return new PeakformError(
    'ERR_ACTIVITY_NOT_FOUND',
    `No activity ${activityId} for this athlete. List yours with GET /api/v1/activities/.`,
  );
}
