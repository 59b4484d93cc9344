/** An exact mean-max curve: index d − 1 describes windows of exactly d seconds. */
export interface MeanMaxCurve {
  /** Best mean over any window of exactly d seconds with no missing second; NaN when none exists. */
  values: Float64Array;
  /** Start second (grid index) of the EARLIEST window attaining `values[d − 1]`; −1 when none. */
  startS: Int32Array;
  /** Best mean over windows of at least d seconds (suffix maximum of `values`); NaN when none. */
  envelope: Float64Array;
}

export interface MeanMaxOptions {
  /** Longest duration to compute (default: the series length). */
  maxDurationS?: number;
  /**
   * The exact curve of a longer series that this one is a suffix of (`series[i]` is the parent's
   * value at `i + offsetS`), computed by `meanMax` with every prefix sum exact (see `isExactSeries`
   * on the parent). Where the parent's best window of d seconds starts at or after `offsetS`, it is
   * this series' best window of d seconds too, so it is taken without a search. Used only when this
   * series' sums are exact as well; the answer is the same with or without it.
   */
  suffixOf?: { startS: ArrayLike<number>; offsetS: number };
}

/** Windows examined per coarse block beyond the first: the block spans d + min(d, 180) seconds. */
const COARSE_EXTRA_S = 180;
/** Values that are multiples of 1/EXACT_SCALE sum exactly in Float64 while the total stays < 2^53/EXACT_SCALE. */
const EXACT_SCALE = 1024;
/**
 * Fine blocks span this fraction of the local slack (a heuristic for speed only, tuned on
 * ride-like data and white noise; any block size gives the same exact answer).
 */
const FINE_SLACK_FRACTION = 0.5;
/**
 * Strides of the skipping scan (step 5): after a window that does not beat the best, the next
 * SKIP_LONG_S (else SKIP_SHORT_S) windows are skipped when the step bound proves them all below
 * it (a heuristic for speed only, tuned on heart rate, speed and power; any strides give the same
 * exact answer).
 */
const SKIP_LONG_S = 16;
const SKIP_SHORT_S = 3;
/**
 * From this duration on, coarse blocks have a power-of-two (then 180) count of extra starts, fixed
 * over each octave of d, and wait in the lists of step 6 (a heuristic for speed only).
 */
const SCHEDULE_FROM_S = 16;
/** A segment's short last block of at least this many extra starts reaches back to a full one. */
const EXTEND_FROM_S = 64;

