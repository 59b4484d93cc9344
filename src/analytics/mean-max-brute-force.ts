import type { MeanMaxCurve, MeanMaxOptions } from './mean-max.ts';
import { meanMaxEnvelope } from './mean-max.ts';

/**
 * The obviously correct O(N²) reference for `meanMax`: for every duration d, every window of d
 * seconds without a missing (NaN) second, compared by its sum S[i + d] − S[i] over Float64 prefix
 * sums (NaN counted as 0), keeping the first maximum in start order. Used by tests and the bench.
 */
export function meanMaxBruteForce(series: ArrayLike<number>, options: MeanMaxOptions = {}): MeanMaxCurve {
  const n = series.length;
  const maxD = Math.max(0, Math.min(options.maxDurationS ?? n, n));
  const prefix = new Float64Array(n + 1);
  const missing = new Int32Array(n + 1); // missing[k] = NaN count in series[0..k)
  for (let k = 0; k < n; k++) {
    const v = series[k]!;
    const isMissing = Number.isNaN(v);
    prefix[k + 1] = prefix[k]! + (isMissing ? 0 : v);
    missing[k + 1] = missing[k]! + (isMissing ? 1 : 0);
  }
  const values = new Float64Array(maxD).fill(Number.NaN);
  const startS = new Int32Array(maxD).fill(-1);
  for (let d = 1; d <= maxD; d++) {
    let best = Number.NEGATIVE_INFINITY;
    let bestStart = -1;
    for (let i = 0; i + d <= n; i++) {
      if (missing[i + d] !== missing[i]) continue;
      const w = prefix[i + d]! - prefix[i]!;
      if (w > best) {
        best = w;
        bestStart = i;
      }
    }
    if (bestStart >= 0) {
      values[d - 1] = best / d;
      startS[d - 1] = bestStart;
    }
  }
  return { values, startS, envelope: meanMaxEnvelope(values) };
}
