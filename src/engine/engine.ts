import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import {
  DEFAULT_CURVE_GAP_POLICY,
  formatGapPolicy,
  type GapPolicy,
  parseGapPolicy,
} from '../analytics/gap-policy.ts';
import type { CanonicalActivity } from '../domain/activity.ts';
import { PeakformError, UnreadableFileError } from '../domain/errors.ts';
import type { DataIssue } from '../domain/issue.ts';
import { METRICS, type MetricName } from '../domain/metrics.ts';
import type {
  ActivityDetail,
  ActivityListQuery,
  ActivityRecord,
  SourceRecord,
  Thresholds,
} from '../domain/wire.ts';
import { readActivityFile } from '../ingest/read-activity-file.ts';
import {
  compileActivityById,
  compileActivityFilter,
  compileActivityList,
  compileActivitySamples,
} from '../query/activity-sql.ts';
import type { ColumnBatch } from '../store/column-batch.ts';
import { temporaryPathFor } from '../store/lake.ts';
import { type ActivityWrite, Store } from '../store/store.ts';
import { deriveActivity } from './derive-activity.ts';
import { activityIdFor, isAthleteId, sha256Hex, sourceIdFor } from './ids.ts';
import {
  activityMeanMax,
  intensityDurationModel,
  longitudinalAggregate,
  longitudinalData,
  longitudinalMeanMax,
  trainingLoadSeries,
} from './longitudinal.ts';
import { LongitudinalIndex } from './longitudinal-index.ts';
import { type ResolvedThresholds, resolveThresholds } from './resolve-thresholds.ts';
import { isoLocal, isoUtc } from './time-format.ts';

const MAX_CACHED_INDEXES = 8;

export interface EngineOptions {
  dataDir: string;
  /**
   * Gap policy of the curves stored at ingest (default `interp:23`). Fixed when a data dir is
   * created, so that one lake never mixes policies; opening it with another policy is an error.
   */
  curveGapPolicy?: string;
}

export interface IngestOptions {
  fileName?: string;
  tags?: string[];
}

/** A tabular result: its columns and a stream of batches (and, when it is one SQL query, that query). */
export interface TabularResult {
  columns: string[];
  batches: AsyncGenerator<ColumnBatch>;
  /** Lets a Parquet export be written by DuckDB straight from the query. */
  parquetSql?: string;
}

/**
 * The one engine object that the API, the CLI and the demo drive. Every method takes the athlete
 * it acts for and never reads or changes another athlete's data.
 */
export class Engine {
  private ingestQueue: Promise<unknown> = Promise.resolve();
  private readonly tokenCache = new Map<string, string>();
  /** Longitudinal indexes by athlete, most recently used last; dropped on every write for the athlete. */
  private readonly indexes = new Map<string, Promise<LongitudinalIndex>>();

  private constructor(
    readonly store: Store,
    readonly curveGapPolicy: GapPolicy,
  ) {}

