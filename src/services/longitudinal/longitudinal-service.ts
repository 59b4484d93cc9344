import type { z } from 'zod';
import { longitudinalAccumulatedWorkDuration } from '../../analytics/accumulated-work-duration.ts';
import { applyGapPolicy, type GapPolicy } from '../../analytics/gap-policy.ts';
import {
  type CriticalSpeedFit,
  dailyTss,
  fitCriticalSpeed,
  fitPowerDuration,
  POWER_DURATION_MODELS,
  type PowerDurationFit,
  trainingLoad,
} from '../../analytics/index.ts';
import { meanMaxAfterWork } from '../../analytics/mean-max-after-work.ts';
import { toGrid } from '../../analytics/to-grid.ts';
import { assertDateRange } from '../../domain/date-range.ts';
import {
  AFTER_WORK_LADDER_KJ,
  ALL_DURATIONS_S,
  DEFAULT_DURATIONS_S,
  QUERY_GRID_S,
} from '../../domain/durations.ts';
import { PeakformError } from '../../domain/errors.ts';
import { WIRE_METRICS } from '../../domain/metrics.ts';
import type {
  IntensityDurationModelQuerySchema,
  IntensityDurationModelSchema,
  LongitudinalAccumulatedWorkDurationQuerySchema,
  LongitudinalAggregateQuerySchema,
  LongitudinalDataQuerySchema,
  LongitudinalMeanMaxQuerySchema,
  TrainingLoadQuerySchema,
} from '../../domain/wire.ts';
import { compileActivityCount, sampleColumnSql } from '../../query/activity-sql.ts';
import { castColumns, sqlLiteral } from '../../query/cast-columns.ts';
import { lakeArrowColumns } from '../../query/formats/lake-arrow-stream.ts';
import {
  compileActivitiesInRange,
  compileBestPerDuration,
  compileDailyTss,
  compileIntensityByActivity,
  compileLongitudinalAggregate,
  compileLongitudinalCurveFromFiles,
  compilePowerSamples,
} from '../../query/longitudinal-sql.ts';
import { batchFromRows, type ColumnType, singleBatch } from '../../store/column-batch.ts';
import type { Store } from '../../store/store.ts';
import { currentLakeFiles, lakePlanFile } from '../lake-plan-files.ts';
import { sportFilter } from '../sport-filter.ts';
import { type ResultColumnSpec, type TabularResult, withColumnTypes } from '../tabular-result.ts';
import { type CurvePoint, LongitudinalIndex } from './longitudinal-index.ts';

type LongitudinalMeanMaxQuery = z.output<typeof LongitudinalMeanMaxQuerySchema>;
type LongitudinalDataQuery = z.output<typeof LongitudinalDataQuerySchema>;
type LongitudinalAggregateQuery = z.output<typeof LongitudinalAggregateQuerySchema>;
type LongitudinalAwdQuery = z.output<typeof LongitudinalAccumulatedWorkDurationQuerySchema>;
type IntensityDurationModelQuery = z.output<typeof IntensityDurationModelQuerySchema>;
type TrainingLoadQuery = z.output<typeof TrainingLoadQuerySchema>;
export type IntensityDurationModel = z.infer<typeof IntensityDurationModelSchema>;

interface RangeActivity {
  id: string;
  elapsed_s: number;
  sport: string;
  sample_count: number;
  start_s: number;
  utc_offset_s: number | null;
  samples_path: string;
  curves_path: string | null;
  local_date: string;
}

const MAX_CACHED_INDEXES = 8;
const QUERY_GRID = new Set(QUERY_GRID_S);
const WIRE_TYPES = new Map<string, ColumnType>(WIRE_METRICS.map((m) => [m.name, m.type]));
const DEFAULT_DATA_METRICS = ['duration', 'power', 'heart_rate', 'speed'];

/**
 * Questions across an athlete's activities: best efforts over time, every sample in range,
 * totals per period, time at intensity, effort-duration models and training load. Longitudinal
 * curves come from an in-memory per-athlete index, dropped whenever the athlete's data changes.
 */
