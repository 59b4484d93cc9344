import { describe, expect, it } from 'vitest';
import {
  applyGapPolicy,
  formatGapPolicy,
  parseGapPolicy,
  toMetricSeries,
} from '../../src/analytics/gap-policy.ts';
import { toGrid } from '../../src/analytics/to-grid.ts';
import { isPeakformError } from '../../src/domain/errors.ts';

const N = Number.NaN;

describe('toGrid()', () => {
  it('maps each reading to floor(t − t0), averages readings within a second and leaves empty seconds NaN', () => {
    const grid = toGrid([10, 10.4, 11.2, 13.9], [10, 20, 30, N]);
    expect(Array.from(grid)).toEqual([15, 30, N, N]);
  });

  it('ignores records without a reading when averaging', () => {
    expect(Array.from(toGrid([0, 0.5, 1], [N, 8, 4]))).toEqual([8, 4]);
  });

  it('returns an empty grid for no records', () => {
    expect(toGrid([], []).length).toBe(0);
  });
});

describe('applyGapPolicy()', () => {
  const grid = [10, N, N, 40, N, N, N, 0, N];

  it('zero fills every missing second with 0', () => {
    expect(Array.from(applyGapPolicy(grid, { kind: 'zero' }))).toEqual([10, 0, 0, 40, 0, 0, 0, 0, 0]);
  });

  it('split keeps missing seconds as NaN', () => {
    expect(Array.from(applyGapPolicy(grid, { kind: 'split' }))).toEqual(grid);
  });

  it('interp:G fills runs of at most G seconds between two readings linearly, the rest with 0', () => {
    expect(Array.from(applyGapPolicy(grid, { kind: 'interp', maxGapS: 2 }))).toEqual([
      10, 20, 30, 40, 0, 0, 0, 0, 0,
    ]);
    expect(Array.from(applyGapPolicy(grid, { kind: 'interp', maxGapS: 3 }))).toEqual([
      10, 20, 30, 40, 30, 20, 10, 0, 0,
    ]);
  });

  it('interp never fills leading or trailing missing seconds', () => {
    expect(Array.from(applyGapPolicy([N, 5, N], { kind: 'interp', maxGapS: 23 }))).toEqual([0, 5, 0]);
  });

  it('does not change its input', () => {
    const input = Float64Array.from(grid);
    applyGapPolicy(input, { kind: 'interp', maxGapS: 5 });
    expect(Array.from(input)).toEqual(grid);
  });
});

describe('parseGapPolicy()', () => {
  it('parses zero, split and interp:G and round-trips through formatGapPolicy', () => {
    for (const text of ['zero', 'split', 'interp:23', 'interp:0'])
      expect(formatGapPolicy(parseGapPolicy(text))).toBe(text);
    expect(parseGapPolicy('interp:23')).toEqual({ kind: 'interp', maxGapS: 23 });
  });

  it('rejects anything else with ERR_ANALYTICS_GAP_POLICY and a message listing the valid forms', () => {
    for (const bad of ['interp', 'interp:-1', 'interp23', 'ZERO', '']) {
      try {
        parseGapPolicy(bad);
        throw new Error(`accepted ${bad}`);
      } catch (error) {
        expect(isPeakformError(error)).toBe(true);
        if (!isPeakformError(error)) continue;
        expect(error.code).toBe('ERR_ANALYTICS_GAP_POLICY');
        expect(error.message).toMatch(/zero.*split.*interp:G/);
      }
    }
  });
});

describe('toMetricSeries()', () => {
  it('concatenates the valid seconds under split and remembers their grid seconds', () => {
    const { values, gridIndexS } = toMetricSeries([1, N, 3, N, 5], { kind: 'split' });
    expect(Array.from(values)).toEqual([1, 3, 5]);
    expect(Array.from(gridIndexS)).toEqual([0, 2, 4]);
  });

  it('is the policy-applied grid otherwise', () => {
    expect(Array.from(toMetricSeries([1, N, 3], { kind: 'zero' }).values)).toEqual([1, 0, 3]);
  });
});