/**
 * Exact mean-max curve of a 1 Hz series for every duration 1..N (DESIGN.md §4).
 *
 * NaN marks a missing second and breaks windows (apply a gap policy first; under `split` the NaN
 * stay and each run of valid seconds is a segment). Values must be ≥ 0 (power, speed, heart
 * rate); a series with a negative value is still answered exactly, but without pruning (O(N²)).
 *
 * The result is bitwise identical to `meanMaxBruteForce`: both compare window sums
 * S[i + d] − S[i] of the same Float64 prefix sums S (NaN counted as 0), keep the first maximum
 * in start order, and divide by d. The fast path only skips windows that provably cannot beat or
 * tie (earlier) the best window found so far:
 *
 * 1. Seed. Values are ≥ 0, so a best window of d − 1 seconds [s, s + d − 1) extended by one second
 *    to the left ([s − 1, s + d − 1), when s − 1 is in the same segment) or to the right
 *    ([s, s + d), when s + d − 1 is in the segment) has a sum at least as large: best(d) ≥
 *    best(d − 1) whenever the segment can host a d-window. The seed is the larger of those two
 *    actual windows, so it is a lower bound that is attained — using it can never lose the answer,
 *    and it is usually close to best(d), which makes the pruning below effective from the start.
 *    In floating point the same holds for the computed sums: S̃ is non-decreasing because
 *    fl(a + x) ≥ a for x ≥ 0 (rounding is monotone), and fl(x − y) is non-decreasing in x and
 *    non-increasing in y.
 * 2. Blocks. Every window of d seconds starting in [b, c] lies inside [b, c + d), so by the
 *    monotonicity just stated its computed sum is ≤ Ẽ = S̃[c + d] − S̃[b], the block's energy.
 *    A block with Ẽ < best holds no window that beats or ties the best; a block with Ẽ = best can
 *    only tie, which matters only if it starts before the current best window (earliest rule).
 *    Such blocks are skipped. Coarse blocks have coarse + 1 starts (so span d + coarse seconds,
 *    overlapping), coarse = d below 16 s, then the largest power of two ≤ d, then 180; a segment's
 *    last block, when shorter (but with ≥ 64 extra starts), reaches back to coarse + 1 starts if
 *    the segment has them. A block that cannot be skipped goes through steps 3 to 5, unless it is
 *    shorter than the width of the sliding minima below: that one is split into fine blocks sized
 *    from its local slack (how far the best is above a window at the block's mean rate), checked
 *    the same way before their windows are.
 * 3. Plateaus. A window starting at i in [b, c] leaves out i − b seconds of [b, c) and c − i
 *    seconds of [b + d, c + d), m = c − b seconds in all, each at least the minimum v of those two
 *    ranges, so its sum is ≤ E − m·v. This one prunes ties (long constant stretches), where E
 *    alone cannot, and in smooth series (heart rate) it keeps only the local ups and downs. When
 *    every value is a multiple of 2^−10 (integers, halves and quarters from averaged readings …)
 *    and the total is below 2^43, every prefix sum and difference is exact, so the bound is exact.
 *    Otherwise (values ≥ 0, not all dyadic: speed, interpolated heart rate) it gets a margin M =
 *    2^−40·T, T = S̃[N] the computed total, 2^−900 ≤ T < 2^1000: each rounding errs by at most
 *    2^−53 times the size of its result plus 2^−1075, which is ≤ ε = 2^−52·T for results up to T
 *    (prefix sums, window sums, E) and ≤ 200ε for results up to 200·T. So each computed increment
 *    S̃[k + 1] − S̃[k] is within ε of x[k], the left-out seconds sum to ≥ m·(v − ε), the computed
 *    window sum is ≤ E − m·v + (m + 1)·ε, and the bound's own four roundings (E, m·v, the
 *    difference, + M) cost ≤ 10ε more; m ≤ 180 and M = 4096ε cover it. The minima are two reads
 *    each of a sliding minimum of the series, of width the largest power of two ≤ coarse (or
 *    180), widened in place as d grows; a block's ranges are read when m ≥ that width.
 * 4. Trend. Let r be the mean rate (rounded down to a whole number when sums are exact) and
 *    D[k] = S[k] − r·k. A window's sum is D[i + d] − D[i] + r·d ≤ max D[b + d .. c + d] −
 *    min D[b .. c] + r·d for every start i in [b, c]. E is this bound with r = 0; with r near
 *    the data's rate it keeps only the local ups and downs, so long stretches at a steady rate
 *    (whose windows all come close to the best) are skipped too. Sliding minima and maxima of D
 *    answer the ranges (as in step 3, for ranges of m + 1 values). With exact sums (total < 2^41) every
 *    D is a multiple of 2^−10 below 2^43 in size, so the bound is exact. Otherwise (values ≥ 0,
 *    not dyadic: speed, interpolated heart rate) it gets the margin M of step 3: with r̃ the
 *    computed rate, r̃·k ≤ T·(1 + 2u) for k ≤ N (u = 2^−53), so D̃[k] = fl(S̃[k] − fl(r̃·k)) is within
 *    2ε of S̃[k] − r̃·k and |D̃| ≤ 2T; the computed window sum is ≤ D̃[i + d] − D̃[i] + r̃·d + 5ε,
 *    and the computed bound's four roundings (difference, r̃·d, sum, + M) cost ≤ 10ε more, far
 *    below M = 4096ε. Near-ties from rounding are left to the window-by-window comparison.
 * 5. Steps. In a coarse block that survives steps 2 to 4, consecutive windows differ by
 *    w(i + 1) − w(i) = x[i + d] − x[i] ≤ L = max x[b + d .. c + d) − min x[b .. c), so
 *    w(i + j) ≤ w(i) + j·L while i + j ≤ c. The block's windows are visited in start order; after
 *    a window i that does not beat the best, when w(i) + J·L < best the next J windows are all
 *    strictly below the best (they cannot beat or tie it) and are skipped, J = 16 or else 3. With
 *    exact sums every quantity is a multiple of 2^−10, exact below 2^43, and at or above 2^43 (>
 *    best) the test fails as it would exactly, rounding being monotone. Otherwise the margin M of
 *    step 3 is added: the computed w(i + j) errs from w(i) + j·L by ≤ (2j + 2)·ε from the
 *    increments and the two window sums, L by ≤ ε per step, and the test's roundings (J·L ≤ 16·T)
 *    by ≤ 30ε, all ≤ 600ε < M.
 * 6. Schedule. From d = 16 on, the coarse blocks of a segment start at fixed seconds
 *    a + t·(coarse + 1) while coarse stays the same (d in [16, 32), [32, 64), …, [128, 180), then
 *    180 and over; the last block shrinks as d grows, and a new grid starts the lists afresh). A block checked at d with an upper bound U on its computed
 *    window sums (the bound that pruned it, or the best once its windows were visited) stays
 *    below the best for the next k durations when U + k·X < best, X the largest value: a window
 *    of d + j seconds is one of d seconds plus j seconds of at most X each, and the best of d + j
 *    seconds is ≥ the best of d (step 1) as long as no segment drops out (then, and after a
 *    duration taken from `suffixOf`, every block is checked again). So the block waits in a list
 *    for duration d + k + 1 (the inequality is strict: it cannot tie either). With exact sums the
 *    test is exact (multiples of 2^−10, as in step 5). Otherwise X gets the margin M of step 3
 *    (the j increments err by ≤ j·ε) and so does the test (its roundings cost ≤ 4ε). Blocks are
 *    then visited in list order, not start order: the comparison (larger sum, or equal sum and
 *    earlier start) and every pruning test hold whatever the order.
 *
 * Cost: O(N) per duration for the coarse checks divided by up to 181 (fewer from d = 16 on, for
 * the blocks step 6 lets wait), plus the windows of blocks that survive, less those step 5 skips. Ride-like data prunes almost everything; white noise is the hard case and stays
 * far below brute force (see bench/analytics-mean-max.ts). Known slow case: hours of a value held
 * exactly constant that is not a multiple of 2^−10 (e.g. 2.7 m/s on a treadmill): every window
 * then ties up to rounding, brute force's answer is decided by rounding noise, and matching it
 * bitwise means visiting every window (brute-force time: ~0.5 s at 6 h).
 */
