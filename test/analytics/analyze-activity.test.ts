import { describe, expect, it } from 'vitest';
import { analyzeActivity } from '../../src/analytics/analyze-activity.ts';
import { meanMax } from '../../src/analytics/mean-max.ts';

const N = Number.NaN;

/** 20 min at 1 Hz: 10 min at 200 W, a 30 s pause without records, then 10 min at 300 W. */
function ride() {
  const offsetS: number[] = [];
  const power: number[] = [];
  const heartRate: number[] = [];
  const speed: number[] = [];
  const distance: number[] = [];
  let covered = 0;
  for (let t = 0; t < 1230; t++) {
    if (t >= 600 && t < 630) continue;
    const hard = t >= 630;
    covered += hard ? 10 : 8;
    offsetS.push(t);
    power.push(hard ? 300 : 200);
    heartRate.push(hard ? 160 : 130);
    speed.push(hard ? 10 : 8);
    distance.push(covered);
  }
  return { offsetS, power, heartRate, speed, distance };
}

describe('analyzeActivity()', () => {
  it('computes every curve under the curve policy and the summary under moving time by default', () => {
    const a = analyzeActivity(ride(), {
      ftpW: 250,
      cpW: 250,
      wPrimeJ: 20_000,
      lthrBpm: 160,
      restHrBpm: 50,
      maxHrBpm: 190,
    });
    expect(a.gapPolicy).toBe('interp:23');
    expect(a.summaryGapPolicy).toBe('split');
    expect(Object.keys(a.curves).sort()).toEqual(['heart_rate', 'power', 'speed']);
    const power = a.curves.power!;
    expect(power.values.length).toBe(1230);
    expect(power.values[599]).toBe(300);
    expect(power.startS[599]).toBe(630);
    const s = a.summary;
    expect(s.gridS).toBe(1230);
    expect(s.powerSeconds).toBe(1200);
    expect(s.powerMissingS).toBe(30);
    expect(s.avgPowerW).toBe(250);
    expect(s.workKj).toBe(300);
    expect(s.maxPowerW).toBe(300);
    expect(s.npW).toBeGreaterThan(250);
    expect(s.variabilityIndex).toBeCloseTo(s.npW! / 250, 12);
    expect(s.intensityFactor).toBeCloseTo(s.npW! / 250, 12);
    expect(s.tss).toBeCloseTo((1200 / 3600) * s.intensityFactor! ** 2 * 100, 9);
    expect(s.wbalMinJ).toBe(20_000 - 600 * 50);
    expect(s.wbalMinAtS).toBe(1229);
    expect(s.wbalIntegralMinAtS).toBe(1229);
    expect(s.avgHeartRateBpm).toBe(145);
    expect(s.efficiencyFactor).toBeCloseTo(s.npW! / 145, 12);
    expect(s.hrTss).toBeCloseTo((600 / 3600) * 100 * (1 + ratioAt130()), 6);
    expect(s.timeInPowerZones!.map((z) => z.seconds)).toEqual([0, 0, 600, 0, 0, 600, 0]);
    expect(s.timeInHeartRateZones!.reduce((n, z) => n + z.seconds, 0)).toBe(1200);
    expect(s.avgSpeedMps).toBe(9);
    expect(a.runningBests!.find((b) => b.name === '1km')).toMatchObject({ timeS: 100 });
  });

  it('follows the summary policy when asked: zero counts the pause as 0 W', () => {
    const a = analyzeActivity(ride(), { summaryGapPolicy: { kind: 'zero' }, gapPolicy: { kind: 'zero' } });
    expect(a.summary.powerSeconds).toBe(1230);
    expect(a.summary.avgPowerW).toBeCloseTo(300_000 / 1230, 12);
    expect(a.curves.power!.values[1229]).toBeCloseTo(300_000 / 1230, 12);
    expect(a.summary.tss).toBeNull();
    expect(a.summary.wbalMinJ).toBeNull();
  });

  it('gives the same power curve as meanMax on the filled grid', () => {
    const input = ride();
    const a = analyzeActivity(input, { gapPolicy: { kind: 'split' } });
    const grid = new Float64Array(1230).fill(N);
    input.offsetS.forEach((t, i) => {
      grid[t] = input.power[i]!;
    });
    expect(a.curves.power!.values).toEqual(meanMax(grid).values);
  });

  it('returns nulls, not zeros, for metrics it has no stream or threshold for', () => {
    const a = analyzeActivity({ offsetS: [0, 1, 2], heartRate: [120, 121, 122] });
    expect(a.curves.power).toBeUndefined();
    expect(a.summary.npW).toBeNull();
    expect(a.summary.avgPowerW).toBeNull();
    expect(a.summary.trimp).toBeNull();
    expect(a.summary.avgHeartRateBpm).toBe(121);
    expect(a.runningBests).toBeNull();
  });
});

/** hrTSS of 10 min at 130 bpm relative to 10 min at LTHR (160) with rest 50, max 190, male. */
function ratioAt130(): number {
  const w = (hr: number) => {
    const r = (hr - 50) / 140;
    return r * 0.64 * Math.exp(1.92 * r);
  };
  return w(130) / w(160);
}
