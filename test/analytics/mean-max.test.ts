import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyGapPolicy, type GapPolicy } from '../../src/analytics/gap-policy.ts';
import { meanMax, meanMaxEnvelope } from '../../src/analytics/mean-max.ts';
import { meanMaxBruteForce } from '../../src/analytics/mean-max-brute-force.ts';

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
    let s = seed >>> 0 || 1;
    const rnd = () => {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s / 4294967296;
    };
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

describe('meanMaxEnvelope()', () => {
  it('is the suffix maximum, skipping NaN', () => {
    expect(Array.from(meanMaxEnvelope([3, 5, 4, Number.NaN, 1]))).toEqual([5, 5, 4, 1, 1]);
  });
});