export function meanMax(series: ArrayLike<number>, options: MeanMaxOptions = {}): MeanMaxCurve {
  const n = series.length;
  const maxD = Math.max(0, Math.min(options.maxDurationS ?? n, n));
  const prefix = new Float64Array(n + 1);
  const segStart: number[] = [];
  const segEnd: number[] = []; // exclusive
  let canPrune = true; // the block bound needs values ≥ 0
  let exact = true; // every value a multiple of 2^−10: prefix sums are exact (total checked below)
  let acc = 0;
  let top = 0; // largest value
  let open = -1;
  for (let k = 0; k < n; k++) {
    const v = series[k]!;
    if (Number.isNaN(v)) {
      if (open >= 0) {
        segStart.push(open);
        segEnd.push(k);
        open = -1;
      }
    } else {
      if (v < 0) canPrune = false;
      if (exact && !Number.isInteger(v * EXACT_SCALE)) exact = false;
      acc += v;
      if (v > top) top = v;
      if (open < 0) open = k;
    }
    prefix[k + 1] = acc;
  }
  if (open >= 0) {
    segStart.push(open);
    segEnd.push(n);
  }

  const sumsExact = canPrune && exact && acc * EXACT_SCALE <= Number.MAX_SAFE_INTEGER;
  // Built on first use: a curve taken whole from `suffixOf` never needs it.
  // Sliding minima and maxima of the series (steps 3 and 5), built on first use, widened in place.
  let minRun: Float64Array | null = null;
  let maxRun: Float64Array | null = null;
  let minWidth = 1; // width of both
  // Reusing a parent's windows is sound only when both series' sums are exact (see suffixOf).
  const parent = sumsExact ? options.suffixOf : undefined;
  const parentStartS = parent?.startS;
  const parentOffset = parent?.offsetS ?? 0;
  const parentLength = parentStartS?.length ?? 0;
  // Steps 3 and 5: exact with exact sums, else with a margin for rounding (see step 3).
  const plateau = canPrune && (sumsExact || (acc >= 2 ** -900 && acc < 2 ** 1000));
  const plateauMargin = sumsExact ? 0 : 2 ** -40 * acc;
  // Step 4: detrended prefix sums D[k] = S[k] − rate·k; their sliding minima and maxima are built
  // on first use (two arrays of n + 1, at any length).
  const trendExact = sumsExact && acc * EXACT_SCALE * 4 <= Number.MAX_SAFE_INTEGER;
  const detrend = plateau && n > 0 && (trendExact || acc < 2 ** 52);
  const rate = !detrend ? 0 : trendExact ? Math.floor(acc / n) : acc / n;
  const trendMargin = plateauMargin;
  let dMinRun: Float64Array | null = null;
  let dMaxRun: Float64Array | null = null;
  let dWidth = 1;

  // Step 6: coarse blocks of d ≥ 16 (fixed starts a + t·(coarse + 1) in each segment while coarse
  // stays the same) wait in per-duration lists until a duration at which they may reach the best.
  const schedule = plateau && maxD >= SCHEDULE_FROM_S;
  const growth = top + plateauMargin; // per-second growth of a block's bound (step 6)
  let scheduled = false; // the lists hold every live block for the current duration
  let scheduledCoarse = 0;
  let blockB: Int32Array | null = null;
  let blockEnd: Int32Array | null = null;
  let blockFirst: Int32Array | null = null; // start of the block's segment
  let blockNext: Int32Array | null = null;
  let blockWake: Int32Array | null = null;
  let wakeHead: Int32Array | null = null;
  let blockCount = 0;

  const values = new Float64Array(maxD).fill(Number.NaN);
  const startS = new Int32Array(maxD).fill(-1);

  // Active segments (length ≥ d), kept in start order; rebuilt when d passes the shortest one.
  let activeStart = segStart.slice();
  let activeEnd = segEnd.slice();
  let shortest = minLength(activeStart, activeEnd);
  let prevStart = -1; // start of best window of d − 1 seconds
  let prevSegEnd = 0;
  let prevSegStart = 0;

  for (let d = 1; d <= maxD; d++) {
    if (d > shortest) {
      const s: number[] = [];
      const e: number[] = [];
      for (let j = 0; j < activeStart.length; j++) {
        if (activeEnd[j]! - activeStart[j]! >= d) {
          s.push(activeStart[j]!);
          e.push(activeEnd[j]!);
        }
      }
      activeStart = s;
      activeEnd = e;
      shortest = minLength(activeStart, activeEnd);
      scheduled = false; // best(d) ≥ best(d − 1) may fail here (step 6)
    }
    if (activeStart.length === 0) break;

    // A parent's best window inside this suffix is this series' best window: the suffix's windows
    // are the parent's windows starting at or after offsetS, and with exact sums both searches
    // compare true window sums, so the maximum and its earliest start are the same.
    if (d <= parentLength) {
      const p = parentStartS![d - 1]! - parentOffset;
      if (p >= 0) {
        const sum = prefix[p + d]! - prefix[p]!;
        values[d - 1] = sum / d;
        startS[d - 1] = p;
        prevStart = p;
        scheduled = false; // this duration's due blocks are not visited
        for (let j = 0; j < activeStart.length; j++) {
          if (activeStart[j]! <= p && p < activeEnd[j]!) {
            prevSegStart = activeStart[j]!;
            prevSegEnd = activeEnd[j]!;
            break;
          }
        }
        continue;
      }
    }

    // Seed (step 1 above).
    let best = Number.NEGATIVE_INFINITY;
    let bestStart = -1;
    if (prevStart >= 0) {
      if (prevStart - 1 >= prevSegStart) {
        best = prefix[prevStart - 1 + d]! - prefix[prevStart - 1]!;
        bestStart = prevStart - 1;
      }
      if (prevStart + d <= prevSegEnd) {
        const w = prefix[prevStart + d]! - prefix[prevStart]!;
        if (w > best) {
          best = w;
          bestStart = prevStart;
        }
      }
    }
    if (bestStart < 0) {
      const a = activeStart[0]!;
      best = prefix[a + d]! - prefix[a]!;
      bestStart = a;
    }

    // Blocks (step 2 above): in start order, or those due now (step 6).
    const coarse =
      d >= COARSE_EXTRA_S ? COARSE_EXTRA_S : d >= SCHEDULE_FROM_S ? 1 << (31 - Math.clz32(d)) : d;
    if (coarse !== scheduledCoarse) scheduled = false; // a new grid of blocks
    if (schedule && !scheduled && d >= SCHEDULE_FROM_S) {
      if (!wakeHead) {
        const cap = Math.ceil(n / (SCHEDULE_FROM_S + 1)) + segStart.length;
        blockB = new Int32Array(cap);
        blockEnd = new Int32Array(cap);
        blockFirst = new Int32Array(cap);
        blockNext = new Int32Array(cap);
        blockWake = new Int32Array(cap);
        wakeHead = new Int32Array(maxD + 2).fill(-1);
      } else {
        for (let q = 0; q < blockCount; q++) if (blockWake![q]! >= 0) wakeHead[blockWake![q]!] = -1;
      }
      blockCount = 0;
      for (let j = activeStart.length - 1; j >= 0; j--) {
        const end = activeEnd[j]!;
        const first = activeStart[j]!;
        for (
          let b = first + Math.floor((end - d - first) / (coarse + 1)) * (coarse + 1);
          b >= first;
          b -= coarse + 1
        ) {
          blockB![blockCount] = b;
          blockFirst![blockCount] = first;
          blockEnd![blockCount] = end;
          blockWake![blockCount] = d;
          blockNext![blockCount] = wakeHead[d]!;
          wakeHead[d] = blockCount++;
        }
      }
      scheduled = true;
      scheduledCoarse = coarse;
    }
    // Sliding minima and maxima for this duration's coarse blocks (steps 3 to 5), built on first use.
    const width = coarseRunWidth(coarse);
    if (plateau && (!minRun || width !== minWidth)) {
      if (!minRun) {
        minRun = Float64Array.from(series);
        maxRun = Float64Array.from(series);
      }
      minWidth = widenRuns(minRun, maxRun!, minWidth, width);
    }
    if (detrend && (!dMinRun || coarseRunWidth(coarse + 1) !== dWidth)) {
      if (!dMinRun) {
        dMinRun = new Float64Array(n + 1);
        for (let k = 0; k <= n; k++) dMinRun[k] = prefix[k]! - rate * k;
        dMaxRun = Float64Array.from(dMinRun);
      }
      dWidth = widenRuns(dMinRun, dMaxRun!, dWidth, coarseRunWidth(coarse + 1));
    }
    const due = scheduled;
    let q = -1;
    if (due) {
      q = wakeHead![d]!;
      wakeHead![d] = -1;
    }
    let seg = 0;
    let nextB = activeStart[0]!;
    let segLast = activeEnd[0]! - d;
    for (;;) {
      let b: number;
      let lastStart: number;
      let first: number;
      const block = q;
      if (due) {
        if (block < 0) break;
        q = blockNext![block]!;
        b = blockB![block]!;
        lastStart = blockEnd![block]! - d;
        first = blockFirst![block]!;
        if (b > lastStart) {
          blockWake![block] = -1;
          continue;
        }
      } else {
        while (nextB > segLast && ++seg < activeStart.length) {
          nextB = activeStart[seg]!;
          segLast = activeEnd[seg]! - d;
        }
        if (nextB > segLast) break;
        b = nextB;
        lastStart = segLast;
        first = activeStart[seg]!;
        nextB += coarse + 1;
      }
      const c = Math.min(b + coarse, lastStart);
      // A short last block reaches back to coarse + 1 starts when its segment has them: the starts
      // it takes from the block before are visited twice, which changes nothing.
      if (c - b < coarse && c - b >= EXTEND_FROM_S && c - coarse >= first) b = c - coarse;
      let bound = best; // an upper bound on the block's window sums, once known
      // biome-ignore lint/suspicious/noConfusingLabels: one exit for every way a block is settled
      check: {
        const energy = prefix[c + d]! - prefix[b]!;
        if (canPrune && (energy < best || (energy === best && b >= bestStart))) {
          bound = energy;
          break check;
        }
        // Steps 3 to 5 on a coarse block of m + 1 starts, m ≥ width (all but a short last one),
        // from sliding minima and maxima of widths ≤ m (series) and ≤ m + 1 (D) that cover each
        // range in two reads.
        const m = c - b;
        if (plateau && m >= width) {
          if (detrend && m + 1 >= dWidth) {
            const od = m + 1 - dWidth;
            const trend =
              Math.max(dMaxRun![b + d]!, dMaxRun![b + d + od]!) -
              Math.min(dMinRun![b]!, dMinRun![b + od]!) +
              rate * d +
              trendMargin;
            if (trend < best || (trend === best && b >= bestStart)) {
              bound = trend;
              break check;
            }
          }
          const o = m - width;
          const minLeft = Math.min(minRun![b]!, minRun![b + o]!);
          const v = Math.min(minLeft, minRun![b + d]!, minRun![b + d + o]!);
          const flat = energy - m * v + plateauMargin;
          if (flat < best || (flat === best && b >= bestStart)) {
            bound = flat;
            break check;
          }
          // Step 5: w(i + j) ≤ w(i) + j·step for i < i + j ≤ c.
          const step = Math.max(0, Math.max(maxRun![b + d]!, maxRun![b + d + o]!) - minLeft);
          const jumpLong = SKIP_LONG_S * step + plateauMargin;
          const jumpShort = SKIP_SHORT_S * step + plateauMargin;
          let i = b;
          while (i <= c) {
            const w = prefix[i + d]! - prefix[i]!;
            if (w + jumpLong < best) i += SKIP_LONG_S + 1;
            else if (w + jumpShort < best) i += SKIP_SHORT_S + 1;
            else {
              if (w >= best && (w > best || i < bestStart)) {
                best = w;
                bestStart = i;
              }
              i++;
            }
          }
          bound = best;
          break check;
        }
        // Fine block size from the local slack: at this block's mean rate, how many seconds beyond
        // d a block could span before its energy reached the best.
        let fine = coarse;
        if (energy > 0) {
          const slackS = (best * (c - b + d)) / energy - d;
          fine = Math.max(1, Math.min(coarse, Math.floor(FINE_SLACK_FRACTION * slackS)));
        }
        for (let f = b; f <= c; f += fine + 1) {
          const g = Math.min(f + fine, c);
          if (canPrune && fine < coarse) {
            const e2 = prefix[g + d]! - prefix[f]!;
            if (e2 < best || (e2 === best && f >= bestStart)) continue;
          }
          for (let i = f; i <= g; i++) {
            const w = prefix[i + d]! - prefix[i]!;
            if (w > best || (w === best && i < bestStart)) {
              best = w;
              bestStart = i;
            }
          }
        }
        bound = best;
      }
      if (due) {
        // Step 6: safe for the next k durations while bound + k·growth (+ M) < best.
        let wake = d + 1;
        const room = best - bound - plateauMargin;
        if (room > growth) {
          let k = Math.min(maxD, Math.floor(room / growth));
          while (k > 0 && !(bound + k * growth + plateauMargin < best)) k--;
          wake += k;
        }
        if (wake <= maxD) {
          blockWake![block] = wake;
          blockNext![block] = wakeHead![wake]!;
          wakeHead![wake] = block;
        } else blockWake![block] = -1;
      }
    }

    values[d - 1] = best / d;
    startS[d - 1] = bestStart;
    prevStart = bestStart;
    for (let j = 0; j < activeStart.length; j++) {
      if (activeStart[j]! <= bestStart && bestStart < activeEnd[j]!) {
        prevSegStart = activeStart[j]!;
        prevSegEnd = activeEnd[j]!;
        break;
      }
    }
  }
  return { values, startS, envelope: meanMaxEnvelope(values) };
}

