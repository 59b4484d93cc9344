/**
 * Adaptive intensity segmentation (WIRE.md §7.9, `segmentation_on=power|speed`): consecutive
 * seconds of similar intensity are merged into one row that carries the seconds it covers
 * (`durationS`) and the mean of every metric over those seconds. SweatStack's AISC algorithm is not
 * published; this is Peakform's own, chosen so that the mean-max curve survives segmentation.
 *
 * Input: the activity's recorded seconds (`timestampS`, whole seconds, strictly increasing, gaps
 * allowed) and one series per metric on those seconds (NaN = no reading). Segments are built
 * greedily from the first second: the open segment takes the next second when the rule below still
 * holds for the extended segment, and closes otherwise. A segment also closes
 * - at a gap in the timestamps (next timestamp ≠ this one + 1): no segment spans a gap, and gap
 *   seconds belong to no segment, so **sum of durationS = number of recorded seconds**;
 * - where the key metric switches between missing and present: a segment is either all NaN in the
 *   key metric (key mean NaN) or has a key reading in every second;
 * - at `maxSegmentS` seconds (default 60), so other metrics (heart rate, altitude …), which no rule
 *   bounds, keep a resolution of at least one row a minute.
 *
 * The rule (x = key readings of the segment, len seconds, prefix sums P_k = x_0 + … + x_{k−1},
 * mean m = P_len / len, cumulative deviation C_k = P_k − k·m):
 *
 *     |C_k| ≤ r·min(P_k, P_len − P_k, Q) + a·D/2      for every 0 < k < len
 *
 * with r = `relativeTolerance`, a = `absoluteTolerance`, D = `minDurationS`, and Q = half the
 * smallest sum of D consecutive readings in the segment (+∞ while len < D). In words: replacing the
 * head or tail of a segment by its mean moves that piece's sum by at most r of the piece's own sum
 * plus a·D/2, and any stretch inside the segment by at most r of any D-window's sum plus a·D.
 *
 * Guarantees (expanded series = every segment repeated durationS times at its key mean, gaps NaN;
 * raw series = the key readings on the same seconds; both as `meanMax` takes them, NaN and gaps
 * breaking windows):
 * 1. Work: a segment's key mean × durationS equals the sum of its key readings (up to the rounding
 *    of one division), so total work Σ power × 1 s is preserved; NaN seconds count in no sum, in
 *    both series.
 * 2. Mean-max, for non-negative key readings (power, speed) and every duration d ≥ D:
 *        |meanMax(expanded)(d) − meanMax(raw)(d)| ≤ r·meanMax(raw)(d) + a·D/d
 *    Proof sketch: both series have the same valid windows. A window of d seconds covers whole
 *    segments (error 0 by 1.), a tail of one segment and a head of another (error ≤ r·their sum +
 *    a·D/2 each), or lies inside one segment (error ≤ 2·(r·Q + a·D/2) ≤ r·its sum + a·D, since it
 *    contains a D-window and readings are ≥ 0). So each window's mean moves by ≤ r·(its raw mean)
 *    + a·D/d; the best window of either series then bounds the other's best.
 *    Defaults: D = 10 s, r = 1 %, a = 2.5 W (power) or 0.05 m/s (speed), so for d ≥ 10 s the curve
 *    is within 1 % + 2.5 W (≤ max(2 %, 5 W)), resp. 1 % + 0.05 m/s (≤ max(2 %, 0.1 m/s)), and the
 *    absolute part shrinks as 10/d. Below D seconds nothing is promised (a 1 s peak inside a
 *    segment is averaged away). Negative readings are segmented by the same rule (sums still
 *    preserved), but the tolerance is proven only for readings ≥ 0.
 * 3. Deterministic: same input, same segments (no randomness, no dependence on iteration order).
 *
 * Cost: each second is offered once; the rule is checked against six incremental convex hulls of
 * the points (k, ±s·P_k), s ∈ {1 − r, 1, 1 + r}, by binary search: O(n log maxSegmentS) time.
 * Memory: the output columns (capacity n) plus O(maxSegmentS) scratch.
 */
export type SegmentationKey = 'power' | 'speed';

export interface SegmentSeriesOptions {
  /** r: relative part of the tolerance (default 0.01). */
  relativeTolerance?: number;
  /** a: absolute part of the tolerance, in the key's unit (default 2.5 W for power, 0.05 m/s for speed). */
  absoluteTolerance?: number;
  /** D: shortest duration the mean-max tolerance is guaranteed for, in seconds (default 10). */
  minDurationS?: number;
  /** Longest segment, in seconds (default 60). */
  maxSegmentS?: number;
}

