import { dropMissing } from './normalized-power.ts';

/**
 * xPower, GoldenCheetah's variant (reference field `xpower_gc`): an exponentially weighted
 * average with weight 1/26 per second (25 s time constant at 1 Hz), starting from 0, updated
 * e ← e·25/26 + p/26 every second; xPower = (mean of e⁴ over every second)^(1/4).
 * Pass a metric series (`toMetricSeries`); NaN seconds are dropped. Null for an empty series.
 */
export function xPower(powerW: ArrayLike<number>): number | null {
  const x = dropMissing(powerW);
  if (x.length === 0) return null;
  let e = 0;
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    e = (e * 25) / 26 + x[i]! / 26;
    total += e * e * e * e;
  }
  return (total / x.length) ** 0.25;
}
