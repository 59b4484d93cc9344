import { isoDuration } from '../../domain/iso-duration.ts';
import type { DataIssue } from '../../domain/issue.ts';
import { isoLocal, isoUtc } from '../../domain/time-format.ts';
import type { ActivityAnalysis, ActivityDetail, ActivityRecord, SummaryBlocks } from '../../domain/wire.ts';

/** An activity row as the catalog holds it (times as epoch seconds, JSON as text). */
export interface ActivityRow {
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

export interface LapRow {
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

type Stats = {
  mean: number | null;
  min: number | null;
  max: number | null;
  first?: number | null;
  last?: number | null;
};

/** SweatStack's summary blocks from Peakform's analysis (WIRE.md §2.1); absent metrics are left out. */
export function summaryBlocks(analysis: ActivityAnalysis): SummaryBlocks {
  const stats = analysis.metrics as Record<string, Stats | undefined>;
  const blocks: SummaryBlocks = {};
  const full = (s: Stats) => ({
    mean: s.mean,
    min: s.min,
    max: s.max,
    start: s.first ?? null,
    end: s.last ?? null,
  });
  if (stats.power) blocks.power = { mean: stats.power.mean, max: stats.power.max };
  if (stats.speed) blocks.speed = { mean: stats.speed.mean, max: stats.speed.max };
  if (analysis.distance_m !== null) blocks.distance = { sum: analysis.distance_m };
  if (stats.altitude) {
    blocks.altitude = {
      mean: stats.altitude.mean,
      gain: analysis.elevation_gain_m,
      loss: analysis.elevation_loss_m,
      min: stats.altitude.min,
      max: stats.altitude.max,
    };
  }
  if (stats.heart_rate) blocks.heart_rate = full(stats.heart_rate);
  if (stats.cadence) blocks.cadence = { mean: stats.cadence.mean, max: stats.cadence.max };
  if (stats.temperature) blocks.temperature = full(stats.temperature);
  if (stats.core_temperature) blocks.core_temperature = full(stats.core_temperature);
  if (stats.smo2) blocks.smo2 = full(stats.smo2);
  return blocks;
}

export function toActivityRecord(row: ActivityRow): ActivityRecord {
  const analysis = JSON.parse(row.summary) as ActivityAnalysis;
  return {
    id: row.id,
    sport: row.sport,
    start: isoUtc(row.start_s),
    end: isoUtc(row.end_s),
    start_local: row.start_local,
    end_local: row.end_local,
    duration: isoDuration(row.elapsed_s),
    metrics: row.metrics,
    source_id: row.source_id,
    summary: summaryBlocks(analysis),
    laps: null,
    traces: null,
    tags: row.tags,
    app_metadata: null,
    utc_offset_s: row.utc_offset_s,
    elapsed_s: row.elapsed_s,
    timer_s: row.timer_s,
    distance_m: row.distance_m,
    sample_count: row.sample_count,
    extra_fields: row.extra_fields,
    analysis,
    device: row.device ? JSON.parse(row.device) : null,
    issues: JSON.parse(row.issues) as DataIssue[],
  };
}

export function toActivityDetail(row: ActivityRow, laps: readonly LapRow[]): ActivityDetail {
  const record = toActivityRecord(row);
  const device = record.device;
  const deviceName = device ? [device.manufacturer, device.product].filter(Boolean).join(' ') : '';
  return {
    ...record,
    laps: laps.map((lap) => ({
      start: isoUtc(lap.start_s),
      end: isoUtc(lap.end_s),
      duration: isoDuration(lap.elapsed_s),
      start_local: isoLocal(lap.start_s, row.utc_offset_s),
      end_local: isoLocal(lap.end_s, row.utc_offset_s),
      power: lap.avg_power_w === null ? null : { mean: lap.avg_power_w },
      heart_rate: lap.avg_heart_rate_bpm === null ? null : { mean: lap.avg_heart_rate_bpm },
      distance: lap.distance_m === null ? null : { sum: lap.distance_m },
      index: lap.lap_index,
      timer_s: lap.timer_s,
      trigger: lap.trigger,
    })),
    distance: row.distance_m,
    devices: deviceName ? [deviceName] : null,
  };
}