export interface SegmentedSeries {
  /** Timestamp of each segment's first second (same unit and origin as the input timestamps). */
  startS: Float64Array;
  /** Seconds each segment covers; they sum to the number of input timestamps. */
  durationS: Int32Array;
  /** Index of each segment's first second in the input arrays (e.g. to pick `timestamp_local`). */
  startIndex: Int32Array;
  /**
   * Per metric (every input metric, the key included): the mean of the readings present in the
   * segment's seconds, NaN when there are none.
   */
  means: Record<string, Float64Array>;
  /** The tolerance actually used, for documentation of a response. */
  tolerance: { relative: number; absolute: number; minDurationS: number; maxSegmentS: number };
}

export const SEGMENTATION_DEFAULTS = {
  relativeTolerance: 0.01,
  absoluteTolerance: { power: 2.5, speed: 0.05 } as const satisfies Record<SegmentationKey, number>,
  minDurationS: 10,
  maxSegmentS: 60,
} as const;

/**
 * Merge consecutive seconds of similar `key` intensity into segments (see the file header for the
 * rule and what it guarantees). `metrics[key]` must exist; every metric has one value per
 * timestamp. Inputs are not modified.
 */
export function segmentSeries(
  timestampS: ArrayLike<number>,
  metrics: Readonly<Record<string, ArrayLike<number>>>,
  key: SegmentationKey,
  options: SegmentSeriesOptions = {},
): SegmentedSeries {
  const n = timestampS.length;
  const keySeries = metrics[key];
  if (keySeries === undefined) throw new RangeError(`segmentSeries: metrics has no "${key}" series`);
  for (const [name, series] of Object.entries(metrics)) {
    if (series.length !== n)
      throw new RangeError(`segmentSeries: "${name}" has ${series.length} values for ${n} timestamps`);
  }
  for (let i = 0; i < n; i++) {
    const t = timestampS[i]!;
    if (!Number.isInteger(t) || (i > 0 && !(t > timestampS[i - 1]!)))
      throw new RangeError('segmentSeries: timestamps must be whole seconds, strictly increasing');
  }
  const r = options.relativeTolerance ?? SEGMENTATION_DEFAULTS.relativeTolerance;
  const a = options.absoluteTolerance ?? SEGMENTATION_DEFAULTS.absoluteTolerance[key];
  const minDurationS = options.minDurationS ?? SEGMENTATION_DEFAULTS.minDurationS;
  const maxSegmentS = options.maxSegmentS ?? SEGMENTATION_DEFAULTS.maxSegmentS;
  if (!(r >= 0 && r < 1) || !(a >= 0) || !Number.isInteger(minDurationS) || minDurationS < 1)
    throw new RangeError(
      'segmentSeries: need 0 ≤ relativeTolerance < 1, absoluteTolerance ≥ 0, minDurationS ≥ 1',
    );
  if (!Number.isInteger(maxSegmentS) || maxSegmentS < 1)
    throw new RangeError('segmentSeries: maxSegmentS must be a whole number ≥ 1');

  const lengths = splitIntoSegments(timestampS, keySeries, {
    r,
    halfBudget: (a * minDurationS) / 2,
    minDurationS,
    // scratch sized by the longest possible segment, never beyond the input
    maxSegmentS: Math.min(maxSegmentS, Math.max(n, 1)),
  });

  const count = lengths.count;
  const startS = new Float64Array(count);
  const durationS = new Int32Array(count);
  const startIndex = new Int32Array(count);
  let first = 0;
  for (let j = 0; j < count; j++) {
    const len = lengths.durationS[j]!;
    startS[j] = timestampS[first]!;
    durationS[j] = len;
    startIndex[j] = first;
    first += len;
  }
  const means: Record<string, Float64Array> = {};
  for (const [name, series] of Object.entries(metrics)) {
    const out = new Float64Array(count);
    for (let j = 0; j < count; j++) {
      const from = startIndex[j]!;
      const to = from + durationS[j]!;
      let sum = 0;
      let present = 0;
      for (let i = from; i < to; i++) {
        const v = series[i]!;
        if (Number.isNaN(v)) continue;
        sum += v;
        present++;
      }
      out[j] = present === 0 ? Number.NaN : sum / present;
    }
    means[name] = out;
  }
  return {
    startS,
    durationS,
    startIndex,
    means,
    tolerance: { relative: r, absolute: a, minDurationS, maxSegmentS },
  };
}

interface SplitParams {
  r: number;
  /** a·D/2: the absolute allowance for one head or tail, in key unit × seconds. */
  halfBudget: number;
  minDurationS: number;
  maxSegmentS: number;
}