export class LongitudinalService {
  /** Longitudinal indexes by athlete, most recently used last. */
  private readonly indexes = new Map<string, Promise<LongitudinalIndex>>();

  constructor(
    private readonly store: Store,
    private readonly curveGapPolicy: GapPolicy,
  ) {}

  /** Forgets what was built from an athlete's activities (call on every write). */
  invalidate(athleteId: string): void {
    this.indexes.delete(athleteId);
  }

  private index(athleteId: string): Promise<LongitudinalIndex> {
    let index = this.indexes.get(athleteId);
    if (index) {
      this.indexes.delete(athleteId);
    } else {
      index = LongitudinalIndex.load(this.store, athleteId);
      index.catch(() => this.indexes.delete(athleteId));
    }
    this.indexes.set(athleteId, index);
    while (this.indexes.size > MAX_CACHED_INDEXES) this.indexes.delete(this.indexes.keys().next().value!);
    return index;
  }

  private async activitiesInRange(
    athleteId: string,
    filter: { start?: string; end?: string; sport?: string[] },
  ): Promise<RangeActivity[]> {
    return this.store.select<RangeActivity>(compileActivitiesInRange(athleteId, filter));
  }

  /**
   * The pointwise best over the athlete's activities in range, each point naming its activity.
   * Durations on the query grid come from the in-memory index; any other duration from the
   * per-activity curve files of the activities in range.
   */
  async meanMax(athleteId: string, query: LongitudinalMeanMaxQuery): Promise<TabularResult> {
    assertDateRange(query.start, query.end);
    const filter = { start: query.start, end: query.end, sport: sportFilter(query) };
    const requestedKj = query.after ?? [0];
    // Stored curves answer the whole activity and the rungs of the work ladder; any other amount
    // of work is computed from the samples.
    const afterKj = requestedKj.filter((kj) => kj === 0 || AFTER_WORK_LADDER_KJ.includes(kj));
    const fromSamplesKj = requestedKj.filter((kj) => !afterKj.includes(kj));
    if (query.metric !== 'power' && requestedKj.some((kj) => kj !== 0)) {
      throw new PeakformError(
        'ERR_AFTER_WORK_UNSUPPORTED',
        'after= applies to power curves only; drop it or use metric=power.',
      );
    }
    const durations = query.durations === 'all' ? ALL_DURATIONS_S : (query.durations ?? DEFAULT_DURATIONS_S);
    const onGrid = durations.filter((d) => QUERY_GRID.has(d));
    const offGrid = durations.filter((d) => !QUERY_GRID.has(d));
    const request = { metric: query.metric, afterKj, envelope: query.envelope ?? false };
    if (offGrid.length > 0 && afterKj.some((kj) => kj !== 0) && query.durations !== 'all') {
      throw new PeakformError(
        'ERR_AFTER_WORK_DURATIONS',
        `Fatigue-resistance curves (after=) are kept at the indexed durations; ${offGrid.slice(0, 5).join(', ')} s are not among them.`,
      );
    }
    if (fromSamplesKj.length > 0 && query.envelope) {
      throw new PeakformError(
        'ERR_AFTER_WORK_UNSUPPORTED',
        `envelope=true is kept for after=0 and ${AFTER_WORK_LADDER_KJ.join(', ')} kJ only; drop it for after=${fromSamplesKj.join(',')}.`,
      );
    }
    const rows: CurvePoint[] = [];
    if (fromSamplesKj.length > 0) {
      rows.push(...(await this.meanMaxAfterWorkFromSamples(athleteId, filter, fromSamplesKj, durations)));
    }
    if (afterKj.length > 0 && onGrid.length > 0) {
      rows.push(...(await this.index(athleteId)).query({ ...request, durationsS: onGrid, ...filter }));
    }
    if (offGrid.length > 0 && afterKj.includes(0)) {
      const activities = await this.activitiesInRange(athleteId, filter);
      // The longest activity bounds the durations its curve file can hold.
      const longest = Math.max(0, ...activities.map((a) => a.elapsed_s));
      const wanted = offGrid.filter((d) => d <= longest);
      const paths = activities.flatMap((a) => (a.curves_path ? [a.curves_path] : []));
      if (paths.length > 0 && wanted.length > 0) {
        rows.push(
          ...(await this.store.select<CurvePoint>(
            compileLongitudinalCurveFromFiles(this.store.parquetSource(paths), {
              ...request,
              afterKj: [0],
              durationsS: wanted,
              athleteId,
              filter,
            }),
          )),
        );
      }
    }
    rows.sort((a, b) => a.after_kj - b.after_kj || a.duration_s - b.duration_s);
    const withAfter = query.after !== undefined;
    const columns: ResultColumnSpec[] = [
      { name: 'duration', type: 'duration' },
      { name: query.metric, type: 'float64' },
      { name: 'start', type: 'timestamp' },
      { name: 'activity_id', type: 'utf8' },
      { name: 'sport', type: 'utf8' },
      ...(withAfter ? [{ name: 'after', type: 'float64' as const }] : []),
      ...(query.envelope ? [{ name: 'window', type: 'duration' as const }] : []),
    ];
    const out = rows.map((r) => [
      r.duration_s,
      r.value,
      new Date(r.start_s * 1000),
      r.activity_id,
      r.sport,
      ...(withAfter ? [r.after_kj] : []),
      ...(query.envelope ? [r.window_s] : []),
    ]);
    return { columns, batches: singleBatch(batchFromRows(columns, out)) };
  }

