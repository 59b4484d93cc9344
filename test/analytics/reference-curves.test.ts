import { describe, expect, it } from 'vitest';
import { applyGapPolicy, parseGapPolicy } from '../../src/analytics/gap-policy.ts';
import { meanMax } from '../../src/analytics/mean-max.ts';
import { toGrid } from '../../src/analytics/to-grid.ts';
import { HAS_FIXTURES, policyText, readCurve, readStream, referenceFiles } from './reference-fixtures.ts';

const CURVES = referenceFiles(/\.curve\.(zero|split|interp23)\.csv$/);

describe.skipIf(!HAS_FIXTURES)('meanMax() against the reference oracle curves', () => {
  it('finds reference curves to check', () => {
    expect(CURVES.length).toBeGreaterThanOrEqual(18);
  });

  it.each(CURVES)(
    '%s: every duration within 0.01 W with the same start second, envelope = watts_monotone',
    (file) => {
      const match = /^(.*)\.curve\.(zero|split|interp23)\.csv$/.exec(file)!;
      const [, name, filePolicy] = match as unknown as [string, string, string];
      const stream = readStream(`${name}.stream.csv`);
      const grid = toGrid(stream.t!, stream.power!);
      const series = applyGapPolicy(grid, parseGapPolicy(policyText(filePolicy)));
      const curve = meanMax(series);
      const ref = readCurve(file);
      expect(curve.values.length).toBe(ref.watts.length);
      const problems: string[] = [];
      for (let i = 0; i < ref.watts.length; i++) {
        const d = ref.durationS[i]!;
        const want = ref.watts[i]!;
        const got = curve.values[d - 1]!;
        if (Number.isNaN(want)) {
          if (!Number.isNaN(got) || curve.startS[d - 1] !== -1)
            problems.push(`d=${d}: want none, got ${got}`);
          continue;
        }
        if (!(Math.abs(got - want) <= 0.01)) problems.push(`d=${d}: watts ${got} vs ${want}`);
        if (curve.startS[d - 1] !== ref.startS[i])
          problems.push(`d=${d}: start ${curve.startS[d - 1]} vs ${ref.startS[i]}`);
        const env = curve.envelope[d - 1]!;
        if (!(Math.abs(env - ref.wattsMonotone[i]!) <= 0.01))
          problems.push(`d=${d}: envelope ${env} vs ${ref.wattsMonotone[i]}`);
      }
      expect(problems.slice(0, 10)).toEqual([]);
    },
  );
});
