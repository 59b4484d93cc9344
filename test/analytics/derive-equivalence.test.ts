import { describe, expect, it } from 'vitest';
import { applyGapPolicy, type GapPolicy } from '../../src/analytics/gap-policy.ts';
import { type MeanMaxCurve, meanMax } from '../../src/analytics/mean-max.ts';
import { meanMaxAfterWorkLadder } from '../../src/analytics/mean-max-after-work.ts';
import { meanMaxBruteForce } from '../../src/analytics/mean-max-brute-force.ts';
import { hrTss, hrTssFromTrimp, trimp } from '../../src/analytics/trimp.ts';
import { xorshift32 } from '../helpers/xorshift.ts';

/**
 * The optimized curve kernels against the straightforward references, bitwise, on seeded
 * ride-like series: a slowly drifting rate with noise (the case the trend bound prunes), efforts,
 * constant stretches, zeros, NaN gaps, and integer, dyadic or arbitrary non-integer values.
 */

type Kind = 'integer' | 'dyadic' | 'decimal';

function rideLike(seed: number, n: number, kind: Kind): Float64Array {
  const rnd = xorshift32(seed);
  const out = new Float64Array(n);
  let rate = 150 + rnd() * 100;
  let hold = 0;
  let held = 0;
  let gap = 0;
  for (let i = 0; i < n; i++) {
    rate = Math.max(0, rate + (rnd() - 0.5) * 4);
    if (gap > 0) {
      gap--;
      out[i] = Number.NaN;
      continue;
    }
    if (rnd() < 0.004) gap = Math.floor(rnd() * 40);
    if (hold > 0) {
      hold--;
      out[i] = held;
      continue;
    }
    let v = rate + (rnd() - 0.5) * 60;
    if (rnd() < 0.01) v *= 2.5; // a short effort
    if (rnd() < 0.02) v = 0; // coasting
    v = Math.max(0, v);
    v = kind === 'integer' ? Math.round(v) : kind === 'dyadic' ? Math.round(v * 4) / 4 : v * 1.000_1;
    if (rnd() < 0.01) {
      hold = Math.floor(rnd() * 200); // a constant stretch (ERG mode, a stuck sensor)
      held = v;
    }
    out[i] = v;
  }
  return out;
}

function expectSameCurve(actual: MeanMaxCurve, expected: MeanMaxCurve, label: string): void {
  expect(actual.values.length, label).toBe(expected.values.length);
  for (let i = 0; i < expected.values.length; i++) {
    if (
      !Object.is(actual.values[i], expected.values[i]) ||
      actual.startS[i] !== expected.startS[i] ||
      !Object.is(actual.envelope[i], expected.envelope[i])
    )
      throw new Error(
        `${label} d=${i + 1}: ${actual.values[i]}@${actual.startS[i]} vs reference ${expected.values[i]}@${expected.startS[i]}`,
      );
  }
}

const POLICIES: GapPolicy[] = [{ kind: 'zero' }, { kind: 'split' }, { kind: 'interp', maxGapS: 23 }];
const CASES = [1, 2, 3, 4].flatMap((seed) =>
  (['integer', 'dyadic', 'decimal'] as const).map((kind) => ({ seed, kind, n: 600 + seed * 350 })),
);

describe('meanMax() on ride-like series', () => {
  it('equals brute force bitwise under every gap policy', () => {
    for (const { seed, kind, n } of CASES) {
      const raw = rideLike(seed, n, kind);
      for (const policy of POLICIES) {
        const filled = applyGapPolicy(raw, policy);
        const label = `${kind} seed ${seed} ${policy.kind}`;
        expectSameCurve(meanMax(filled), meanMaxBruteForce(filled), label);
        expectSameCurve(
          meanMax(filled, { maxDurationS: 300 }),
          meanMaxBruteForce(filled, { maxDurationS: 300 }),
          `${label} up to 300 s`,
        );
      }
    }
  });
});

describe('meanMaxAfterWorkLadder() on ride-like series', () => {
  it('equals brute force on each tail bitwise, with and without the whole curve', () => {
    for (const { seed, kind, n } of CASES) {
      for (const policy of POLICIES) {
        const filled = applyGapPolicy(rideLike(seed, n, kind), policy);
        let total = 0;
        for (const v of filled) if (!Number.isNaN(v)) total += v;
        const ladderJ = [0.05, 0.2, 0.21, 0.5, 0.9, 1.1].map((f) => Math.round(f * total));
        const maxDurationS = 400;
        for (const whole of [meanMax(filled), undefined]) {
          const ladder = meanMaxAfterWorkLadder(filled, ladderJ, maxDurationS, whole);
          expect(ladder.length).toBe(5); // the rung beyond the total work is not reached
          for (const [rung, after] of ladder.entries()) {
            const from = after.fromS;
            const reference = meanMaxBruteForce(filled.subarray(from), {
              maxDurationS: Math.min(filled.length - from, maxDurationS),
            });
            const startS = reference.startS.map((s) => (s < 0 ? s : s + from));
            expectSameCurve(
              after.curve,
              { ...reference, startS },
              `${kind} seed ${seed} ${policy.kind} rung ${rung}${whole ? '' : ' (no whole curve)'}`,
            );
          }
        }
      }
    }
  });
});

describe('hrTssFromTrimp()', () => {
  it('equals hrTss bitwise', () => {
    const profile = { restBpm: 48, maxBpm: 188, sex: 'female' as const, lthrBpm: 166 };
    const rnd = xorshift32(7);
    const bpm = Float64Array.from({ length: 3000 }, () => (rnd() < 0.05 ? Number.NaN : 60 + rnd() * 130));
    expect(Object.is(hrTssFromTrimp(trimp(bpm, profile), profile), hrTss(bpm, profile))).toBe(true);
  });
});
