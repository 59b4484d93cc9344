import { durationGrid } from './duration-grid.ts';
import { fitQuality, longestDurationS } from './fit-quality.ts';
import { levenbergMarquardt } from './levenberg-marquardt.ts';

/**
 * Critical speed and D' for running: the CP2 form on speed, v = CS + D'/t, fitted by
 * Levenberg–Marquardt on the log-spaced protocol grid over 120–1200 s (as `cp2`) of a speed
 * mean-max curve (m/s, index d − 1, NaN where undefined). Sane ranges: CS in (0, 12] m/s,
 * D' in (0, 1000] m; outside them the fit is reported as failed.
 */
export type CriticalSpeedFit =
  | {
      model: 'critical_speed';
      ok: true;
      csMps: number;
      dPrimeM: number;
      rmseMps: number;
      r2: number;
      points: number;
      windowS: [number, number];
      /** Up to 3 fitted durations with the largest positive residual (curve above the model). */
      bindingDurationsS: number[];
    }
  | { model: 'critical_speed'; ok: false; reason: string; windowS: [number, number] };

export const CRITICAL_SPEED_WINDOW_S: [number, number] = [120, 1200];

export function fitCriticalSpeed(speedCurveMps: ArrayLike<number>): CriticalSpeedFit {
  const [from, to] = CRITICAL_SPEED_WINDOW_S;
  const top = Math.min(to, longestDurationS(speedCurveMps));
  const windowS: [number, number] = [from, top];
  const ts: number[] = [];
  const ys: number[] = [];
  for (const t of durationGrid(to, from, top)) {
    const y = speedCurveMps[t - 1]!;
    if (Number.isFinite(y)) {
      ts.push(t);
      ys.push(y);
    }
  }
  if (ts.length < 4) {
    return {
      model: 'critical_speed',
      ok: false,
      reason: `too few points: ${ts.length} durations with a value in ${from}–${to} s, need 4`,
      windowS,
    };
  }
  const first = ys[0]!;
  const last = ys[ys.length - 1]!;
  const t0 = ts[0]!;
  const t1 = ts[ts.length - 1]!;
  const d0 = Math.max(1, ((first - last) * t0 * t1) / (t1 - t0));
  const start = [Math.max(0.1, last - d0 / t1), d0];
  const result = levenbergMarquardt(
    (p, r) => {
      for (let i = 0; i < ts.length; i++) r[i] = p[0]! + p[1]! / ts[i]! - ys[i]!;
    },
    start,
    ts.length,
  );
  const [cs, dPrime] = [result.params[0]!, result.params[1]!];
  if (!(cs > 0 && cs <= 12))
    return { model: 'critical_speed', ok: false, reason: `CS must be in (0, 12] m/s (got ${cs})`, windowS };
  if (!(dPrime > 0 && dPrime <= 1000)) {
    return {
      model: 'critical_speed',
      ok: false,
      reason: `D' must be in (0, 1000] m (got ${dPrime})`,
      windowS,
    };
  }
  const quality = fitQuality(ts, ys, (t) => cs + dPrime / t);
  return {
    model: 'critical_speed',
    ok: true,
    csMps: cs,
    dPrimeM: dPrime,
    rmseMps: quality.rmseW,
    r2: quality.r2,
    points: quality.points,
    windowS,
    bindingDurationsS: quality.bindingDurationsS,
  };
}