/**
 * True when `meanMax` computes every prefix sum of the series exactly: values ≥ 0 (NaN allowed),
 * each a multiple of 2^−10, and the total below 2^53 / 2^10. A curve of such a series may serve
 * as `suffixOf` for its suffixes.
 */
export function isExactSeries(series: ArrayLike<number>): boolean {
  let acc = 0;
  for (let k = 0; k < series.length; k++) {
    const v = series[k]!;
    if (Number.isNaN(v)) continue;
    if (v < 0 || !Number.isInteger(v * EXACT_SCALE)) return false;
    acc += v;
  }
  return acc * EXACT_SCALE <= Number.MAX_SAFE_INTEGER;
}

/** Best value for at least d seconds: suffix maximum of a curve, NaN entries skipped. */
export function meanMaxEnvelope(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let best = Number.NaN;
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]!;
    if (!Number.isNaN(v) && !(v <= best)) best = v;
    out[i] = best;
  }
  return out;
}

/**
 * Width of the sliding minima and maxima read for a range of `length` seconds of a coarse block
 * (length = coarse for the series, coarse + 1 for D): the largest power of two ≤ length, or the
 * length itself once it reaches 180, so that two reads cover the range. It only grows with d.
 */
function coarseRunWidth(length: number): number {
  return length >= COARSE_EXTRA_S ? length : 1 << (31 - Math.clz32(length));
}

