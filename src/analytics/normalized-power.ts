/**
 * Normalized Power (DESIGN.md §4). Pass the metric series of a gap policy (`toMetricSeries`);
 * NaN seconds, if any, are dropped first (split semantics).
 *
 * - `coggan` (the default, what DESIGN.md specifies; reference field `np_coggan`): 30 s trailing
 *   mean, the first 29 seconds dropped (only full windows), mean of 4th powers, 4th root. Needs at
 *   least 30 seconds, else null.
 * - `gc` (GoldenCheetah; reference field `np_gc`): the same 30 s mean but over a buffer that starts
 *   full of zeros, so every second contributes (the first 29 with a partly empty window).
 */
export type NormalizedPowerVariant = 'coggan' | 'gc';

const WINDOW_S = 30;

export function normalizedPower(
  powerW: ArrayLike<number>,
  variant: NormalizedPowerVariant = 'coggan',
): number | null {
  const x = dropMissing(powerW);
  const n = x.length;
  if (n === 0 || (variant === 'coggan' && n < WINDOW_S)) return null;
  let sum = 0;
  let total = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    sum += x[i]!;
    if (i >= WINDOW_S) sum -= x[i - WINDOW_S]!;
    if (variant === 'coggan' && i < WINDOW_S - 1) continue;
    const mean = sum / WINDOW_S;
    total += mean * mean * mean * mean;
    count++;
  }
  return (total / count) ** 0.25;
}

/** The values without NaN (a view of the input when it has none). */
export function dropMissing(values: ArrayLike<number>): ArrayLike<number> {
  let missing = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) missing++;
  if (missing === 0) return values;
  const out = new Float64Array(values.length - missing);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[j++] = values[i]!;
  return out;
}
