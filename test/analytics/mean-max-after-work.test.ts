import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activityStreams } from '../../src/analytics/activity-streams.ts';
import { applyGapPolicy, DEFAULT_CURVE_GAP_POLICY, type GapPolicy } from '../../src/analytics/gap-policy.ts';
import { isExactSeries, type MeanMaxCurve, meanMax } from '../../src/analytics/mean-max.ts';
import {
  type MeanMaxAfterWork,
  meanMaxAfterWork,
  meanMaxAfterWorkLadder,
} from '../../src/analytics/mean-max-after-work.ts';
import { meanMaxBruteForce } from '../../src/analytics/mean-max-brute-force.ts';
import { toGrid } from '../../src/analytics/to-grid.ts';
import { AFTER_WORK_LADDER_KJ } from '../../src/domain/durations.ts';
import { readActivityFile } from '../../src/ingest/read-activity-file.ts';
import { xorshift32 } from '../helpers/xorshift.ts';

/**
 * The algorithm before the ladder (kept here as the reference): for each rung on its own, the
 * work is summed from the first second and the tail's curve is searched from scratch.
 */
function referenceAfterWork(
  filled: Float64Array,
  afterJ: number,
  maxDurationS: number,
): MeanMaxAfterWork | null {
  let workJ = 0;
  let second = 0;
  while (second < filled.length && workJ < afterJ) {
    const p = filled[second++]!;
    if (!Number.isNaN(p)) workJ += p;
  }
  if (workJ < afterJ || second >= filled.length) return null;
  const tail = meanMax(filled.subarray(second), {
    maxDurationS: Math.min(filled.length - second, maxDurationS),
  });
  const startS = tail.startS.map((s) => (s < 0 ? s : s + second));
  return { fromS: second, curve: { ...tail, startS } };
}

function referenceLadder(
  filled: Float64Array,
  laddersJ: readonly number[],
  maxDurationS: number,
): MeanMaxAfterWork[] {
  const out: MeanMaxAfterWork[] = [];
  for (const afterJ of laddersJ) {
    const after = referenceAfterWork(filled, afterJ, maxDurationS);
    if (!after) break;
    out.push(after);
  }
  return out;
}

/** Bitwise equality (NaN equals NaN) of values, envelopes and start seconds. */
function expectSameCurve(actual: MeanMaxCurve, expected: MeanMaxCurve, label: string): void {
  expect(actual.values.length, label).toBe(expected.values.length);
  for (let i = 0; i < expected.values.length; i++) {
    if (
      !Object.is(actual.values[i], expected.values[i]) ||
      actual.startS[i] !== expected.startS[i] ||
      !Object.is(actual.envelope[i], expected.envelope[i])
    ) {
      throw new Error(
        `${label} d=${i + 1}: ${actual.values[i]}@${actual.startS[i]} vs reference ${expected.values[i]}@${expected.startS[i]}`,
      );
    }
  }
}

function expectSameLadder(actual: MeanMaxAfterWork[], expected: MeanMaxAfterWork[]): void {
  expect(actual.map((a) => a.fromS)).toEqual(expected.map((a) => a.fromS));
  for (const [rung, a] of actual.entries()) expectSameCurve(a.curve, expected[rung]!.curve, `rung ${rung}`);
}

const POLICIES: GapPolicy[] = [{ kind: 'zero' }, { kind: 'split' }, { kind: 'interp', maxGapS: 3 }];

/** Power-like series: integer watts (exact sums, the reused path), halves, tenths, and gaps. */
const seriesArb = fc
  .record({
    alphabet: fc.integer({ min: 1, max: 400 }),
    scale: fc.constantFrom(1, 1, 0.5, 0.1),
    missing: fc.double({ min: 0, max: 0.3, noNaN: true }),
    n: fc.integer({ min: 0, max: 400 }),
    plateau: fc.integer({ min: 1, max: 30 }),
    seed: fc.integer(),
  })
  .map(({ alphabet, scale, missing, n, plateau, seed }) => {
    const rnd = xorshift32(seed);
    const out = new Float64Array(n);
    let inGap = false;
    let value = 0;
    for (let i = 0; i < n; i++) {
      if (rnd() < missing / 4) inGap = !inGap;
      if (i % plateau === 0) value = Math.floor(rnd() * alphabet) * scale;
      out[i] = inGap || rnd() < missing / 4 ? Number.NaN : value;
    }
    return out;
  });