/** Segment lengths in input order (first `count` entries of `durationS`). */
function splitIntoSegments(
  timestampS: ArrayLike<number>,
  keySeries: ArrayLike<number>,
  params: SplitParams,
): { durationS: Int32Array; count: number } {
  const n = timestampS.length;
  const { r, halfBudget, minDurationS, maxSegmentS } = params;
  const lengths = new Int32Array(n);
  let count = 0;

  // Prefix sums of the open segment (P[0] = 0) and the six hulls over its interior points.
  const prefix = new Float64Array(maxSegmentS + 1);
  const hulls = [1 - r, -(1 + r), 1 + r, -(1 - r), 1, -1].map((scale) => newHull(scale, maxSegmentS, prefix));
  const [headUpper, headLower, tailUpper, tailLower, middleUpper, middleLower] = hulls as [
    Hull,
    Hull,
    Hull,
    Hull,
    Hull,
    Hull,
  ];

  let i = 0;
  while (i < n) {
    // Open a segment at second i.
    const missing = Number.isNaN(keySeries[i]!);
    let len = 1;
    prefix[0] = 0;
    prefix[1] = missing ? 0 : keySeries[i]!;
    for (const h of hulls) h.size = 0;
    // Q over the D-windows seen so far (the first second is one when D = 1)
    let halfMinWindowSum = minDurationS === 1 ? prefix[1]! / 2 : Number.POSITIVE_INFINITY;
    while (i + len < n && len < maxSegmentS) {
      const next = i + len;
      if (timestampS[next]! !== timestampS[next - 1]! + 1) break; // gap
      const v = keySeries[next]!;
      if (Number.isNaN(v) !== missing) break;
      if (missing) {
        len++;
        continue;
      }
      // Would the segment extended by `v` still satisfy the rule? Interior points are k = 1..len.
      for (const h of hulls) pushPoint(h, len);
      const total = prefix[len]! + v;
      const extended = len + 1;
      const mean = total / extended;
      let q = halfMinWindowSum;
      if (extended >= minDurationS) q = Math.min(q, (total - prefix[extended - minDurationS]!) / 2);
      // head pieces: |C_k| ≤ r·P_k + A ⇔ (1 − r)P_k − k·m ≤ A and k·m − (1 + r)P_k ≤ A
      // tail pieces: |C_k| ≤ r·(P_len − P_k) + A ⇔ (1 + r)P_k − k·m ≤ A + r·P_len, k·m − (1 − r)P_k ≤ A + r·P_len
      // inside: |C_k| ≤ r·Q + A (no such bound before the segment holds a D-window; and 0·∞ is NaN)
      const middleAllowance = q === Number.POSITIVE_INFINITY ? q : halfBudget + r * q;
      const fits =
        maxOffset(headUpper, mean) <= halfBudget &&
        maxOffset(headLower, -mean) <= halfBudget &&
        maxOffset(tailUpper, mean) <= halfBudget + r * total &&
        maxOffset(tailLower, -mean) <= halfBudget + r * total &&
        maxOffset(middleUpper, mean) <= middleAllowance &&
        maxOffset(middleLower, -mean) <= middleAllowance;
      if (!fits) break;
      prefix[extended] = total;
      halfMinWindowSum = q;
      len = extended;
    }
    lengths[count++] = len;
    i += len;
  }
  return { durationS: lengths, count };
}

/**
 * Upper convex hull of the points (k, scale·P[k]) for the segment's interior k, pushed in
 * increasing k (Andrew's monotone chain). A negative scale gives the lower hull of P, negated.
 */
interface Hull {
  scale: number;
  prefix: Float64Array;
  k: Int32Array;
  size: number;
}

function newHull(scale: number, capacity: number, prefix: Float64Array): Hull {
  return { scale, prefix, k: new Int32Array(capacity + 1), size: 0 };
}

function pushPoint(h: Hull, k: number): void {
  const { scale, prefix, k: ks } = h;
  const y = scale * prefix[k]!;
  while (h.size >= 2) {
    const ka = ks[h.size - 2]!;
    const kb = ks[h.size - 1]!;
    const ya = scale * prefix[ka]!;
    const yb = scale * prefix[kb]!;
    // b is not strictly above the chord a → k: drop it.
    if ((yb - ya) * (k - ka) <= (y - ya) * (kb - ka)) h.size--;
    else break;
  }
  ks[h.size++] = k;
}

/** max over the hull's points of scale·P[k] − slope·k (−∞ when empty); the hull is unimodal in it. */
function maxOffset(h: Hull, slope: number): number {
  if (h.size === 0) return Number.NEGATIVE_INFINITY;
  const { scale, prefix, k: ks } = h;
  let lo = 0;
  let hi = h.size - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const k0 = ks[mid]!;
    const k1 = ks[mid + 1]!;
    if (scale * prefix[k1]! - scale * prefix[k0]! > slope * (k1 - k0)) lo = mid + 1;
    else hi = mid;
  }
  const k = ks[lo]!;
  return scale * prefix[k]! - slope * k;
}
