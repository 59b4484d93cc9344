/** Number of residual points that `bindingDurationsS` reports for least-squares fits. */
const BINDING_POINTS = 3;

/** Longest duration with a value (the curve's last finite entry), 0 when none. */
export function longestDurationS(curve: ArrayLike<number>): number {
  for (let i = curve.length - 1; i >= 0; i--) if (Number.isFinite(curve[i]!)) return i + 1;
  return 0;
}

/** RMSE, R², point count and binding durations of a fitted curve. */
export function fitQuality(
  ts: readonly number[],
  ys: readonly number[],
  predict: (t: number) => number,
): { rmseW: number; r2: number; points: number; bindingDurationsS: number[] } {
  let sse = 0;
  let mean = 0;
  for (const y of ys) mean += y;
  mean /= ys.length;
  let sst = 0;
  const positive: { t: number; r: number }[] = [];
  for (let i = 0; i < ts.length; i++) {
    const r = ys[i]! - predict(ts[i]!);
    sse += r * r;
    sst += (ys[i]! - mean) ** 2;
    if (r > 0) positive.push({ t: ts[i]!, r });
  }
  positive.sort((a, b) => b.r - a.r || a.t - b.t);
  return {
    rmseW: Math.sqrt(sse / ts.length),
    r2: sst > 0 ? 1 - sse / sst : 1,
    points: ts.length,
    bindingDurationsS: positive.slice(0, BINDING_POINTS).map((p) => p.t),
  };
}
