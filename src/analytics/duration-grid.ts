/**
 * The log-spaced duration grid of the model-fit protocol (fixtures README): unique(round(10^x))
 * for `count` values of x evenly spaced from 0 to log10(longestS), ascending, then restricted to
 * [fromS, toS]. The reference fits build it with longestS = the upper end of each model's window
 * (1200 s → 88 points, 1800 s → 91), and with the curve's longest duration for open windows.
 */
export function durationGrid(
  longestS: number,
  fromS = 1,
  toS = Number.POSITIVE_INFINITY,
  count = 120,
): number[] {
  if (!(longestS >= 1)) return [];
  const top = Math.log10(longestS);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const x = count === 1 ? 0 : (top * i) / (count - 1);
    const t = roundHalfEven(10 ** x);
    if (t < fromS || t > toS) continue;
    if (out.length === 0 || out[out.length - 1] !== t) out.push(t);
  }
  return out;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