/** Ascending rungs (J) spread over the series' total work, some beyond it. */
const ladderFor = (filled: Float64Array, fractions: number[]): number[] => {
  let total = 0;
  for (const v of filled) if (!Number.isNaN(v)) total += v;
  return [...fractions].sort((a, b) => a - b).map((f) => Math.round(f * total));
};

describe('meanMaxAfterWorkLadder()', () => {
  it('equals the per-rung search from scratch bitwise (values, starts, envelopes), under every gap policy', () => {
    fc.assert(
      fc.property(
        seriesArb,
        fc.constantFrom(...POLICIES),
        fc.array(fc.double({ min: 0, max: 1.2, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 500 }),
        (grid, policy, fractions, maxDurationS) => {
          const filled = applyGapPolicy(grid, policy);
          const ladder = ladderFor(filled, fractions);
          const expected = referenceLadder(filled, ladder, maxDurationS);
          expectSameLadder(meanMaxAfterWorkLadder(filled, ladder, maxDurationS, meanMax(filled)), expected);
          expectSameLadder(meanMaxAfterWorkLadder(filled, ladder, maxDurationS), expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('equals brute force on each tail', () => {
    fc.assert(
      fc.property(
        seriesArb,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        (grid, fr) => {
          const filled = applyGapPolicy(grid, { kind: 'interp', maxGapS: 3 });
          for (const after of meanMaxAfterWorkLadder(
            filled,
            ladderFor(filled, fr),
            10_000,
            meanMax(filled),
          )) {
            const brute = meanMaxBruteForce(filled.subarray(after.fromS));
            const startS = brute.startS.map((s) => (s < 0 ? s : s + after.fromS));
            expectSameCurve(after.curve, { ...brute, startS }, `after ${after.fromS}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('meanMaxAfterWork gives the ladder’s single rung', () => {
    const filled = Float64Array.from({ length: 900 }, (_, i) => 150 + ((i * 37) % 211));
    const single = meanMaxAfterWork(filled, 40_000, 600)!;
    expectSameLadder([single], [referenceAfterWork(filled, 40_000, 600)!]);
    expect(meanMaxAfterWork(filled, 1e9, 600)).toBeNull();
  });

  it('rejects a ladder that does not ascend', () => {
    expect(() => meanMaxAfterWorkLadder(new Float64Array(10).fill(100), [500, 200], 10)).toThrow(RangeError);
  });
});

describe('meanMax() with suffixOf', () => {
  it('equals the search from scratch for every suffix of exact and inexact series', () => {
    fc.assert(
      fc.property(
        seriesArb,
        fc.constantFrom(...POLICIES),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (grid, policy, at) => {
          const series = applyGapPolicy(grid, policy);
          const offsetS = Math.floor(at * series.length);
          const whole = meanMax(series);
          const suffix = series.subarray(offsetS);
          // A parent curve only counts when its own sums were exact (the ladder checks this).
          const hinted = meanMax(
            suffix,
            isExactSeries(series) ? { suffixOf: { startS: whole.startS, offsetS } } : {},
          );
          expectSameCurve(hinted, meanMax(suffix), `offset ${offsetS}`);
        },
      ),
      { numRuns: 400 },
    );
  });
});

const LONG_RIDE = resolve(
  import.meta.dirname,
  '../../../shared/fixtures/real/misfits/clean-cycling-6h/long.fit',
);

describe.skipIf(!existsSync(LONG_RIDE))('fatigue curves of the real 6 h ride', () => {
  it('are the same with the ladder as rung by rung from scratch', () => {
    const [activity] = readActivityFile(new Uint8Array(readFileSync(LONG_RIDE)), 'long.fit').activities;
    const streams = activityStreams(activity!);
    const filled = applyGapPolicy(toGrid(streams.offsetS, streams.power!), DEFAULT_CURVE_GAP_POLICY);
    expect(isExactSeries(filled)).toBe(true);
    const ladder = AFTER_WORK_LADDER_KJ.map((kj) => kj * 1000);
    const expected = referenceLadder(filled, ladder, 86_400);
    expect(expected.length).toBeGreaterThan(5);
    expectSameLadder(meanMaxAfterWorkLadder(filled, ladder, 86_400, meanMax(filled)), expected);
  });
});
