import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyGapPolicy, type GapPolicy } from '../../src/analytics/gap-policy.ts';
import { meanMax, meanMaxEnvelope } from '../../src/analytics/mean-max.ts';
import { meanMaxBruteForce } from '../../src/analytics/mean-max-brute-force.ts';
import { xorshift32 } from '../helpers/xorshift.ts';

const POLICIES: GapPolicy[] = [{ kind: 'zero' }, { kind: 'split' }, { kind: 'interp', maxGapS: 3 }];

/** Bitwise equality (NaN equals NaN) of values and equality of start seconds. */
function expectSameCurve(fast: ReturnType<typeof meanMax>, slow: ReturnType<typeof meanMax>): void {
  expect(fast.values.length).toBe(slow.values.length);
  for (let i = 0; i < slow.values.length; i++) {
    if (!Object.is(fast.values[i], slow.values[i]) || fast.startS[i] !== slow.startS[i]) {
      throw new Error(
        `d=${i + 1}: fast ${fast.values[i]}@${fast.startS[i]} vs brute ${slow.values[i]}@${slow.startS[i]}`,
      );
    }
    expect(Object.is(fast.envelope[i], slow.envelope[i])).toBe(true);
  }
}

/** Series with gaps: small integer alphabets (many ties), fractional values, runs of NaN. */
const seriesArb = fc
  .record({
    alphabet: fc.integer({ min: 1, max: 6 }),
    scale: fc.constantFrom(1, 0.1, 0.25, 3),
    missing: fc.double({ min: 0, max: 0.4, noNaN: true }),
    n: fc.integer({ min: 0, max: 260 }),
    seed: fc.integer(),
  })
  .map(({ alphabet, scale, missing, n, seed }) => {
    const rnd = xorshift32(seed);
    const out = new Float64Array(n);
    let inGap = false;
    for (let i = 0; i < n; i++) {
      if (rnd() < missing / 4) inGap = !inGap;
      out[i] = inGap || rnd() < missing / 4 ? Number.NaN : Math.floor(rnd() * alphabet) * scale;
    }
    return out;
  });

describe('meanMax()', () => {
  it('equals the brute-force search bitwise, with the same earliest start, under every gap policy', () => {
    fc.assert(
      fc.property(seriesArb, fc.constantFrom(...POLICIES), (grid, policy) => {
        const series = applyGapPolicy(grid, policy);
        expectSameCurve(meanMax(series), meanMaxBruteForce(series));
      }),
      { numRuns: 400 },
    );
  });

  it('equals brute force on plateaus: long runs of equal values from a small alphabet, with gaps', () => {
    const run = fc.record({
      value: fc.oneof(fc.constant(Number.NaN), fc.integer({ min: 0, max: 4 })),
      length: fc.integer({ min: 1, max: 250 }),
    });
    fc.assert(
      fc.property(fc.array(run, { maxLength: 8 }), fc.constantFrom(1, 0.5, 0.1), (runs, scale) => {
        const series = Float64Array.from(
          runs.flatMap((r) => new Array<number>(r.length).fill(r.value * scale)),
        );
        expectSameCurve(meanMax(series), meanMaxBruteForce(series));
      }),
      { numRuns: 200 },
    );
  });

  it('equals brute force on arbitrary non-negative doubles with gaps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(Number.NaN), fc.double({ min: 0, max: 2000, noNaN: true })), {
          maxLength: 200,
        }),
        (values) => {
          const series = Float64Array.from(values);
          expectSameCurve(meanMax(series), meanMaxBruteForce(series));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('picks the earliest window when every value is equal', () => {
    const curve = meanMax(new Float64Array(500).fill(200));
    expect(Array.from(curve.startS).every((s) => s === 0)).toBe(true);
    expect(Array.from(curve.values).every((v) => v === 200)).toBe(true);
  });

  it('finds the last d seconds of a rising ramp and the first d of a falling one', () => {
    const n = 2000;
    const up = meanMax(Float64Array.from({ length: n }, (_, i) => i));
    const down = meanMax(Float64Array.from({ length: n }, (_, i) => n - i));
    for (const d of [1, 7, 180, 181, 999, n]) {
      expect(up.startS[d - 1]).toBe(n - d);
      expect(down.startS[d - 1]).toBe(0);
    }
  });

  it('returns NaN and start −1 for durations longer than the longest run under split', () => {
    const curve = meanMax(Float64Array.from([5, 6, Number.NaN, 1, 2, 3, Number.NaN]));
    expect(Array.from(curve.values.subarray(0, 3))).toEqual([6, 5.5, 2]);
    expect(Array.from(curve.startS)).toEqual([1, 0, 3, -1, -1, -1, -1]);
    expect(Number.isNaN(curve.values[3]!)).toBe(true);
    expect(Array.from(curve.envelope.subarray(0, 3))).toEqual([6, 5.5, 2]);
  });

  it('falls back to brute force for negative values and still matches it', () => {
    const series = Float64Array.from([3, -1, 4, -1, 5, -9, 2, 6]);
    expectSameCurve(meanMax(series), meanMaxBruteForce(series));
  });

  it('stops at maxDurationS', () => {
    const curve = meanMax(Float64Array.from([1, 2, 3, 4]), { maxDurationS: 2 });
    expect(Array.from(curve.values)).toEqual([4, 3.5]);
  });

  it('agrees with brute force on a noisy hour-long series (block pruning at long durations)', () => {
    let s = 12345;
    const series = Float64Array.from({ length: 3600 }, () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return Math.floor((s / 2147483648) * 400);
    });
    expectSameCurve(meanMax(series), meanMaxBruteForce(series));
  });
});