/**
 * Widens in place sliding minima and maxima, mins[k] = min(x[k .. k + from)) and likewise maxs, to
 * width `to`, doubling: mins[k] = min(mins[k], mins[k + next − w]) covers [k, k + next) when
 * next ≤ 2w, and ascending k reads each mins[k + next − w] before it is overwritten. Entries whose
 * window passes the end of the series are left stale and never read. An entry whose window holds
 * a NaN (a gap) is wrong (the comparisons drop NaN), but it is never read either (reads stay
 * inside a segment) and never feeds one that is: a window without NaN only combines two without.
 */
function widenRuns(mins: Float64Array, maxs: Float64Array, from: number, to: number): number {
  const n = mins.length;
  let w = from;
  while (w < to) {
    const next = Math.min(2 * w, to);
    const shift = next - w;
    for (let k = 0; k + next <= n; k++) {
      const a = mins[k]!;
      const b = mins[k + shift]!;
      // biome-ignore lint/complexity/useMathMinMax: measured faster, and NaN needs no care (above)
      mins[k] = b < a ? b : a;
      const p = maxs[k]!;
      const q = maxs[k + shift]!;
      // biome-ignore lint/complexity/useMathMinMax: as for mins
      maxs[k] = q > p ? q : p;
    }
    w = next;
  }
  return w;
}

function minLength(starts: number[], ends: number[]): number {
  let m = Number.POSITIVE_INFINITY;
  for (let j = 0; j < starts.length; j++) m = Math.min(m, ends[j]! - starts[j]!);
  return m;
}
