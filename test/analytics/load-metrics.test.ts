import { describe, expect, it } from 'vitest';
import { normalizedPower } from '../../src/analytics/normalized-power.ts';
import { timeInZones } from '../../src/analytics/time-in-zones.ts';
import { dailyTss, trainingLoad } from '../../src/analytics/training-load.ts';
import { trainingStress } from '../../src/analytics/training-stress.ts';
import { hrTss, trimp } from '../../src/analytics/trimp.ts';
import { wPrimeBalance } from '../../src/analytics/w-prime-balance.ts';
import { xPower } from '../../src/analytics/x-power.ts';
import { COGGAN_HR_ZONES, COGGAN_POWER_ZONES, FRIEL_HR_ZONES } from '../../src/analytics/zone-systems.ts';

const constant = (value: number, seconds: number) => new Float64Array(seconds).fill(value);

describe('normalizedPower()', () => {
  it('is the power itself for a steady effort (coggan) and null below 30 s', () => {
    expect(normalizedPower(constant(200, 60))).toBeCloseTo(200, 12);
    expect(normalizedPower(constant(200, 29))).toBeNull();
  });

  it('weights surges: 30 s at 400 W and 30 s at 0 W gives the 4th-power mean of the rolling means', () => {
    const x = Float64Array.from({ length: 60 }, (_, i) => (i < 30 ? 400 : 0));
    // rolling means for windows ending at 29..59: 400·(30 − k)/30 for k = 0..30
    let total = 0;
    for (let k = 0; k <= 30; k++) total += ((400 * (30 - k)) / 30) ** 4;
    expect(normalizedPower(x)).toBeCloseTo((total / 31) ** 0.25, 9);
  });

  it('gc variant starts from an empty (zero) window so every second counts', () => {
    let total = 0;
    for (let i = 0; i < 40; i++) total += ((200 * Math.min(i + 1, 30)) / 30) ** 4;
    expect(normalizedPower(constant(200, 40), 'gc')).toBeCloseTo((total / 40) ** 0.25, 9);
  });
});

describe('xPower()', () => {
  it('approaches the power of a long steady effort from below', () => {
    const xp = xPower(constant(250, 7200))!;
    expect(xp).toBeLessThan(250);
    expect(xp).toBeGreaterThan(249);
    expect(xPower([])).toBeNull();
  });
});

describe('trainingStress()', () => {
  it('scores one hour at FTP as IF 1 and TSS 100, and 30 min at 1.2·FTP as 72', () => {
    expect(trainingStress(250, 250, 3600)).toEqual({ intensityFactor: 1, tss: 100 });
    expect(trainingStress(300, 250, 1800).tss).toBeCloseTo(72, 12);
  });
});

describe('wPrimeBalance()', () => {
  const ride = Float64Array.from([...constant(300, 10), 0, 250]);

  it('differential: spends P − CP above CP and recovers (W′ − W′bal)(CP − P)/W′ below', () => {
    const wb = wPrimeBalance(ride, { cpW: 250, wPrimeJ: 20_000 });
    expect(wb.balanceJ[9]).toBe(19_500);
    expect(wb.balanceJ[10]).toBe(19_500 + (500 * 250) / 20_000);
    expect(wb.balanceJ[11]).toBe(wb.balanceJ[10]);
    expect(wb.minJ).toBe(19_500);
    expect(wb.minAtS).toBe(9);
    expect(wb.tauS).toBeNull();
  });

  it('integral: decays each second’s expenditure with τ from Skiba 2012', () => {
    const wb = wPrimeBalance(ride, { cpW: 250, wPrimeJ: 20_000, model: 'integral' });
    // the only second strictly below CP is the 0 W one → DCP = 250 − 0
    const tau = 546 * Math.exp(-2.5) + 316;
    expect(wb.tauS).toBeCloseTo(tau, 12);
    let spent = 0;
    for (let i = 0; i < 10; i++) spent = spent * Math.exp(-1 / tau) + 50;
    expect(wb.minJ).toBeCloseTo(20_000 - spent, 9);
    expect(wb.minAtS).toBe(9);
  });
});