/**
 * Heart-rate-like: a smooth integer random walk (drift, held readings, long near-plateaus),
 * optionally with NaN gaps and a few interpolated (non-dyadic) seconds.
 */
function heartRateLike(n: number, seed: number, gaps: boolean, interpolated: boolean): Float64Array {
  const rnd = xorshift32(seed);
  const out = new Float64Array(n);
  let hr = 90 + Math.floor(rnd() * 60);
  let hold = 0;
  for (let i = 0; i < n; i++) {
    if (hold > 0) hold--;
    else if (rnd() < 0.02) hold = Math.floor(rnd() * 200);
    else hr = Math.min(195, Math.max(60, hr + Math.floor(rnd() * 3) - 1 + (rnd() < 0.01 ? 8 : 0)));
    out[i] = hr;
    if (interpolated && rnd() < 0.002) out[i] = hr + 1 / 3;
    if (gaps && rnd() < 0.0015) {
      const len = 1 + Math.floor(rnd() * 40);
      for (let k = 0; k < len && i < n; k++, i++) out[i] = Number.NaN;
    }
  }
  return out;
}

/** Speed-like: non-dyadic floats (three decimals) on a smooth walk, with stops at 0 and gaps. */
function speedLike(n: number, seed: number, gaps: boolean): Float64Array {
  const rnd = xorshift32(seed);
  const out = new Float64Array(n);
  let v = 3 + rnd() * 6;
  for (let i = 0; i < n; i++) {
    v = Math.min(18, Math.max(0.5, v + (rnd() - 0.5) * 0.3));
    out[i] = Math.round(v * 1000) / 1000;
    if (rnd() < 0.001) {
      const len = 1 + Math.floor(rnd() * 60);
      const value = gaps && rnd() < 0.5 ? Number.NaN : 0;
      for (let k = 0; k < len && i < n; k++, i++) out[i] = value;
    }
  }
  return out;
}