  static async open(options: EngineOptions): Promise<Engine> {
    const store = await Store.open(options.dataDir);
    try {
      const requested = options.curveGapPolicy ? parseGapPolicy(options.curveGapPolicy) : undefined;
      const [saved] = await store.all<{ value: string }>(
        "SELECT value FROM settings WHERE key = 'curve_gap_policy'",
      );
      if (saved && requested && formatGapPolicy(requested) !== saved.value) {
        throw new PeakformError(
          'ERR_GAP_POLICY_MISMATCH',
          `This data dir stores curves under gap policy ${saved.value}; it cannot switch to ${formatGapPolicy(requested)}. Use a new data dir.`,
          409,
        );
      }
      const policy = saved ? parseGapPolicy(saved.value) : (requested ?? DEFAULT_CURVE_GAP_POLICY);
      if (!saved) {
        await store.write((tx) =>
          tx.run("INSERT INTO settings (key, value) VALUES ('curve_gap_policy', $1)", [
            formatGapPolicy(policy),
          ]),
        );
      }
      return new Engine(store, policy);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  get dataDir(): string {
    return this.store.lake.dataDir;
  }

  close(): void {
    this.store.close();
  }

  /**
   * Ingests one file for an athlete. The same bytes twice give the same source and activity ids
   * and change nothing. Ingests run one at a time, so concurrent uploads of one file cannot race.
   */
  ingest(athleteId: string, bytes: Uint8Array, options: IngestOptions = {}): Promise<SourceRecord> {
    assertAthleteId(athleteId);
    return this.enqueue(() => this.ingestNow(athleteId, bytes, options));
  }

  private async ingestNow(
    athleteId: string,
    bytes: Uint8Array,
    options: IngestOptions,
    rederive = false,
  ): Promise<SourceRecord> {
    const contentSha256 = sha256Hex(bytes);
    const sourceId = sourceIdFor(athleteId, contentSha256);
    const existing = await this.findSource(athleteId, sourceId);
    if (existing && existing.status !== 'failed' && !rederive) return { ...existing, status: 'duplicate' };

    const fileName = options.fileName ?? null;
    const sourceRow = {
      id: sourceId,
      athlete_id: athleteId,
      content_sha256: contentSha256,
      file_name: fileName,
      size_bytes: bytes.length,
    };
    let read: ReturnType<typeof readActivityFile>;
    try {
      read = readActivityFile(bytes, fileName ?? undefined);
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      await this.store.writeFailedSource({
        athleteId,
        contentSha256,
        bytes,
        row: {
          ...sourceRow,
          format: null,
          status: 'failed',
          error_code: error.code,
          error_message: error.message,
          issues: JSON.stringify([]),
        },
      });
      return (await this.findSource(athleteId, sourceId))!;
    }
    const thresholds = await this.listThresholds(athleteId);
    const writes = read.activities.map((activity, index) =>
      toActivityWrite(
        athleteId,
        sourceId,
        index,
        activity,
        options.tags ?? [],
        this.curveGapPolicy,
        (sport, date) => resolveThresholds(thresholds, sport, date),
      ),
    );
    await this.store.writeSource(
      {
        athleteId,
        contentSha256,
        bytes,
        row: {
          ...sourceRow,
          format: read.format,
          status: 'processed',
          error_code: null,
          error_message: null,
          issues: JSON.stringify(read.issues),
        },
      },
      writes,
    );
    this.indexes.delete(athleteId);
    return (await this.findSource(athleteId, sourceId))!;
  }

  /** The athlete's thresholds, oldest first (effective-dated, per sport). */
  async listThresholds(athleteId: string): Promise<Thresholds[]> {
    const rows = await this.store.all<Record<string, unknown>>(
      `SELECT sport, strftime(effective_from, '%Y-%m-%d') AS effective_from, ftp_w, cp_w, w_prime_j, lthr_bpm,
        max_hr_bpm, rest_hr_bpm, weight_kg FROM thresholds WHERE athlete_id = $1 ORDER BY effective_from, sport`,
      [athleteId],
    );
    return rows as unknown as Thresholds[];
  }

  /**
   * Sets the thresholds for a sport from a date on (replacing an entry of the same sport and date).
   * Stored metrics keep the thresholds they were computed with until `recompute` re-derives them.
   */
  async setThresholds(athleteId: string, thresholds: Thresholds): Promise<Thresholds[]> {
    assertAthleteId(athleteId);
    await this.store.write(async (tx) => {
      await tx.run('INSERT INTO athletes (id) VALUES ($1) ON CONFLICT DO NOTHING', [athleteId]);
      await tx.run(
        'DELETE FROM thresholds WHERE athlete_id = $1 AND sport = $2 AND effective_from = CAST($3 AS DATE)',
        [athleteId, thresholds.sport, thresholds.effective_from],
      );
      await tx.run(
        `INSERT INTO thresholds (athlete_id, sport, effective_from, ftp_w, cp_w, w_prime_j, lthr_bpm, max_hr_bpm, rest_hr_bpm, weight_kg)
         VALUES ($1, $2, CAST($3 AS DATE), $4, $5, $6, $7, $8, $9, $10)`,
        [
          athleteId,
          thresholds.sport,
          thresholds.effective_from,
          thresholds.ftp_w ?? null,
          thresholds.cp_w ?? null,
          thresholds.w_prime_j ?? null,
          thresholds.lthr_bpm ?? null,
          thresholds.max_hr_bpm ?? null,
          thresholds.rest_hr_bpm ?? null,
          thresholds.weight_kg ?? null,
        ],
      );
    });
    return this.listThresholds(athleteId);
  }

  /**
   * Re-derives every stored source of an athlete (or of every athlete) from its original bytes:
   * samples, curves and metrics under the current kernels and thresholds. Ids stay the same; each
   * source is swapped in one commit, so a crash leaves every source either old or new.
   */
  async recompute(
    athleteId?: string,
    onSource?: (source: SourceRecord) => void,
  ): Promise<{ sources: number; activities: number; failed: number }> {
    const sources = await this.store.all<{
      athlete_id: string;
      content_sha256: string;
      file_name: string | null;
      tags: string[] | null;
    }>(
      `SELECT s.athlete_id, s.content_sha256, s.file_name, s.created_at, any_value(a.tags) AS tags
       FROM sources s LEFT JOIN activities a ON a.source_id = s.id
       ${athleteId ? 'WHERE s.athlete_id = $1' : ''} GROUP BY ALL ORDER BY s.athlete_id, s.created_at`,
      athleteId ? [athleteId] : [],
    );
    const totals = { sources: 0, activities: 0, failed: 0 };
    for (const source of sources) {
      const bytes = await readFile(this.store.lake.originalPath(source.athlete_id, source.content_sha256));
      const result = await this.enqueue(() =>
        this.ingestNow(
          source.athlete_id,
          bytes,
          { fileName: source.file_name ?? undefined, tags: source.tags ?? [] },
          true,
        ),
      );
      totals.sources++;
      totals.activities += result.activity_ids.length;
      if (result.status === 'failed') totals.failed++;
      onSource?.(result);
    }
    return totals;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.ingestQueue.then(work);
    this.ingestQueue = next.catch(() => undefined);
    return next;
  }

  async findSource(athleteId: string, sourceId: string): Promise<SourceRecord | undefined> {
    const rows = await this.store.all<SourceRow>(
      `SELECT s.id, s.file_name, s.format, s.size_bytes, s.status, s.error_code, s.error_message,
        CAST(s.issues AS VARCHAR) AS issues, epoch(s.created_at) AS created_s,
        list(a.id ORDER BY a.session_index) FILTER (WHERE a.id IS NOT NULL) AS activity_ids
       FROM sources s LEFT JOIN activities a ON a.source_id = s.id
       WHERE s.athlete_id = $1 AND s.id = $2
       GROUP BY ALL`,
      [athleteId, sourceId],
    );
    const row = rows[0];
    return row && toSourceRecord(row);
  }

  async getSource(athleteId: string, sourceId: string): Promise<SourceRecord> {
    const source = await this.findSource(athleteId, sourceId);
    if (!source) throw notFound('source', sourceId);
    return source;
  }

  async listActivities(athleteId: string, query: ActivityListQuery): Promise<ActivityRecord[]> {
    const { sql, params } = compileActivityList(athleteId, query);
    return (await this.store.all<ActivityRow>(sql, params as DuckDBValue[])).map(toActivityRecord);
  }

  async findLatestActivity(athleteId: string, sport?: string): Promise<ActivityRecord | undefined> {
    const [latest] = await this.listActivities(athleteId, {
      sport: sport ? [sport] : undefined,
      limit: 1,
      offset: 0,
    });
    return latest;
  }

  /** Counts an athlete's activities matching a filter (used by listings and tests). */
  async countActivities(
    athleteId: string,
    filter: Pick<ActivityListQuery, 'start' | 'end' | 'sport' | 'tags'>,
  ) {
    const params: unknown[] = [];
    const where = compileActivityFilter(athleteId, filter, params);
    const [row] = await this.store.all<{ n: bigint | number }>(
      `SELECT count(*) AS n FROM activities WHERE ${where}`,
      params as DuckDBValue[],
    );
    return Number(row?.n ?? 0);
  }

  async getActivity(athleteId: string, activityId: string): Promise<ActivityDetail> {
    const row = await this.getActivityRow(athleteId, activityId);
    const laps = await this.store.all<LapRow>(
      `SELECT lap_index, epoch(start_utc) AS start_s, epoch(end_utc) AS end_s, elapsed_s, timer_s, distance_m,
        avg_power_w, avg_heart_rate_bpm, trigger FROM laps WHERE activity_id = $1 ORDER BY lap_index`,
      [activityId],
    );
    return {
      ...toActivityRecord(row),
      laps: laps.map((lap) => ({
        index: lap.lap_index,
        start: isoUtc(lap.start_s),
        end: isoUtc(lap.end_s),
        elapsed_s: lap.elapsed_s,
        timer_s: lap.timer_s,
        distance_m: lap.distance_m,
        avg_power_w: lap.avg_power_w,
        avg_heart_rate_bpm: lap.avg_heart_rate_bpm,
        trigger: lap.trigger,
      })),
    };
  }

  /** Streams one activity's samples: `timestamp` plus the chosen metrics (default: those it has). */
  async streamActivityData(
    athleteId: string,
    activityId: string,
    metrics?: readonly string[],
  ): Promise<TabularResult> {
    const row = await this.getActivityRow(athleteId, activityId);
    const chosen = chooseMetrics(metrics) ?? row.metrics;
    const sql = compileActivitySamples(this.store.parquetSource([row.samples_path]), chosen);
    return { columns: ['timestamp', ...chosen], batches: this.store.stream(sql), parquetSql: sql };
  }

  /** Writes a tabular result as a Parquet file at a temporary path; the caller deletes it after use. */
  async exportParquet(result: TabularResult): Promise<string> {
    const exportsDir = this.store.lake.fromStored('exports');
    await mkdir(exportsDir, { recursive: true });
    const path = temporaryPathFor(join(exportsDir, 'export.parquet'));
    if (result.parquetSql) {
      await result.batches.return(undefined);
      await this.store.copyToParquet(result.parquetSql, path);
    } else {
      await this.store.batchesToParquet(result.batches, path);
    }
    return path;
  }

  async activityMeanMax(athleteId: string, activityId: string, query: Parameters<typeof activityMeanMax>[2]) {
    const row = await this.getActivityRow(athleteId, activityId);
    return activityMeanMax(this.store, row, query);
  }

  longitudinalMeanMax(athleteId: string, query: Parameters<typeof longitudinalMeanMax>[2]) {
    return longitudinalMeanMax(this.store, athleteId, query, () => this.longitudinalIndex(athleteId));
  }

  /** The athlete's in-memory curve index, loaded on first use (a few athletes are kept). */
  private longitudinalIndex(athleteId: string): Promise<LongitudinalIndex> {
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

  longitudinalData(athleteId: string, query: Parameters<typeof longitudinalData>[2]) {
    return longitudinalData(this.store, athleteId, query);
  }

  longitudinalAggregate(athleteId: string, query: Parameters<typeof longitudinalAggregate>[2]) {
    return longitudinalAggregate(this.store, athleteId, query);
  }

  intensityDurationModel(athleteId: string, query: Parameters<typeof intensityDurationModel>[2]) {
    return intensityDurationModel(this.store, athleteId, query);
  }

  trainingLoad(athleteId: string, query: Parameters<typeof trainingLoadSeries>[2]) {
    return trainingLoadSeries(this.store, athleteId, query);
  }

  async deleteActivity(athleteId: string, activityId: string): Promise<void> {
    const deleted = await this.enqueue(() => this.store.deleteActivity(athleteId, activityId));
    this.indexes.delete(athleteId);
    if (!deleted) {
      throw notFound('activity', activityId);
    }
  }

  /** Creates a personal API key; only its hash is stored, so the token is shown once. */
  async createToken(
    athleteId: string,
    name?: string,
  ): Promise<{ id: string; token: string; athleteId: string }> {
    assertAthleteId(athleteId);
    const token = `pf_${randomBytes(24).toString('base64url')}`;
    const id = `tok_${randomBytes(8).toString('hex')}`;
    await this.store.write(async (tx) => {
      await tx.run('INSERT INTO athletes (id) VALUES ($1) ON CONFLICT DO NOTHING', [athleteId]);
      await tx.run('INSERT INTO tokens (id, athlete_id, token_sha256, name) VALUES ($1, $2, $3, $4)', [
        id,
        athleteId,
        sha256Hex(token),
        name ?? null,
      ]);
    });
    return { id, token, athleteId };
  }

  /** The athlete a bearer token acts for, or undefined for an unknown or revoked token. */
  async authenticate(token: string): Promise<string | undefined> {
    const hash = sha256Hex(token);
    const cached = this.tokenCache.get(hash);
    if (cached) return cached;
    const [row] = await this.store.all<{ athlete_id: string }>(
      'SELECT athlete_id FROM tokens WHERE token_sha256 = $1 AND revoked_at IS NULL',
      [hash],
    );
    if (row) this.tokenCache.set(hash, row.athlete_id);
    return row?.athlete_id;
  }

  private async getActivityRow(athleteId: string, activityId: string): Promise<ActivityRow> {
    const { sql, params } = compileActivityById(athleteId, activityId);
    const [row] = await this.store.all<ActivityRow>(sql, params as DuckDBValue[]);
    if (!row) throw notFound('activity', activityId);
    return row;
  }
}

function chooseMetrics(metrics: readonly string[] | undefined): string[] | undefined {
  if (!metrics || metrics.length === 0) return undefined;
  // Names were validated against the metrics table at the edge; keep the table's order, once each.
  return METRICS.map((m) => m.name).filter((name) => metrics.includes(name));
}

function assertAthleteId(athleteId: string): void {
  if (!isAthleteId(athleteId)) {
    throw new PeakformError(
      'ERR_ATHLETE_ID_INVALID',
      `"${athleteId}" is not a valid athlete id: use 1–64 letters, digits, "_" or "-", starting with a letter or digit.`,
    );
  }
}

function notFound(kind: 'activity' | 'source', id: string): PeakformError {
  return new PeakformError(
    kind === 'activity' ? 'ERR_ACTIVITY_NOT_FOUND' : 'ERR_SOURCE_NOT_FOUND',
    `No ${kind} ${id} for this athlete. List yours with GET /api/v1/${kind === 'activity' ? 'activities' : 'activities'}.`,
    404,
  );
}

function toActivityWrite(
  athleteId: string,
  sourceId: string,
  sessionIndex: number,
  activity: CanonicalActivity,
  tags: readonly string[],
  curveGapPolicy: GapPolicy,
  thresholdsFor: (sport: string, localDate: string) => ResolvedThresholds,
): ActivityWrite {
  const id = activityIdFor(sourceId, sessionIndex);
  const offset = activity.utcOffsetS;
  const startLocal = isoLocal(activity.startS, offset);
  const localDate = startLocal.slice(0, 10);
  const metrics = METRICS.map((m) => m.name).filter((name) => activity.samples.columns[name as MetricName]);
  const derived = deriveActivity(activity, thresholdsFor(activity.sport, localDate), curveGapPolicy);
  const summary = derived.summary;
  return {
    id,
    athleteId,
    year: Number(startLocal.slice(0, 4)),
    sport: activity.sport,
    localDate,
    startS: activity.startS,
    samples: activity.samples,
    curves: derived.curves,
    gapPolicy: derived.gapPolicy,
    row: {
      id,
      athlete_id: athleteId,
      source_id: sourceId,
      session_index: sessionIndex,
      sport: activity.sport,
      start_utc: isoUtc(activity.startS),
      end_utc: isoUtc(activity.endS),
      start_local: startLocal,
      end_local: isoLocal(activity.endS, offset),
      local_date: localDate,
      utc_offset_s: offset,
      elapsed_s: activity.endS - activity.startS + 1,
      timer_s: activity.timerS,
      distance_m: summary.distance_m,
      sample_count: activity.samples.timestampS.length,
      metrics,
      extra_fields: Object.keys(activity.samples.extra),
      tags,
      gap_policy: derived.gapPolicy,
      moving_s: summary.moving_time_s,
      work_kj: summary.work_kj,
      tss: summary.tss,
      summary: JSON.stringify(summary),
      device: activity.device
        ? JSON.stringify({
            manufacturer: activity.device.manufacturer,
            product: activity.device.product,
            serial_number: activity.device.serialNumber,
          })
        : null,
      device_summary: JSON.stringify(activity.deviceSummary),
      issues: JSON.stringify(activity.issues),
    },
    laps: activity.laps.map((lap) => ({
      activity_id: id,
      lap_index: lap.index,
      start_utc: isoUtc(lap.startS),
      end_utc: isoUtc(lap.endS),
      elapsed_s: lap.elapsedS,
      timer_s: lap.timerS,
      distance_m: lap.distanceM,
      avg_power_w: lap.avgPowerW,
      avg_heart_rate_bpm: lap.avgHeartRateBpm,
      trigger: lap.trigger,
    })),
    metricRows: derived.metricTotals.map((m) => ({
      activity_id: id,
      metric: m.metric,
      reading_count: m.count,
      reading_sum: m.sum,
      min_value: m.min,
      max_value: m.max,
    })),
    zoneRows: derived.zoneSeconds.map((z) => ({
      activity_id: id,
      system: z.system,
      zone: z.zone,
      seconds: z.seconds,
    })),
  };
}

interface ActivityRow {
  id: string;
  source_id: string;
  sport: string;
  start_s: number;
  end_s: number;
  start_local: string;
  end_local: string;
  utc_offset_s: number | null;
  elapsed_s: number;
  timer_s: number | null;
  distance_m: number | null;
  sample_count: number;
  metrics: string[];
  extra_fields: string[];
  tags: string[];
  samples_path: string;
  extras_path: string | null;
  curves_path: string | null;
  summary: string;
  device: string | null;
  issues: string;
}

interface LapRow {
  lap_index: number;
  start_s: number;
  end_s: number;
  elapsed_s: number;
  timer_s: number | null;
  distance_m: number | null;
  avg_power_w: number | null;
  avg_heart_rate_bpm: number | null;
  trigger: string | null;
}

interface SourceRow {
  id: string;
  file_name: string | null;
  format: string | null;
  size_bytes: bigint | number;
  status: 'processed' | 'failed';
  error_code: string | null;
  error_message: string | null;
  issues: string | null;
  created_s: number;
  activity_ids: string[] | null;
}

function toActivityRecord(row: ActivityRow): ActivityRecord {
  return {
    id: row.id,
    source_id: row.source_id,
    sport: row.sport,
    start: isoUtc(row.start_s),
    end: isoUtc(row.end_s),
    start_local: row.start_local,
    end_local: row.end_local,
    utc_offset_s: row.utc_offset_s,
    elapsed_s: row.elapsed_s,
    timer_s: row.timer_s,
    distance_m: row.distance_m,
    sample_count: row.sample_count,
    metrics: row.metrics,
    extra_fields: row.extra_fields,
    tags: row.tags,
    summary: JSON.parse(row.summary),
    device: row.device ? JSON.parse(row.device) : null,
    issues: JSON.parse(row.issues) as DataIssue[],
  };
}

function toSourceRecord(row: SourceRow): SourceRecord {
  return {
    id: row.id,
    file_name: row.file_name,
    format: row.format,
    size_bytes: Number(row.size_bytes),
    status: row.status,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    activity_ids: row.activity_ids ?? [],
    issues: row.issues ? JSON.parse(row.issues) : [],
    created_at: isoUtc(row.created_s),
  };
}
