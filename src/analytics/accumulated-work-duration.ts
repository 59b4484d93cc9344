/**
 * Accumulated work duration (AWD, WIRE.md §4.5 and §4.6): for each intensity, the total time spent
 * at or above it.
 *
 * One activity (`accumulatedWorkDuration`): a 1 Hz series of power (W) or speed (m/s). Each reading
 * is first rounded to the intensity step — whole watts for power, 0.01 m/s for speed — as
 * Math.round(value × unitsPerValue) in Float64, unitsPerValue 1 resp. 100 (halves round up:
 * 250.5 W → 251 W, 3.125 m/s → 3.13 m/s); the intensity reported is units / unitsPerValue. For every distinct
 * rounded intensity v present, `durationS` = the number of seconds whose rounded reading is ≥ v.
 * One row per distinct intensity, descending intensity, so `durationS` is strictly increasing.
 * NaN (missing) seconds count nowhere: apply a gap policy first if pauses should count as 0.
 * O(n log n) (one sort of the rounded readings). Readings must be finite (RangeError otherwise).
 *
 * Across activities (`longitudinalAccumulatedWorkDuration`), PROVISIONAL: the platform we model
 * does not publish its column names or level definitions (WIRE.md §4.6), so these are Peakform's:
 * - activities are grouped by local date (YYYY-MM-DD); a day's AWD at v is the sum over that day's
 *   activities of their AWD at v (the day's total seconds at or above v);
 * - the days counted are those with at least one reading of the metric;
 * - rows: every intensity present in any of those activities, descending;
 * - `max`: the highest daily AWD at v over the days;
 * - `hard`, `medium`, `easy`: the 90th, 75th and 50th percentile of daily AWD at v over the days,
 *   nearest-rank (the value at rank ⌈p·days⌉ in ascending order, always one day's actual value;
 *   days that never reach v count as 0 s). Read `hard` as "how long at v a hard day holds", `easy`
 *   as "how long a typical day holds".
 * Cost: O(n log n) for the n readings, plus O(u · days · log days) for u distinct intensities.
 */
export type AwdMetric = 'power' | 'speed';

/** Rounding per metric: readings × this, rounded to an integer (whole watts, whole cm/s). */
export const AWD_UNITS_PER_VALUE: Readonly<Record<AwdMetric, number>> = { power: 1, speed: 100 };

/** Provisional percentiles of daily AWD behind the `hard`, `medium` and `easy` levels. */
export const AWD_LEVEL_PERCENTILES = { hard: 0.9, medium: 0.75, easy: 0.5 } as const;

export interface AccumulatedWorkDuration {
  /** Distinct rounded intensities, descending (W for power, m/s for speed). */
  intensity: Float64Array;
  /** Seconds at or above `intensity[i]`. */
  durationS: Int32Array;
}

export interface LongitudinalAccumulatedWorkDuration {
  /** Distinct rounded intensities over all activities, descending. */
  intensity: Float64Array;
  /** Highest daily AWD at each intensity, in seconds. */
  max: Int32Array;
  /** Provisional levels (file header): 90th, 75th, 50th percentile of daily AWD, in seconds. */
  hard: Int32Array;
  medium: Int32Array;
  easy: Int32Array;
  /** Days with at least one reading: the population of the percentiles. */
  dayCount: number;
}

export interface DatedSeries {
  /** Local calendar date of the activity, YYYY-MM-DD. */
  localDate: string;
  /** The activity's 1 Hz series of the metric (NaN = missing). */
  series: ArrayLike<number>;
}

