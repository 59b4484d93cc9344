import { describe, expect, it } from 'vitest';
import { analyzeActivity } from '../../src/analytics/analyze-activity.ts';
import { applyGapPolicy, parseGapPolicy, toMetricSeries } from '../../src/analytics/gap-policy.ts';
import { meanMax } from '../../src/analytics/mean-max.ts';
import { toGrid } from '../../src/analytics/to-grid.ts';
import { wPrimeBalance } from '../../src/analytics/w-prime-balance.ts';
import { HAS_FIXTURES, policyText, readJson, readStream, referenceFiles } from './reference-fixtures.ts';

interface ReferenceSummary {
  gap_policy: string;
  grid_seconds: number;
  missing_seconds_before_policy: number;
  metric_seconds: number;
  avg_power: number;
  np_coggan: number;
  np_gc: number;
  xpower_gc: number;
  mmp: Record<string, number | null>;
  if?: number;
  tss?: number;
  tau_s?: number;
  wbal_integral_min_j?: number;
  wbal_integral_min_at_s?: number;
  wbal_differential_min_j?: number;
  wbal_differential_min_at_s?: number;
}

const SUMMARIES = referenceFiles(/\.summary\.(zero|split|interp23)\.json$/);
const NOMINAL = { ftpW: 250, cpW: 250, wPrimeJ: 20_000 };

/** |got − want| ≤ 0.1 % of |want| (exactly equal when want is 0). */
function within(got: number | null | undefined, want: number, relative = 1e-3): boolean {
  return typeof got === 'number' && Math.abs(got - want) <= relative * Math.abs(want) + 1e-9;
}

describe.skipIf(!HAS_FIXTURES)('analyzeActivity() summary against the reference oracle summaries', () => {
  it('finds reference summaries to check', () => {
    expect(SUMMARIES.length).toBeGreaterThanOrEqual(13);
  });

  it.each(SUMMARIES)('%s: NP, xPower, IF, TSS and W′bal minima agree within 0.1 %%', (file) => {
    const [, name, filePolicy] = /^(.*)\.summary\.(zero|split|interp23)\.json$/.exec(file) as unknown as [
      string,
      string,
      string,
    ];
    const ref = readJson<ReferenceSummary>(file);
    const policy = parseGapPolicy(policyText(filePolicy));
    expect(ref.gap_policy).toBe(policyText(filePolicy));
    const stream = readStream(`${name}.stream.csv`);
    const analysis = analyzeActivity(
      { offsetS: stream.t!, power: stream.power! },
      { ...NOMINAL, summaryGapPolicy: policy, gapPolicy: policy, curves: ['power'] },
    );
    const s = analysis.summary;
    expect(s.gridS).toBe(ref.grid_seconds);
    expect(s.powerMissingS).toBe(ref.missing_seconds_before_policy);
    expect(s.powerSeconds).toBe(ref.metric_seconds);
    expect(within(s.avgPowerW, ref.avg_power)).toBe(true);
    expect(within(s.npW, ref.np_coggan)).toBe(true);
    expect(within(s.npGcW, ref.np_gc)).toBe(true);
    expect(within(s.xPowerW, ref.xpower_gc)).toBe(true);
    if (ref.if !== undefined) expect(within(s.intensityFactor, ref.if)).toBe(true);
    if (ref.tss !== undefined) expect(within(s.tss, ref.tss)).toBe(true);
    if (ref.tau_s !== undefined) expect(within(s.wbalIntegralTauS, ref.tau_s)).toBe(true);

    // The reference indexes W'bal minima in the metric series (moving time under split); the
    // summary reports grid seconds, so map through the series' grid index.
    const grid = toGrid(stream.t!, stream.power!);
    const { gridIndexS } = toMetricSeries(grid, policy);
    if (ref.wbal_differential_min_j !== undefined) {
      expect(within(s.wbalMinJ, ref.wbal_differential_min_j)).toBe(true);
      expect(s.wbalMinAtS).toBe(gridIndexS[ref.wbal_differential_min_at_s!]);
    }
    if (ref.wbal_integral_min_j !== undefined) {
      expect(within(s.wbalIntegralMinJ, ref.wbal_integral_min_j)).toBe(true);
      expect(s.wbalIntegralMinAtS).toBe(gridIndexS[ref.wbal_integral_min_at_s!]);
    }

    const curve = analysis.curves.power ?? meanMax(applyGapPolicy(grid, policy));
    for (const [duration, watts] of Object.entries(ref.mmp)) {
      const got = curve.values[Number(duration) - 1];
      if (watts === null) expect(got === undefined || Number.isNaN(got)).toBe(true);
      else expect(Math.abs(got! - watts)).toBeLessThanOrEqual(1e-6 + 1e-9 * watts);
    }
  });

  it.each(SUMMARIES.filter((f) => f.includes('.split.')))(
    '%s: the W′bal kernels alone give the reference minima and their moving-time index',
    (file) => {
      const [, name] = /^(.*)\.summary\.split\.json$/.exec(file) as unknown as [string, string];
      const ref = readJson<ReferenceSummary>(file);
      if (ref.wbal_differential_min_j === undefined) return;
      const stream = readStream(`${name}.stream.csv`);
      const { values } = toMetricSeries(toGrid(stream.t!, stream.power!), { kind: 'split' });
      const differential = wPrimeBalance(values, { cpW: 250, wPrimeJ: 20_000 });
      const integral = wPrimeBalance(values, { cpW: 250, wPrimeJ: 20_000, model: 'integral' });
      expect(within(differential.minJ, ref.wbal_differential_min_j)).toBe(true);
      expect(differential.minAtS).toBe(ref.wbal_differential_min_at_s);
      expect(within(integral.minJ, ref.wbal_integral_min_j!)).toBe(true);
      expect(integral.minAtS).toBe(ref.wbal_integral_min_at_s);
    },
  );
});
