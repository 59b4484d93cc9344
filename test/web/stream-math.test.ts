import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizedPower } from '../../src/analytics/normalized-power.ts';
import { wPrimeBalance } from '../../src/analytics/w-prime-balance.ts';
import {
  intervalStats,
  normalizedPowerW,
  parseClock,
  type Sample,
  wPrimeBalanceJ,
} from '../../web/src/stream-math.ts';

/** Power readings with gaps (null), as the activity data route serves them. */
const powerWithGaps = fc.array(fc.option(fc.integer({ min: 0, max: 1500 }), { nil: null, freq: 8 }), {
  minLength: 0,
  maxLength: 400,
});

describe('the web app’s stream math against the engine’s kernels', () => {
  it('normalizedPowerW() equals the engine’s Coggan NP on the same readings, gaps dropped', () => {
    fc.assert(
      fc.property(powerWithGaps, (power) => {
        const readings = power.filter((v): v is number => v !== null);
        const expected = normalizedPower(Float64Array.from(power.map((v) => v ?? Number.NaN)), 'coggan');
        const actual = normalizedPowerW(power);
        if (expected === null) expect(actual).toBeNull();
        else expect(actual).toBeCloseTo(expected, 9);
        expect(actual === null).toBe(readings.length < 30);
      }),
    );
  });

  it('wPrimeBalanceJ() equals the engine’s differential W′ balance over the seconds with a reading', () => {
    fc.assert(
      fc.property(
        powerWithGaps,
        fc.integer({ min: 150, max: 400 }),
        fc.integer({ min: 5000, max: 40000 }),
        (power, cpW, wPrimeJ) => {
          const samples = power.map((p, t) => ({ t, power: p }));
          const readings = power.filter((v): v is number => v !== null);
          const engine = wPrimeBalance(readings, { cpW, wPrimeJ, model: 'differential' });
          const app = wPrimeBalanceJ(samples, cpW, wPrimeJ);
          expect(app.length).toBe(readings.length);
          for (let i = 0; i < app.length; i++) expect(app[i]!.balanceJ).toBeCloseTo(engine.balanceJ[i]!, 6);
          // Each point keeps the elapsed second of its reading.
          expect(app.map((p) => p.t)).toEqual(samples.filter((s) => s.power !== null).map((s) => s.t));
          if (engine.minJ !== null)
            expect(Math.min(...app.map((p) => p.balanceJ))).toBeCloseTo(engine.minJ, 6);
        },
      ),
    );
  });

  it('intervalStats() averages each metric over its own readings in [from, to)', () => {
    const samples: Sample[] = Array.from({ length: 10 }, (_, t) => ({
      t,
      power: t === 3 ? null : 100 + 10 * t,
      heart_rate: t < 5 ? 120 : null,
      speed: 10,
      cadence: null,
    }));
    const stats = intervalStats(samples, 2, 6);
    // Seconds 2, 4, 5 have power (3 is missing, 6 is outside): 120, 140, 150.
    expect(stats.avgPowerW).toBeCloseTo((120 + 140 + 150) / 3, 9);
    expect(stats.maxPowerW).toBe(150);
    expect(stats.workKj).toBeCloseTo(0.41, 9);
    expect(stats.avgHeartRateBpm).toBe(120);
    expect(stats.avgSpeedMps).toBe(10);
    expect(stats.avgCadence).toBeNull();
    expect(stats.npW).toBeNull(); // fewer than 30 readings
    expect(stats).toMatchObject({ fromS: 2, toS: 6, durationS: 4, samples: 4 });
  });

  it('parseClock() reads h:mm:ss, m:ss and seconds, and nothing else', () => {
    expect(parseClock('1:02:03')).toBe(3723);
    expect(parseClock('2:30')).toBe(150);
    expect(parseClock(' 95 ')).toBe(95);
    expect(parseClock('0:00:00')).toBe(0);
    for (const bad of ['', '1:2:3:4', 'ten', '-5', '1::2']) expect(parseClock(bad), bad).toBeNull();
  });
});
