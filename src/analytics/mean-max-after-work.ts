import { type MeanMaxCurve, meanMax } from './mean-max.ts';

/** A fatigue-resistance curve: the mean-max of the part of a ride after some work was done. */
export interface MeanMaxAfterWork {
  /** Grid second at which the work was reached; windows start there or later. */
  fromS: number;
  /** The curve of the tail; `startS` are grid seconds of the whole series (≥ `fromS`). */
  curve: MeanMaxCurve;
}

/**
 * The exact mean-max of a 1 Hz power series (gap policy already applied: NaN only where windows
 * may not reach) over the seconds after `afterJ` joules of work were done, for durations up to
 * `maxDurationS`. Null when the ride never does that much work or nothing is left after it.
 */
export function meanMaxAfterWork(
  filledPowerW: Float64Array,
  afterJ: number,
  maxDurationS: number,
): MeanMaxAfterWork | null {
  let workJ = 0;
  let second = 0;
  while (second < filledPowerW.length && workJ < afterJ) {
    const p = filledPowerW[second++]!;
    if (!Number.isNaN(p)) workJ += p;
  }
  if (workJ < afterJ || second >= filledPowerW.length) return null;
  const tail = meanMax(filledPowerW.subarray(second), {
    maxDurationS: Math.min(filledPowerW.length - second, maxDurationS),
  });
  const startS = tail.startS.map((s) => (s < 0 ? s : s + second));
  return { fromS: second, curve: { ...tail, startS } };
}
