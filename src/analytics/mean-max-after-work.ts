import { isExactSeries, type MeanMaxCurve, meanMax } from './mean-max.ts';

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
  return meanMaxAfterWorkLadder(filledPowerW, [afterJ], maxDurationS)[0] ?? null;
}

/**
 * `meanMaxAfterWork` for each rung of an ascending work ladder (J), stopping at the first rung the
 * ride does not reach (or leaves nothing after). Each tail is a suffix of the previous one (of the
 * whole series for the first rung), so when the series' sums are exact (`isExactSeries`: integer
 * watts, as devices record them) a tail takes every best window of the previous curve that starts
 * inside it without a search (`MeanMaxOptions.suffixOf`); `wholeCurve`, when given, must be
 * `meanMax(filledPowerW)`. The curves are the same as from `meanMaxAfterWork` rung by rung.
 */
export function meanMaxAfterWorkLadder(
  filledPowerW: Float64Array,
  laddersJ: readonly number[],
  maxDurationS: number,
  wholeCurve?: MeanMaxCurve,
): MeanMaxAfterWork[] {
  const exact = isExactSeries(filledPowerW);
  // Best-window starts (whole-series seconds) of the curve each tail is a suffix of.
  let parentStartS: ArrayLike<number> | undefined = exact ? wholeCurve?.startS : undefined;
  const out: MeanMaxAfterWork[] = [];
  let workJ = 0;
  let second = 0;
  let previousJ = Number.NEGATIVE_INFINITY;
  for (const afterJ of laddersJ) {
    // Work is summed once along the ladder: each rung continues where the previous one stopped.
    if (!(afterJ >= previousJ)) throw new RangeError('the work ladder must ascend');
    previousJ = afterJ;
    while (second < filledPowerW.length && workJ < afterJ) {
      const p = filledPowerW[second++]!;
      if (!Number.isNaN(p)) workJ += p;
    }
    if (workJ < afterJ || second >= filledPowerW.length) break;
    const tail = meanMax(filledPowerW.subarray(second), {
      maxDurationS: Math.min(filledPowerW.length - second, maxDurationS),
      suffixOf: parentStartS && { startS: parentStartS, offsetS: second },
    });
    const startS = tail.startS.map((s) => (s < 0 ? s : s + second));
    out.push({ fromS: second, curve: { ...tail, startS } });
    if (exact) parentStartS = startS;
  }
  return out;
}
