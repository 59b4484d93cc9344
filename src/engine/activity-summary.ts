import { elevationChange, lastReading, sampleStats } from '../analytics/sample-stats.ts';
import type { CanonicalActivity } from '../domain/activity.ts';
import type { ActivityRecord } from '../domain/wire.ts';

type Summary = ActivityRecord['summary'];

/** The summary stored with each activity at ingest (DESIGN.md §2), from its canonical samples. */
export function summarizeActivity(activity: CanonicalActivity): Summary {
  const { columns } = activity.samples;
  const metrics = sampleStats(activity.samples);
  const elevation = columns.altitude ? elevationChange(columns.altitude) : null;
  const power = metrics.power;
  // Work sums one joule per watt-second over the seconds with a reading (moving time).
  const workKj = power && power.mean !== null ? (power.mean * power.count) / 1000 : null;
  const movingTimeS = Math.max(0, ...Object.values(metrics).map((m) => m.count));
  return {
    metrics,
    distance_m: lastReading(columns.distance),
    elevation_gain_m: elevation?.gainM ?? null,
    elevation_loss_m: elevation?.lossM ?? null,
    moving_time_s: movingTimeS || null,
    avg_power_w: power?.mean ?? null,
    normalized_power_w: null,
    work_kj: workKj,
    tss: null,
  };
}
