import { describe, expect, it } from 'vitest';
import { fitPowerDuration } from '../../src/analytics/fit-power-duration.ts';
import { meanMax } from '../../src/analytics/mean-max.ts';
import {
  allOutEffortW,
  athleteEnvelopeW,
  syntheticAthlete,
  truePowerW,
} from '../../src/demo/synthetic-athlete.ts';

describe('syntheticAthlete()', () => {
  it('is deterministic for a seed', () => {
    const a = syntheticAthlete({ seed: 3 });
    const b = syntheticAthlete({ seed: 3 });
    expect(a.activities.map((x) => x.date)).toEqual(b.activities.map((x) => x.date));
    expect(a.activities[0]!.powerW).toEqual(b.activities[0]!.powerW);
    expect(syntheticAthlete({ seed: 4 }).activities[0]!.powerW).not.toEqual(a.activities[0]!.powerW);
  });

  it('generates all-out efforts whose mean-max curve is the model for every shorter duration', () => {
    for (const model of ['cp2', 'morton3'] as const) {
      const truth = { model, cpW: 300, wPrimeJ: 18_000, pmaxW: 1000 };
      const curve = meanMax(allOutEffortW(truth, 600));
      for (const d of [1, 5, 30, 120, 600]) expect(curve.values[d - 1]).toBeCloseTo(truePowerW(truth, d), 9);
    }
  });

  it.each([1, 2, 3, 4, 5])(
    'seed %i: CP2 fitted on the envelope of the activities recovers CP within 2 %% and W′ within 5 %%',
    (seed) => {
      const athlete = syntheticAthlete({ seed });
      const fits = fitPowerDuration(athleteEnvelopeW(athlete), ['cp2', 'cp2_lin_work', 'cp2_lin_p']);
      for (const fit of Object.values(fits)) {
        if (!fit.ok) throw new Error(`${fit.model}: ${fit.reason}`);
        expect(Math.abs(fit.params.cpW! / athlete.truth.cpW - 1), `${fit.model} CP`).toBeLessThan(0.02);
        expect(Math.abs(fit.params.wPrimeJ! / athlete.truth.wPrimeJ - 1), `${fit.model} W'`).toBeLessThan(
          0.05,
        );
      }
    },
  );

  it('recovers the Morton parameters when the athlete is generated from the 3-parameter model', () => {
    const athlete = syntheticAthlete({ seed: 9, model: 'morton3', cpW: 250, wPrimeJ: 22_000, pmaxW: 1000 });
    const fit = fitPowerDuration(athleteEnvelopeW(athlete), ['cp3_morton']).cp3_morton;
    if (!fit.ok) throw new Error(fit.reason);
    expect(Math.abs(fit.params.cpW! / 250 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.params.wPrimeJ! / 22_000 - 1)).toBeLessThan(0.05);
  });
});
