import { PeakformError } from '../domain/errors.ts';

/**
 * How missing seconds of a 1 Hz grid are treated (DESIGN.md §4; definitions authoritative in the
 * fixtures README):
 * - `zero`: every missing second is 0 (elapsed-time semantics; pauses count).
 * - `split`: missing seconds stay NaN and no window may contain one (moving-time semantics);
 *   summary metrics use the concatenated valid seconds.
 * - `interp`: a run of at most `maxGapS` missing seconds with a reading on both sides is filled
 *   linearly between those two readings (value at second k = v[a] + (v[b] − v[a])·(k − a)/(b − a)
 *   for readings at seconds a and b); every other missing second is 0.
 */
export type GapPolicy = { kind: 'zero' } | { kind: 'split' } | { kind: 'interp'; maxGapS: number };

/** Default for mean-max curves: what the reference desktop tool does on FIT import. */
export const DEFAULT_CURVE_GAP_POLICY: GapPolicy = { kind: 'interp', maxGapS: 23 };
/** Default for summary metrics that devices also report (average power, NP): moving time. */
export const DEFAULT_SUMMARY_GAP_POLICY: GapPolicy = { kind: 'split' };

const VALID_FORMS = ['zero', 'split', 'interp:G (G = longest filled run in seconds, e.g. interp:23)'];

/** Parse `zero`, `split` or `interp:G`; throws ERR_ANALYTICS_GAP_POLICY listing the valid forms. */
export function parseGapPolicy(text: string): GapPolicy {
  const value = text.trim();
  if (value === 'zero') return { kind: 'zero' };
  if (value === 'split') return { kind: 'split' };
  const match = /^interp:(\d{1,6})$/.exec(value);
  if (match) return { kind: 'interp', maxGapS: Number(match[1]) };
  throw new PeakformError(
    'ERR_ANALYTICS_GAP_POLICY',
    `unknown gap policy "${text}"; use one of: ${VALID_FORMS.join(', ')}`,
    400,
    { value: text, valid: ['zero', 'split', 'interp:G'] },
  );
}

/** The canonical text form, the inverse of `parseGapPolicy` (`interp:23`, `zero`, `split`). */
export function formatGapPolicy(policy: GapPolicy): string {
  return policy.kind === 'interp' ? `interp:${policy.maxGapS}` : policy.kind;
}

/**
 * Apply a gap policy to a 1 Hz grid (NaN = missing) and return a new array; the input is not
 * changed. Under `split` the result still holds NaN, which every kernel treats as a window breaker.
 */
export function applyGapPolicy(grid: ArrayLike<number>, policy: GapPolicy): Float64Array {
  const n = grid.length;
  const out = Float64Array.from(grid);
  if (policy.kind === 'split') return out;
  if (policy.kind === 'interp') {
    const maxGap = policy.maxGapS;
    let previous = -1; // second of the last reading
    for (let k = 0; k < n; k++) {
      const v = out[k]!;
      if (Number.isNaN(v)) continue;
      const run = k - previous - 1;
      if (previous >= 0 && run > 0 && run <= maxGap) {
        const a = out[previous]!;
        const span = k - previous;
        for (let j = previous + 1; j < k; j++) out[j] = a + ((v - a) * (j - previous)) / span;
      }
      previous = k;
    }
  }
  for (let k = 0; k < n; k++) if (Number.isNaN(out[k]!)) out[k] = 0;
  return out;
}

/**
 * The series that summary metrics (average, NP, xPower, TSS, W'bal) run over under a policy:
 * the policy-applied grid for `zero`/`interp`, the concatenated valid seconds for `split`.
 * `gridIndexS[i]` is the grid second that `values[i]` came from.
 */
export function toMetricSeries(
  grid: ArrayLike<number>,
  policy: GapPolicy,
): { values: Float64Array; gridIndexS: Int32Array } {
  if (policy.kind !== 'split') {
    const values = applyGapPolicy(grid, policy);
    const gridIndexS = new Int32Array(values.length);
    for (let i = 0; i < gridIndexS.length; i++) gridIndexS[i] = i;
    return { values, gridIndexS };
  }
  let count = 0;
  for (let k = 0; k < grid.length; k++) if (!Number.isNaN(grid[k]!)) count++;
  const values = new Float64Array(count);
  const gridIndexS = new Int32Array(count);
  let j = 0;
  for (let k = 0; k < grid.length; k++) {
    const v = grid[k]!;
    if (Number.isNaN(v)) continue;
    values[j] = v;
    gridIndexS[j++] = k;
  }
  return { values, gridIndexS };
}
