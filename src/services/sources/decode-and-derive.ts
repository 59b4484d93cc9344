import type { GapPolicy } from '../../analytics/gap-policy.ts';
import type { CanonicalActivity, SourceFormat } from '../../domain/activity.ts';
import { UnreadableFileError } from '../../domain/errors.ts';
import { activityIdFor } from '../../domain/ids.ts';
import type { DataIssue } from '../../domain/issue.ts';
import { METRICS, type MetricName } from '../../domain/metrics.ts';
import { isoLocal, isoUtc } from '../../domain/time-format.ts';
import type { Thresholds } from '../../domain/wire.ts';
import { readActivityFile } from '../../ingest/read-activity-file.ts';
import type { ActivityWrite } from '../../store/store.ts';
import { type ResolvedThresholds, resolveThresholds } from '../profile/resolve-thresholds.ts';
import { deriveActivity } from './derive-activity.ts';

/** Everything the CPU-heavy step of an ingest needs: plain data, so it can cross to a worker. */
export interface DecodeRequest {
  bytes: Uint8Array;
  fileName: string | undefined;
  athleteId: string;
  sourceId: string;
  tags: readonly string[];
  thresholds: readonly Thresholds[];
  curveGapPolicy: GapPolicy;
  /** Activity ids not to write (deleted ones a recompute must leave deleted). */
  skipActivityIds: readonly string[];
  /**
   * Write each activity's lake files where it is decoded (a bulk ingest's workers do), under names
   * of this generation in this data dir; the results then carry their paths instead of samples.
   */
  writeLakeFiles?: { dataDir: string; generation: string };
}

export type DecodeResult =
  | { ok: true; format: SourceFormat; issues: DataIssue[]; writes: ActivityWrite[] }
  | { ok: false; code: UnreadableFileError['code']; message: string };

/**
 * Decodes a file and derives every activity's curves, metrics and catalog rows: the whole CPU
 * cost of an ingest, with no I/O. A file that cannot be read is a result, not an exception.
 */
export function decodeAndDerive(request: DecodeRequest): DecodeResult {
  let read: ReturnType<typeof readActivityFile>;
  try {
    read = readActivityFile(request.bytes, request.fileName);
  } catch (error) {
    if (error instanceof UnreadableFileError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
  const skip = new Set(request.skipActivityIds);
  const writes = read.activities.flatMap((activity, index) =>
    skip.has(activityIdFor(request.sourceId, index))
      ? []
      : [
          toActivityWrite(
            request.athleteId,
            request.sourceId,
            index,
            activity,
            request.tags,
            request.curveGapPolicy,
            (sport, date) => resolveThresholds(request.thresholds, sport, date),
          ),
        ],
  );
  return { ok: true, format: read.format, issues: read.issues, writes };
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
    lakeFiles: null,
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
