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
 * whole series for the first rung). When the series' sums are exact (`isExactSeries`: integer
 * watts, as devices record them) the rungs are computed from the last one back: a rung's tail is
 * the next rung's tail plus the seconds between the two marks, so only windows starting in those
 * seconds are searched (`MeanMaxOptions.tail`), and a best window of the whole curve that starts
 * inside the tail is taken without a search (`MeanMaxOptions.suffixOf`); `wholeCurve`, when given,
 * must be `meanMax(filledPowerW)`. The curves are the same as from `meanMaxAfterWork` rung by rung.
 */
export function meanMaxAfterWorkLadder(
  filledPowerW: Float64Array,
  laddersJ: readonly number[],
  maxDurationS: number,
  wholeCurve?: MeanMaxCurve,
): MeanMaxAfterWork[] {
  // The second each rung's tail starts at. Work is summed once along the ladder: each rung
  // continues where the previous one stopped.
  const fromS: number[] = [];
  let workJ = 0;
  let second = 0;
  let previousJ = Number.NEGATIVE_INFINITY;
  for (const afterJ of laddersJ) {
    if (!(afterJ >= previousJ)) throw new RangeError('the work ladder must ascend');
    previousJ = afterJ;
    while (second < filledPowerW.length && workJ < afterJ) {
      const p = filledPowerW[second++]!;
      if (!Number.isNaN(p)) workJ += p;
    }
    if (workJ < afterJ || second >= filledPowerW.length) break;
    fromS.push(second);
  }

  const exact = isExactSeries(filledPowerW);
  const out: MeanMaxAfterWork[] = new Array(fromS.length);
  // The curve of the next rung's tail (start seconds relative to that tail) and where it starts.
  let next: { startS: Int32Array; fromS: number } | undefined;
  for (let rung = fromS.length - 1; rung >= 0; rung--) {
    const from = fromS[rung]!;
    const tail = meanMax(filledPowerW.subarray(from), {
      maxDurationS: Math.min(filledPowerW.length - from, maxDurationS),
      suffixOf: exact && wholeCurve ? { startS: wholeCurve.startS, offsetS: from } : undefined,
      tail: exact && next ? { startS: next.startS, offsetS: next.fromS - from } : undefined,
    });
    const startS = tail.startS.map((s) => (s < 0 ? s : s + from));
    out[rung] = { fromS: from, curve: { ...tail, startS } };
    next = { startS: tail.startS, fromS: from };
  }
  return out;
}