  /**
   * Fatigue-resistance curves after amounts of work that no stored curve keeps, computed from the
   * power samples (under the data dir's curve gap policy) of the activities in the 365 days that
   * end at the range's end, as the modelled platform caps `after` queries: pointwise best, ties to
   * the earliest activity.
   */
  private async meanMaxAfterWorkFromSamples(
    athleteId: string,
    filter: { start?: string; end?: string; sport?: string[] },
    afterKj: readonly number[],
    durationsS: readonly number[],
  ): Promise<CurvePoint[]> {
    const end = filter.end ?? new Date().toISOString().slice(0, 10);
    const yearBefore = new Date(Date.parse(`${end}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10);
    const start = filter.start && filter.start > yearBefore ? filter.start : yearBefore;
    const activities = await this.activitiesInRange(athleteId, { ...filter, start, end });
    const longest = Math.max(0, ...durationsS);
    const best = new Map<string, CurvePoint>();
    for (const activity of activities) {
      const samples = await this.store.all<{ t: number; power: number | null }>(
        compilePowerSamples(this.store.parquetSource([activity.samples_path])),
      );
      if (samples.length === 0) continue;
      const t0 = samples[0]!.t;
      const grid = toGrid(
        samples.map((s) => s.t - t0),
        samples.map((s) => (s.power === null ? Number.NaN : s.power)),
      );
      const filled = applyGapPolicy(grid, this.curveGapPolicy);
      for (const kj of afterKj) {
        const after = meanMaxAfterWork(filled, kj * 1000, longest);
        if (!after) continue;
        for (const d of durationsS) {
          const value = after.curve.values[d - 1];
          if (value === undefined || Number.isNaN(value)) continue;
          const key = `${kj}:${d}`;
          const current = best.get(key);
          // Activities come oldest first: only a strictly better value replaces (ties to the earliest).
          if (current && current.value >= value) continue;
          const offset = after.curve.startS[d - 1]!;
          best.set(key, {
            after_kj: kj,
            duration_s: d,
            value,
            window_s: d,
            activity_id: activity.id,
            sport: activity.sport,
            start_s: t0 + offset,
            start_offset_s: offset,
          });
        }
      }
    }
    return [...best.values()];
  }

  /**
   * The samples of every matching activity, oldest first, with `timestamp_local`, `activity_id`
   * and `sport`, streamed batch by batch from the Parquet files (DuckDB keeps the files' order and
   * each file is sorted), or, for every format, read from the files by the lake workers (`lake`).
   */
  async data(athleteId: string, query: LongitudinalDataQuery): Promise<TabularResult> {
    assertDateRange(query.start, query.end);
    const metrics = query.metrics?.length
      ? WIRE_METRICS.map((m) => m.name).filter((m) => query.metrics!.includes(m))
      : DEFAULT_DATA_METRICS;
    const columns: ResultColumnSpec[] = [
      { name: 'timestamp', type: 'timestamp' },
      { name: 'timestamp_local', type: 'timestamp_local' },
      { name: 'activity_id', type: 'utf8' },
      { name: 'sport', type: 'utf8' },
      ...metrics.map((name) => ({ name, type: WIRE_TYPES.get(name)! })),
    ];
    const activities = await this.activitiesInRange(athleteId, {
      start: query.start,
      end: query.end,
      sport: sportFilter(query),
    });
    if (activities.length === 0) return { columns, batches: singleBatch(batchFromRows(columns, [])) };
    // Per-activity constants as list literals indexed by the file a row comes from (one file per
    // activity, in this order): a projection keeps the files' order (a join would not), and a list
    // index costs the same for any number of activities (a MAP literal's lookup grows with it:
    // 1.30 s against 0.43 s without it for the 1.67 M rows of a 1-year athlete).
    const offsets = `[${activities.map((a) => Math.trunc(a.utc_offset_s ?? 0) * 1_000_000).join(', ')}]::BIGINT[]`;
    const sports = `[${activities.map((a) => sqlLiteral(a.sport)).join(', ')}]::VARCHAR[]`;
    const select = [
      'timestamp',
      `make_timestamp(epoch_us(timestamp) + (${offsets})[file_index::BIGINT + 1]) AS timestamp_local`,
      'activity_id',
      `(${sports})[file_index::BIGINT + 1] AS sport`,
      ...metrics.map(sampleColumnSql),
    ];
    const sql = castColumns(
      `SELECT ${select.join(', ')} FROM ${this.store.parquetSource(activities.map((a) => a.samples_path))}`,
      columns,
    );
    const types = new Map(columns.map((c) => [c.name, c.type]));
    return {
      columns,
      batches: withColumnTypes(this.store.stream(sql, [], ['activity_id', 'sport']), types),
      lake: {
        columns: lakeArrowColumns(columns),
        files: activities.map((a) => lakePlanFile(this.store, a)),
        current: currentLakeFiles(this.store, athleteId),
      },
    };
  }

  async aggregate(athleteId: string, query: LongitudinalAggregateQuery): Promise<TabularResult> {
    assertDateRange(query.start, query.end);
    const metrics = query.metrics ?? ['power', 'heart_rate'];
    const columns: ResultColumnSpec[] = [
      { name: 'bucket', type: 'utf8' },
      { name: 'count', type: 'int64' },
      ...['elapsed_s', 'moving_s', 'distance_m', 'work_kj', 'tss'].map((name) => ({
        name,
        type: 'float64' as const,
      })),
      ...metrics.flatMap((m) => [
        { name: `${m}_mean`, type: 'float64' as const },
        { name: `${m}_max`, type: 'float64' as const },
      ]),
      ...[1, 2, 3, 4, 5, 6, 7].map((z) => ({ name: `power_z${z}_s`, type: 'float64' as const })),
      ...[1, 2, 3, 4, 5].map((z) => ({ name: `heart_rate_z${z}_s`, type: 'float64' as const })),
    ];
    const [count] = await this.store.select<{ n: bigint }>(compileActivityCount(athleteId, {}));
    if (!query.start && !query.end && Number(count?.n ?? 0) === 0) {
      return { columns, batches: singleBatch(batchFromRows(columns, [])) };
    }
    const { sql, params } = compileLongitudinalAggregate(
      athleteId,
      { start: query.start, end: query.end, sport: sportFilter(query) },
      query.interval,
      metrics,
    );
    return { columns, batches: this.store.stream(castColumns(sql, columns), params as never) };
  }

  /** Time at or above each intensity per local day, summarised over the range (provisional levels). */
  async accumulatedWorkDuration(athleteId: string, query: LongitudinalAwdQuery): Promise<TabularResult> {
    assertDateRange(query.start, query.end);
    const activities = await this.activitiesInRange(athleteId, {
      start: query.start,
      end: query.end,
      sport: sportFilter(query),
    });
    // One scan of every file (kept in order), split by activity: no query per activity.
    const series = new Map<string, number[]>(activities.map((a) => [a.id, []]));
    if (activities.length > 0) {
      const source = this.store.parquetSource(activities.map((a) => a.samples_path));
      const rows = await this.store.all<{ activity_id: string; value: number | null }>(
        compileIntensityByActivity(source, query.metric),
      );
      for (const row of rows)
        series.get(row.activity_id)?.push(row.value === null ? Number.NaN : Number(row.value));
    }
    const dated = activities.map((a) => ({ localDate: a.local_date, series: series.get(a.id) ?? [] }));
    const awd = longitudinalAccumulatedWorkDuration(dated, query.metric);
    const columns: ResultColumnSpec[] = [
      { name: query.metric, type: 'float64' },
      ...(['max', 'hard', 'medium', 'easy'] as const).map((name) => ({ name, type: 'duration' as const })),
    ];
    const out = Array.from(awd.intensity, (v, i) => [v, awd.max[i], awd.hard[i], awd.medium[i], awd.easy[i]]);
    return { columns, batches: singleBatch(batchFromRows(columns, out)) };
  }

  intensityDurationModel(
    athleteId: string,
    query: IntensityDurationModelQuery,
  ): Promise<IntensityDurationModel> {
    return intensityDurationModel(this.store, query, (filter) => this.activitiesInRange(athleteId, filter));
  }

  trainingLoad(athleteId: string, query: TrainingLoadQuery): Promise<TabularResult> {
    return trainingLoadSeries(this.store, athleteId, query);
  }
}

const MODEL_NAMES = { cp2: 'cp2', cp3: 'cp3_morton', exponential: 'exponential', omni: 'ompd' } as const;
const PARAM_NAMES: Record<string, string> = {
  cpW: 'cp_w',
  wPrimeJ: 'w_prime_j',
  pmaxW: 'pmax_w',
  tauS: 'tau_s',
  aW: 'a_w',
};

/** Today's date in UTC as YYYY-MM-DD, shifted by whole days. */
function utcDate(shiftDays = 0, from?: string): string {
  const base = from ? Date.parse(`${from}T00:00:00Z`) : Date.now();
  return new Date(base + shiftDays * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Fits an effort-duration model to the envelope of the bests in range (default: the last 90
 * days): every duration 1..longest from the per-activity curve files, so that windowed fits see
 * every second they need.
 */
async function intensityDurationModel(
  store: Store,
  query: IntensityDurationModelQuery,
  activitiesInRange: (filter: { start: string; end: string; sport: string[] }) => Promise<RangeActivity[]>,
): Promise<IntensityDurationModel> {
  const end = query.end ?? utcDate();
  const start = query.start ?? utcDate(-89, end);
  assertDateRange(start, end);
  const sport = query.sport ?? (query.metric === 'power' ? 'cycling' : 'running');
  const activities = await activitiesInRange({ start, end, sport: [sport] });
  const paths = activities.flatMap((a) => (a.curves_path ? [a.curves_path] : []));
  const base = {
    metric: query.metric,
    model: query.model,
    sport,
    start,
    end,
    activity_count: activities.length,
  };
  const failed = (reason: string, windowS: [number, number] = [0, 0]): IntensityDurationModel => ({
    ...base,
    ok: false,
    reason,
    parameters: {},
    rmse: null,
    r2: null,
    window_s: windowS,
    binding_durations_s: [],
    curve: [],
  });
  if (paths.length === 0)
    return failed(`No ${sport} activities with a ${query.metric} curve between ${start} and ${end}.`);
  const best = await store.select<{ duration_s: number; value: number; activity_id: string }>(
    compileBestPerDuration(store.parquetSource(paths), query.metric),
  );
  const longest = best.at(-1)?.duration_s ?? 0;
  const curve = new Float64Array(longest).fill(Number.NaN);
  const source = new Array<string>(longest);
  for (const row of best) {
    curve[row.duration_s - 1] = row.value;
    source[row.duration_s - 1] = row.activity_id;
  }
  // The envelope: best for at least d, carried down from longer durations.
  for (let d = longest - 1; d >= 1; d--) {
    const longer = curve[d]!;
    if (!Number.isNaN(longer) && !(curve[d - 1]! >= longer)) {
      curve[d - 1] = longer;
      source[d - 1] = source[d]!;
    }
  }
  let fit: PowerDurationFit | CriticalSpeedFit;
  let predict: (t: number) => number;
  if (query.metric === 'speed') {
    if (query.model !== 'cp2') {
      throw new PeakformError('ERR_MODEL_UNSUPPORTED', 'For speed, use model=cp2 (critical speed and D′).');
    }
    const speedFit = fitCriticalSpeed(curve);
    fit = speedFit;
    predict = (t) => (speedFit.ok ? speedFit.csMps + speedFit.dPrimeM / t : Number.NaN);
  } else {
    const name = MODEL_NAMES[query.model];
    const powerFit = fitPowerDuration(curve, [name])[name];
    const model = POWER_DURATION_MODELS.find((m) => m.name === name)!;
    fit = powerFit;
    predict = (t) =>
      powerFit.ok
        ? model.predict(
            model.params.map((p) => powerFit.params[p]!),
            t,
          )
        : Number.NaN;
  }
  if (!fit.ok) return failed(fit.reason, fit.windowS);
  const parameters: Record<string, number> =
    'csMps' in fit
      ? { cs_mps: fit.csMps, d_prime_m: fit.dPrimeM }
      : Object.fromEntries(Object.entries(fit.params).map(([k, v]) => [PARAM_NAMES[k] ?? k, v as number]));
  return {
    ...base,
    ok: true,
    reason: null,
    parameters,
    rmse: 'rmseW' in fit ? fit.rmseW : fit.rmseMps,
    r2: fit.r2,
    window_s: fit.windowS,
    binding_durations_s: fit.bindingDurationsS,
    curve: DEFAULT_DURATIONS_S.filter((d) => d <= longest && !Number.isNaN(curve[d - 1]!)).map((d) => {
      // The model speaks only for the durations it was fitted over.
      const modelled = d >= fit.windowS[0] && d <= fit.windowS[1] ? predict(d) : null;
      const intensity = modelled ?? curve[d - 1]!;
      return {
        duration: d,
        intensity: query.metric === 'power' ? Math.round(intensity) : Math.round(intensity * 100) / 100,
        duration_s: d,
        value: curve[d - 1]!,
        modelled,
        activity_id: source[d - 1]!,
      };
    }),
  };
}

const LOAD_COLUMNS: ResultColumnSpec[] = [
  { name: 'date', type: 'utf8' },
  { name: 'tss', type: 'float64' },
  { name: 'ctl', type: 'float64' },
  { name: 'atl', type: 'float64' },
  { name: 'tsb', type: 'float64' },
  { name: 'ramp_rate', type: 'float64' },
];

/** Daily load, CTL, ATL, TSB and ramp rate; CTL and ATL run from the athlete's first activity. */
async function trainingLoadSeries(
  store: Store,
  athleteId: string,
  query: TrainingLoadQuery,
): Promise<TabularResult> {
  const end = query.end ?? utcDate();
  const start = query.start ?? utcDate(-89, end);
  assertDateRange(start, end);
  const entries = await store.select<{ date: string; tss: number }>(compileDailyTss(athleteId, end));
  const from = entries[0]?.date && entries[0].date < start ? entries[0].date : start;
  const daily = dailyTss(entries, { from, to: end });
  const load = trainingLoad(daily.tss);
  const rows: unknown[][] = [];
  daily.dates.forEach((date, i) => {
    if (date < start) return;
    const ramp = load.rampRate[i]!;
    rows.push([
      date,
      daily.tss[i]!,
      load.ctl[i]!,
      load.atl[i]!,
      load.tsb[i]!,
      Number.isNaN(ramp) ? null : ramp,
    ]);
  });
  return { columns: LOAD_COLUMNS, batches: singleBatch(batchFromRows(LOAD_COLUMNS, rows)) };
}
