import type { CanonicalActivity } from '../domain/activity.ts';
import type { ActivityStreams } from './index.ts';

/**
 * The input of `analyzeActivity` for one canonical activity: `offsetS[i]` = seconds from the
 * activity's first row to row i (timestampS[i] − timestampS[0]), and its power, heart-rate, speed
 * and distance columns (NaN = no reading). A metric the activity has no reading of is left out.
 * The columns are shared with the activity, not copied; `analyzeActivity` never modifies them.
 *
 * Canonical rows are already on the 1 Hz rule (ingest's `normalize-samples.ts`), so every offset is
 * a whole second and `toGrid` maps row i to grid second offsetS[i].
 */
export function activityStreams(activity: CanonicalActivity): ActivityStreams {
  const { timestampS, columns } = activity.samples;
  const firstS = timestampS[0] ?? 0;
  const offsetS = new Float64Array(timestampS.length);
  for (let i = 0; i < offsetS.length; i++) offsetS[i] = timestampS[i]! - firstS;
  const streams: ActivityStreams = { offsetS };
  if (columns.power) streams.power = columns.power;
  if (columns.heart_rate) streams.heartRate = columns.heart_rate;
  if (columns.speed) streams.speed = columns.speed;
  if (columns.distance) streams.distance = columns.distance;
  return streams;
}