describe('meanMax() on shaped series (bitwise against brute force)', () => {
  it('heart-rate-like integer series with plateaus and gaps', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const series = heartRateLike(2500, seed, seed % 2 === 0, false);
      expectSameCurve(meanMax(series), meanMaxBruteForce(series));
    }
  });

  it('heart-rate-like series with a few interpolated non-dyadic seconds (rounding margins)', () => {
    for (let seed = 11; seed <= 16; seed++) {
      const series = heartRateLike(2500, seed, seed % 2 === 0, true);
      expectSameCurve(meanMax(series), meanMaxBruteForce(series));
    }
  });

  it('speed-like non-dyadic floats with stops and gaps', () => {
    for (let seed = 21; seed <= 26; seed++) {
      const series = speedLike(2500, seed, seed % 2 === 0);
      expectSameCurve(meanMax(series), meanMaxBruteForce(series));
    }
  });

  it('constant non-dyadic stretches and exact near-ties (periodic series)', () => {
    const constant = Float64Array.from({ length: 1500 }, (_, i) => (i < 200 || i > 1300 ? 2.5 : 2.7));
    expectSameCurve(meanMax(constant), meanMaxBruteForce(constant));
    const periodic = Float64Array.from({ length: 1500 }, (_, i) => 140 + ((i * 7) % 13) - (i % 5));
    expectSameCurve(meanMax(periodic), meanMaxBruteForce(periodic));
    const periodicFloat = Float64Array.from({ length: 1500 }, (_, i) => 0.1 * (i % 7) + 3.3);
    expectSameCurve(meanMax(periodicFloat), meanMaxBruteForce(periodicFloat));
    // Equal windows far apart: the earliest must win after a dip.
    const twins = Float64Array.from({ length: 1500 }, (_, i) => (i % 600 < 300 ? 150 : 149.9));
    expectSameCurve(meanMax(twins), meanMaxBruteForce(twins));
  });

  it('long series beyond the trend-bound length (heart rate with interpolation, speed)', () => {
    const hr = heartRateLike(12_300, 31, true, true);
    expectSameCurve(meanMax(hr), meanMaxBruteForce(hr));
    const speed = speedLike(12_300, 32, false);
    expectSameCurve(meanMax(speed), meanMaxBruteForce(speed));
  });

  it('segments of many lengths dropping out past 180 s (the best falls when a short one ends)', () => {
    const lengths = [200, 950, 181, 400, 2600, 182, 700];
    const parts: number[] = [];
    lengths.forEach((length, k) => {
      const part =
        k % 2 === 0 ? heartRateLike(length, 40 + k, false, k === 4) : speedLike(length, 40 + k, false);
      // Short segments run hot, so the best of the next durations is lower once they drop out.
      for (const v of part) parts.push(length < 500 ? v + 60 : v);
      parts.push(Number.NaN);
    });
    const series = Float64Array.from(parts);
    expectSameCurve(meanMax(series), meanMaxBruteForce(series));
  });

  it('a long plateau just below a shorter, higher one overtakes it one second later', () => {
    for (const [high, low, scale] of [
      [300, 299, 1],
      [300, 299, 0.01],
      [3000, 2999, 1 / 3],
    ] as const) {
      for (const shortS of [20, 45, 100, 181, 250, 700]) {
        const series = Float64Array.from({ length: shortS + 500 + 3000 }, (_, i) =>
          i < shortS ? high * scale : i < shortS + 500 ? 0 : low * scale,
        );
        expectSameCurve(meanMax(series), meanMaxBruteForce(series));
      }
    }
  });

  it('best windows at the end of segments (short last blocks), noisy and dipping', () => {
    for (let seed = 61; seed <= 72; seed++) {
      const rnd = xorshift32(seed);
      const parts: number[] = [];
      for (let segment = 0; segment < 3; segment++) {
        const length = 300 + Math.floor(rnd() * 1200);
        const base = heartRateLike(length, seed * 10 + segment, false, seed % 3 === 0);
        const tail = 60 + Math.floor(rnd() * 300);
        for (let i = 0; i < length; i++) {
          const k = i - (length - tail);
          // A hot finish with a dip of zeros and noise inside it.
          parts.push(k < 0 ? base[i]! : k % 37 < 3 ? 0 : base[i]! + 40 + Math.floor(rnd() * 30));
        }
        parts.push(Number.NaN);
      }
      const series = Float64Array.from(parts);
      expectSameCurve(meanMax(series), meanMaxBruteForce(series));
    }
  });

  it('near-constant values with sparse zero dips and a hot finish (short last blocks)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = xorshift32(seed);
      const n = 150 + Math.floor(rnd() * 600);
      const series = Float64Array.from({ length: n }, (_, i) =>
        rnd() < 0.05 ? 0 : 100 + Math.floor(rnd() * 5) + (i > n - 100 ? 20 : 0),
      );
      expectSameCurve(meanMax(series), meanMaxBruteForce(series));
    }
  });

  it('stops at maxDurationS on long series and still matches brute force', () => {
    const series = heartRateLike(4000, 51, true, true);
    for (const maxDurationS of [179, 180, 181, 1000, 3999]) {
      expectSameCurve(meanMax(series, { maxDurationS }), meanMaxBruteForce(series, { maxDurationS }));
    }
  });

  it('smooth walks of any scale and gap policy (property)', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 700 }),
        fc.constantFrom(1, 0.1, 1 / 3, 0.25, 7),
        fc.constantFrom(...POLICIES),
        (seed, n, scale, policy) => {
          const rnd = xorshift32(seed);
          let level = Math.floor(rnd() * 50);
          const grid = Float64Array.from({ length: n }, () => {
            if (rnd() < 0.01) return Number.NaN;
            if (rnd() < 0.7) level = Math.max(0, level + Math.floor(rnd() * 5) - 2);
            return level * scale;
          });
          const series = applyGapPolicy(grid, policy);
          expectSameCurve(meanMax(series), meanMaxBruteForce(series));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('meanMaxEnvelope()', () => {
  it('is the suffix maximum, skipping NaN', () => {
    expect(Array.from(meanMaxEnvelope([3, 5, 4, Number.NaN, 1]))).toEqual([5, 5, 4, 1, 1]);
  });
});