/** AWD of one 1 Hz series (see the file header). */
export function accumulatedWorkDuration(
  series: ArrayLike<number>,
  metric: AwdMetric,
): AccumulatedWorkDuration {
  const units = roundedUnits(series, AWD_UNITS_PER_VALUE[metric]);
  units.sort().reverse();
  let distinct = 0;
  for (let i = 0; i < units.length; i++) if (i === 0 || units[i] !== units[i - 1]) distinct++;
  const intensity = new Float64Array(distinct);
  const durationS = new Int32Array(distinct);
  let row = -1;
  for (let i = 0; i < units.length; i++) {
    if (i === 0 || units[i] !== units[i - 1]) intensity[++row] = toIntensity(units[i]!, metric);
    durationS[row] = i + 1; // every reading so far is ≥ this one
  }
  return { intensity, durationS };
}

/** AWD levels across activities grouped by local date (PROVISIONAL, see the file header). */
export function longitudinalAccumulatedWorkDuration(
  activities: readonly DatedSeries[],
  metric: AwdMetric,
): LongitudinalAccumulatedWorkDuration {
  const unitsPerValue = AWD_UNITS_PER_VALUE[metric];
  // Rounded readings per day, ascending.
  const byDate = new Map<string, Int32Array[]>();
  for (const { localDate, series } of activities) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate))
      throw new RangeError(`longitudinalAccumulatedWorkDuration: localDate "${localDate}" is not YYYY-MM-DD`);
    const units = roundedUnits(series, unitsPerValue);
    if (units.length === 0) continue;
    const list = byDate.get(localDate);
    if (list) list.push(units);
    else byDate.set(localDate, [units]);
  }
  const days = [...byDate.keys()].sort().map((date) => concatSorted(byDate.get(date)!));
  const dayCount = days.length;

  const all = concatSorted(days);
  let distinct = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) distinct++;
  const intensity = new Float64Array(distinct);
  const max = new Int32Array(distinct);
  const hard = new Int32Array(distinct);
  const medium = new Int32Array(distinct);
  const easy = new Int32Array(distinct);

  // Walk intensities downwards; below[d] = index in day d of its first reading ≥ the current v.
  const below = Int32Array.from(days, (day) => day.length);
  const dailyS = new Int32Array(dayCount);
  const rank = (p: number) => Math.max(1, Math.ceil(p * dayCount)) - 1;
  let row = 0;
  for (let i = all.length - 1; i >= 0; i--) {
    const v = all[i]!;
    if (i < all.length - 1 && v === all[i + 1]) continue;
    for (let d = 0; d < dayCount; d++) {
      const day = days[d]!;
      let b = below[d]!;
      while (b > 0 && day[b - 1]! >= v) b--;
      below[d] = b;
      dailyS[d] = day.length - b;
    }
    dailyS.sort();
    intensity[row] = toIntensity(v, metric);
    max[row] = dailyS[dayCount - 1]!;
    hard[row] = dailyS[rank(AWD_LEVEL_PERCENTILES.hard)]!;
    medium[row] = dailyS[rank(AWD_LEVEL_PERCENTILES.medium)]!;
    easy[row] = dailyS[rank(AWD_LEVEL_PERCENTILES.easy)]!;
    row++;
  }
  return { intensity, max, hard, medium, easy, dayCount };
}

/** Valid readings rounded to integer units (unsorted); −0 becomes 0. */
function roundedUnits(series: ArrayLike<number>, unitsPerValue: number): Int32Array {
  let count = 0;
  for (let i = 0; i < series.length; i++) if (!Number.isNaN(series[i]!)) count++;
  const units = new Int32Array(count);
  let j = 0;
  for (let i = 0; i < series.length; i++) {
    const v = series[i]!;
    if (Number.isNaN(v)) continue;
    const u = Math.round(v * unitsPerValue);
    // Int32 keeps the sort fast; ±2^31 W (or cm/s) is far beyond any real reading.
    if (!(Math.abs(u) < 2 ** 31))
      throw new RangeError(`accumulatedWorkDuration: reading ${v} is out of range`);
    units[j++] = u;
  }
  return units;
}

function toIntensity(units: number, metric: AwdMetric): number {
  return units / AWD_UNITS_PER_VALUE[metric];
}

function concatSorted(parts: readonly Int32Array[]): Int32Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Int32Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}
