import { readFile } from 'node:fs/promises';
import type { GapPolicy } from '../../analytics/gap-policy.ts';
import type { CanonicalActivity } from '../../domain/activity.ts';
import { PeakformError, UnreadableFileError } from '../../domain/errors.ts';
import { activityIdFor, sha256Hex, sourceIdFor } from '../../domain/ids.ts';
import { METRICS, type MetricName } from '../../domain/metrics.ts';
import { isoLocal, isoUtc } from '../../domain/time-format.ts';
import type { SourceRecord } from '../../domain/wire.ts';
import { readActivityFile } from '../../ingest/read-activity-file.ts';
import { compileFindSource, compileSourcesToRecompute } from '../../query/catalog-sql.ts';
import type { ActivityWrite, Store } from '../../store/store.ts';
import { assertAthleteIdValid } from '../profile/athlete-id.ts';
import type { ProfileService } from '../profile/profile-service.ts';
import { type ResolvedThresholds, resolveThresholds } from '../profile/resolve-thresholds.ts';
import { deriveActivity } from './derive-activity.ts';

export interface IngestOptions {
  fileName?: string;
  tags?: string[];
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

/**
 * Turns uploaded bytes into stored activities: decode, derive curves and metrics under the
 * athlete's thresholds, write originals, Parquet and catalog rows atomically. Ingests run one at
 * a time (the engine's write queue), so concurrent uploads of one file cannot race.
 */
export class IngestService {
  constructor(
    private readonly store: Store,
    private readonly profile: ProfileService,
    private readonly curveGapPolicy: GapPolicy,
    private readonly enqueueWrite: <T>(work: () => Promise<T>) => Promise<T>,
    private readonly onChange: (athleteId: string) => void,
  ) {}

  /** Ingests one file. The same bytes twice give the same source and activity ids and change nothing. */
  ingest(athleteId: string, bytes: Uint8Array, options: IngestOptions = {}): Promise<SourceRecord> {
    assertAthleteIdValid(athleteId);
    return this.enqueueWrite(() => this.ingestNow(athleteId, bytes, options));
  }

  private async ingestNow(
    athleteId: string,
    bytes: Uint8Array,
    options: IngestOptions,
    rederive = false,
  ): Promise<SourceRecord> {
    const contentSha256 = sha256Hex(bytes);
    const sourceId = sourceIdFor(athleteId, contentSha256);
    const existing = await this.find(athleteId, sourceId);
    const deleted = await this.store.deletedActivityIds(sourceId);
    // The same bytes again: nothing changes, unless some of their activities were deleted, which
    // an upload restores. A recompute re-derives but leaves deleted activities deleted.
    const restoreDeleted = !rederive && deleted.size > 0;
    if (existing && existing.status !== 'failed' && !rederive && !restoreDeleted) {
      return { ...existing, duplicate: true };
    }

    // Only the name is kept, never a client's directories.
    const fileName = options.fileName ? (options.fileName.split(/[\\/]/).pop() ?? null) : null;
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
      return (await this.find(athleteId, sourceId))!;
    }
    const thresholds = await this.profile.listThresholds(athleteId);
    const writes = read.activities.flatMap((activity, index) =>
      !restoreDeleted && deleted.has(activityIdFor(sourceId, index))
        ? []
        : [
            toActivityWrite(
              athleteId,
              sourceId,
              index,
              activity,
              options.tags ?? [],
              this.curveGapPolicy,
              (sport, date) => resolveThresholds(thresholds, sport, date),
            ),
          ],
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
      { restoreDeleted },
    );
    this.onChange(athleteId);
    return (await this.find(athleteId, sourceId))!;
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
    const sources = await this.store.select<{
      athlete_id: string;
      content_sha256: string;
      file_name: string | null;
      tags: string[] | null;
    }>(compileSourcesToRecompute(athleteId));
    const totals = { sources: 0, activities: 0, failed: 0 };
    for (const source of sources) {
      const bytes = await readFile(this.store.lake.originalPath(source.athlete_id, source.content_sha256));
      const result = await this.enqueueWrite(() =>
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

  async find(athleteId: string, sourceId: string): Promise<SourceRecord | undefined> {
    const [row] = await this.store.select<SourceRow>(compileFindSource(athleteId, sourceId));
    return row && toSourceRecord(row);
  }

  async get(athleteId: string, sourceId: string): Promise<SourceRecord> {
    const source = await this.find(athleteId, sourceId);
    if (!source) {
      throw new PeakformError('ERR_SOURCE_NOT_FOUND', `No source ${sourceId} for this athlete.`);
    }
    return source;
  }
}

function toSourceRecord(row: SourceRow): SourceRecord {
  return {
    id: row.id,
    type: row.format,
    origin: 'manual_upload',
    filename: row.file_name,
    status: row.status,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    activity_ids: row.activity_ids ?? [],
    created_at: isoUtc(row.created_s),
    duplicate: false,
    size_bytes: Number(row.size_bytes),
    issues: row.issues ? JSON.parse(row.issues) : [],
  };
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