describe('trimp() and hrTss()', () => {
  const profile = { restBpm: 50, maxBpm: 190, sex: 'male' as const };

  it('scores an hour at HRr 0.5 as 60·0.5·0.64·e^(0.96) for men and with 0.86/1.67 for women', () => {
    const hr = constant(120, 3600);
    expect(trimp(hr, profile)).toBeCloseTo(60 * 0.5 * 0.64 * Math.exp(1.92 * 0.5), 9);
    expect(trimp(hr, { ...profile, sex: 'female' })).toBeCloseTo(60 * 0.5 * 0.86 * Math.exp(1.67 * 0.5), 9);
  });

  it('skips missing seconds', () => {
    expect(trimp(Float64Array.from([120, Number.NaN]), profile)).toBeCloseTo(trimp([120], profile), 12);
  });

  it('gives one hour at LTHR an hrTSS of exactly 100, half an hour 50', () => {
    expect(hrTss(constant(165, 3600), { ...profile, lthrBpm: 165 })).toBeCloseTo(100, 9);
    expect(hrTss(constant(165, 1800), { ...profile, lthrBpm: 165 })).toBeCloseTo(50, 9);
  });
});

describe('timeInZones()', () => {
  it('counts seconds per Coggan power zone; a boundary value belongs to the upper zone; NaN is skipped', () => {
    const zones = timeInZones([100, 110, 150, 209, 210, 300, 301, Number.NaN], COGGAN_POWER_ZONES, 200);
    expect(zones.map((z) => z.seconds)).toEqual([1, 1, 1, 1, 1, 0, 2]);
    expect(zones[1]).toMatchObject({ zone: 'Z2 Endurance', from: 110, to: 150 });
    expect(zones[6]!.to).toBeNull();
  });

  it('uses LTHR percentages for heart-rate zone systems', () => {
    expect(timeInZones([100, 140, 170], COGGAN_HR_ZONES, 160).map((z) => z.seconds)).toEqual([1, 0, 1, 0, 1]);
    expect(timeInZones([160, 170], FRIEL_HR_ZONES, 160).map((z) => z.seconds)).toEqual([0, 0, 0, 0, 1, 0, 1]);
  });
});

describe('trainingLoad()', () => {
  it('computes CTL/ATL with e^(−1/42) and e^(−1/7), TSB from yesterday and ramp over 7 days', () => {
    const load = trainingLoad([100, 100, 0, 0, 0, 0, 0, 0, 50]);
    const c = 1 - Math.exp(-1 / 42);
    const a = 1 - Math.exp(-1 / 7);
    expect(load.ctl[0]).toBeCloseTo(100 * c, 12);
    expect(load.atl[0]).toBeCloseTo(100 * a, 12);
    expect(load.tsb[0]).toBe(0);
    expect(load.tsb[1]).toBeCloseTo(100 * c - 100 * a, 12);
    expect(load.ctl[1]).toBeCloseTo(100 * c * Math.exp(-1 / 42) + 100 * c, 12);
    expect(Number.isNaN(load.rampRate[6]!)).toBe(true);
    expect(load.rampRate[7]).toBeCloseTo(load.ctl[7]! - load.ctl[0]!, 12);
  });

  it('converges to the daily TSS when it is constant', () => {
    const load = trainingLoad(constant(80, 2000));
    expect(load.ctl[1999]).toBeCloseTo(80, 6);
    expect(load.atl[1999]).toBeCloseTo(80, 6);
  });
});

describe('dailyTss()', () => {
  it('sums per date and fills days without activities with 0', () => {
    const days = dailyTss([
      { date: '2024-03-01', tss: 50 },
      { date: '2024-03-03', tss: 20 },
      { date: '2024-03-01', tss: 30 },
    ]);
    expect(days.dates).toEqual(['2024-03-01', '2024-03-02', '2024-03-03']);
    expect(Array.from(days.tss)).toEqual([80, 0, 20]);
  });
});
