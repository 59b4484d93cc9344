/** The envelope of a mean-max curve with the window that sets each point. */
export interface EnvelopeWindows {
  /** Best mean over windows of at least d seconds (index d − 1); NaN when none. */
  values: Float64Array;
  /** Duration of the window that attains it; −1 when none. */
  windowS: Int32Array;
  /** Start second of that window; −1 when none. */
  startS: Int32Array;
}

/**
 * Scans from the longest duration down; a shorter window replaces the best only when strictly
 * better, so ties keep the longer window. The rule is shared by stored curves and the CLI.
 */
export function envelopeWindows(values: ArrayLike<number>, startS: ArrayLike<number>): EnvelopeWindows {
  const n = values.length;
  const out: EnvelopeWindows = {
    values: new Float64Array(n).fill(Number.NaN),
    windowS: new Int32Array(n).fill(-1),
    startS: new Int32Array(n).fill(-1),
  };
  let best = Number.NaN;
  let bestD = -1;
  for (let d = n; d >= 1; d--) {
    const v = values[d - 1]!;
    if (!Number.isNaN(v) && !(v <= best)) {
      best = v;
      bestD = d;
    }
    out.values[d - 1] = best;
    out.windowS[d - 1] = bestD;
    out.startS[d - 1] = bestD < 0 ? -1 : startS[bestD - 1]!;
  }
  return out;
}
