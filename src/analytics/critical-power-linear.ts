import { fitQuality, longestDurationS } from './fit-quality.ts';
import { insaneReason, type PowerDurationFit } from './power-duration-models.ts';

/** Window of the linear and envelope CP2 variants (fixtures README): every second 120–1200 s. */
export const CP2_LINEAR_WINDOW_S: [number, number] = [120, 1200];

function points(curve: ArrayLike<number>, from: number, to: number): { ts: number[]; ys: number[] } {
  const ts: number[] = [];
  const ys: number[] = [];
  const last = Math.min(to, longestDurationS(curve));
  for (let t = from; t <= last; t++) {
    const y = curve[t - 1]!;
    if (Number.isFinite(y)) {
      ts.push(t);
      ys.push(y);
    }
  }
  return { ts, ys };
}

/** Ordinary least squares y = intercept + slope·x. */
function ols(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < xs.length; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= xs.length;
  my /= ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

function finish(
  model: 'cp2_lin_p' | 'cp2_lin_work' | 'cp2_envelope',
  cpW: number,
  wPrimeJ: number,
  ts: number[],
  ys: number[],
  extra: { tauS?: number; bindingDurationsS?: number[] } = {},
): PowerDurationFit {
  const windowS: [number, number] = [...CP2_LINEAR_WINDOW_S];
  const reason = insaneReason(['cpW', 'wPrimeJ'], [cpW, wPrimeJ]);
  if (reason !== null) return { model, ok: false, reason, windowS };
  const quality = fitQuality(ts, ys, (t) => cpW + wPrimeJ / t);
  const params = extra.tauS === undefined ? { cpW, wPrimeJ } : { cpW, wPrimeJ, tauS: extra.tauS };
  return {
    model,
    ok: true,
    params,
    ...quality,
    bindingDurationsS: extra.bindingDurationsS ?? quality.bindingDurationsS,
    windowS,
  };
}

function tooFew(model: 'cp2_lin_p' | 'cp2_lin_work' | 'cp2_envelope', n: number): PowerDurationFit {
  return {
    model,
    ok: false,
    reason: `too few points: ${n} durations with a value in 120–1200 s, need 3`,
    windowS: [...CP2_LINEAR_WINDOW_S],
  };
}

/** `cp2_lin_p`: linear least squares of P on 1/t over every second 120–1200 s (CP = intercept). */
export function cp2LinearP(curveW: ArrayLike<number>): PowerDurationFit {
  const { ts, ys } = points(curveW, ...CP2_LINEAR_WINDOW_S);
  if (ts.length < 3) return tooFew('cp2_lin_p', ts.length);
  const { slope, intercept } = ols(
    ts.map((t) => 1 / t),
    ys,
  );
  return finish('cp2_lin_p', intercept, slope, ts, ys);
}

/** `cp2_lin_work`: linear least squares of work (P·t) on t over every second 120–1200 s. */
export function cp2LinearWork(curveW: ArrayLike<number>): PowerDurationFit {
  const { ts, ys } = points(curveW, ...CP2_LINEAR_WINDOW_S);
  if (ts.length < 3) return tooFew('cp2_lin_work', ts.length);
  const { slope, intercept } = ols(
    ts,
    ys.map((y, i) => y * ts[i]!),
  );
  return finish('cp2_lin_work', slope, intercept, ts, ys);
}

/**
 * `cp2_envelope`: alternate CP = max P(t)/(1 + τ/t) over 720–1200 s and τ = max (P(t)/CP − 1)·t
 * over 120–200 s, from τ = 0, until stable; W' = CP·τ. The curve lies on or under the fitted
 * model over both ranges, touching it at the two binding durations.
 */
export function cp2Envelope(curveW: ArrayLike<number>, maxIterations = 1000): PowerDurationFit {
  const long = points(curveW, 720, 1200);
  const short = points(curveW, 120, 200);
  if (long.ts.length === 0 || short.ts.length === 0)
    return tooFew('cp2_envelope', long.ts.length + short.ts.length);
  let tau = 0;
  let cp = 0;
  let cpAt = 0;
  let tauAt = 0;
  for (let k = 0; k < maxIterations; k++) {
    cp = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < long.ts.length; i++) {
      const t = long.ts[i]!;
      const v = long.ys[i]! / (1 + tau / t);
      if (v > cp) {
        cp = v;
        cpAt = t;
      }
    }
    let next = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < short.ts.length; i++) {
      const t = short.ts[i]!;
      const v = (short.ys[i]! / cp - 1) * t;
      if (v > next) {
        next = v;
        tauAt = t;
      }
    }
    const stable = Math.abs(next - tau) <= 1e-12 * Math.max(1, Math.abs(next));
    tau = next;
    if (stable) break;
  }
  const { ts, ys } = points(curveW, ...CP2_LINEAR_WINDOW_S);
  return finish('cp2_envelope', cp, cp * tau, ts, ys, { tauS: tau, bindingDurationsS: [cpAt, tauAt] });
}
