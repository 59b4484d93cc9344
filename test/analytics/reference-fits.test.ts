import { describe, expect, it } from 'vitest';
import { fitPowerDuration } from '../../src/analytics/fit-power-duration.ts';
import { applyGapPolicy } from '../../src/analytics/gap-policy.ts';
import { meanMax } from '../../src/analytics/mean-max.ts';
import { toGrid } from '../../src/analytics/to-grid.ts';
import { HAS_FIXTURES, readCurve, readJson, readStream, referenceFiles } from './reference-fixtures.ts';

type ReferenceFit = Record<string, number | number[]>;

const FITS = referenceFiles(/\.fits\.zero\.json$/);
/** Reference parameter names → ours. */
const PARAMS: Record<string, 'cpW' | 'wPrimeJ' | 'pmaxW' | 'tauS' | 'aW'> = {
  CP: 'cpW',
  Wprime: 'wPrimeJ',
  Pmax: 'pmaxW',
  tau_s: 'tauS',
  A: 'aW',
};

describe.skipIf(!HAS_FIXTURES)('fitPowerDuration() against the reference model fits', () => {
  it('finds reference fits to check', () => {
    expect(FITS.length).toBeGreaterThanOrEqual(1);
  });

  it.each(FITS)(
    '%s: every model parameter within 0.5 %% (fitted on the reference zero-policy curve)',
    (file) => {
      const ref = readJson<{ input: string; fits: Record<string, ReferenceFit> }>(file);
      const curve = readCurve(ref.input);
      const fits = fitPowerDuration(curve.watts);
      const checked: string[] = [];
      for (const [model, refFit] of Object.entries(ref.fits)) {
        const fit = fits[model as keyof typeof fits];
        expect(fit, model).toBeDefined();
        if (!fit?.ok) throw new Error(`${model} failed: ${fit?.ok === false ? fit.reason : 'missing'}`);
        for (const [refName, ours] of Object.entries(PARAMS)) {
          const want = refFit[refName];
          if (typeof want !== 'number') continue;
          const got = fit.params[ours]!;
          expect(Math.abs(got - want), `${model}.${refName}: ${got} vs ${want}`).toBeLessThanOrEqual(
            0.005 * Math.abs(want),
          );
          checked.push(`${model}.${refName}`);
        }
        if (typeof refFit.points === 'number') expect(fit.points, `${model}.points`).toBe(refFit.points);
        if (typeof refFit.rmse_w === 'number') {
          expect(Math.abs(fit.rmseW - refFit.rmse_w), `${model}.rmse`).toBeLessThanOrEqual(
            0.005 * refFit.rmse_w,
          );
        }
        if (Array.isArray(refFit.grid)) expect(fit.windowS).toEqual(refFit.grid);
      }
      expect(checked.length).toBeGreaterThanOrEqual(17);
    },
  );

  it.each(FITS)('%s: the same fits on our own zero-policy curve agree within 0.5 %%', (file) => {
    const ref = readJson<{ fits: Record<string, ReferenceFit> }>(file);
    const name = file.replace(/\.fits\.zero\.json$/, '');
    const stream = readStream(`${name}.stream.csv`);
    const curve = meanMax(applyGapPolicy(toGrid(stream.t!, stream.power!), { kind: 'zero' }));
    const fits = fitPowerDuration(curve.values);
    for (const [model, refFit] of Object.entries(ref.fits)) {
      const fit = fits[model as keyof typeof fits];
      if (!fit?.ok) throw new Error(`${model} failed`);
      for (const [refName, ours] of Object.entries(PARAMS)) {
        const want = refFit[refName];
        if (typeof want === 'number')
          expect(Math.abs(fit.params[ours]! - want)).toBeLessThanOrEqual(0.005 * Math.abs(want));
      }
    }
  });
});
