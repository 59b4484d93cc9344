import { cp2Envelope, cp2LinearP, cp2LinearWork } from './critical-power-linear.ts';
import { durationGrid } from './duration-grid.ts';
import { fitQuality, longestDurationS } from './fit-quality.ts';
import { levenbergMarquardt } from './levenberg-marquardt.ts';
import {
  type FitModelName,
  insaneReason,
  type NonlinearModelName,
  POWER_DURATION_MODELS,
  type PowerDurationFit,
  type PowerDurationModel,
  type PowerDurationParams,
} from './power-duration-models.ts';

export type { FitModelName, PowerDurationFit, PowerDurationParams };

/**
 * Fit every effort-duration model to one mean-max curve (index d − 1 = duration d s, NaN where
 * undefined), following the fixtures README's protocol: nonlinear models by Levenberg–Marquardt
 * on the power residuals (W, unweighted) over the log-spaced grid (`durationGrid`) restricted to
 * each model's window; `cp2_lin_p`, `cp2_lin_work` and `cp2_envelope` on every second of their
 * windows. Feed it the envelope of many activities: one ride is not maximal at every duration.
 */
export function fitPowerDuration(
  curveW: ArrayLike<number>,
  models: readonly FitModelName[] = FIT_MODEL_NAMES,
): Record<FitModelName, PowerDurationFit> {
  const out = {} as Record<FitModelName, PowerDurationFit>;
  for (const name of models) {
    if (name === 'cp2_lin_p') out[name] = cp2LinearP(curveW);
    else if (name === 'cp2_lin_work') out[name] = cp2LinearWork(curveW);
    else if (name === 'cp2_envelope') out[name] = cp2Envelope(curveW);
    else out[name] = fitNonlinearModel(getModel(name), curveW);
  }
  return out;
}

export const FIT_MODEL_NAMES: readonly FitModelName[] = [
  'cp2',
  'cp2_lin_p',
  'cp2_lin_work',
  'cp2_envelope',
  'cp3_morton',
  'exponential',
  'ws_lloyd',
  'ompd',
];

function getModel(name: NonlinearModelName): PowerDurationModel {
  const model = POWER_DURATION_MODELS.find((m) => m.name === name);
  if (!model) throw new Error(`no model ${name}`);
  return model;
}

/** Fit one nonlinear model on the protocol grid; exported for critical speed and custom windows. */
export function fitNonlinearModel(
  model: PowerDurationModel,
  curve: ArrayLike<number>,
  windowS?: { from: number; to: number | null },
): PowerDurationFit {
  const longest = longestDurationS(curve);
  const from = windowS?.from ?? model.windowS.from;
  const to = Math.min(windowS?.to ?? model.windowS.to ?? longest, longest);
  const window: [number, number] = [from, to];
  const ts: number[] = [];
  const ys: number[] = [];
  for (const t of durationGrid(to, from, to)) {
    const y = curve[t - 1]!;
    if (Number.isFinite(y)) {
      ts.push(t);
      ys.push(y);
    }
  }
  const nParams = model.params.length;
  if (ts.length < nParams + 2) {
    return {
      model: model.name,
      ok: false,
      reason: `too few points: ${ts.length} durations with a value in ${from}–${to} s, need ${nParams + 2}`,
      windowS: window,
    };
  }
  const residuals = (p: Float64Array, r: Float64Array) => {
    for (let i = 0; i < ts.length; i++) r[i] = model.predict(p, ts[i]!) - ys[i]!;
  };
  let best: { params: Float64Array; cost: number } | null = null;
  for (const start of initialGuesses(model, curve, longest)) {
    const result = levenbergMarquardt(residuals, start, ts.length);
    if (Number.isFinite(result.cost) && (best === null || result.cost < best.cost)) best = result;
  }
  if (best === null)
    return { model: model.name, ok: false, reason: 'the solver did not converge', windowS: window };
  const reason = insaneReason(model.params, best.params);
  if (reason !== null) return { model: model.name, ok: false, reason, windowS: window };
  const params: PowerDurationParams = {};
  model.params.forEach((name, j) => {
    params[name] = best.params[j]!;
  });
  return {
    model: model.name,
    ok: true,
    params,
    ...fitQuality(ts, ys, (t) => model.predict(best.params, t)),
    windowS: window,
  };
}

function at(curve: ArrayLike<number>, t: number, longest: number): number {
  const v = curve[Math.max(1, Math.min(t, longest)) - 1]!;
  return Number.isFinite(v) ? v : Number.NaN;
}

/** A few starting points per model (multi-start guards against a poor local minimum). */
function initialGuesses(model: PowerDurationModel, curve: ArrayLike<number>, longest: number): number[][] {
  const pmax = at(curve, 1, longest);
  const p120 = at(curve, 120, longest);
  const lin = cp2LinearP(curve);
  let cp = lin.ok ? lin.params.cpW! : 0.9 * at(curve, Math.min(longest, 1200), longest);
  if (!(cp > 0) || !(cp < pmax)) cp = 0.5 * pmax;
  let w = lin.ok ? lin.params.wPrimeJ! : (p120 - cp) * 120;
  if (!(w > 100)) w = 10_000;
  const starts: number[][] = [];
  for (const f of [1, 0.3, 3]) {
    switch (model.name) {
      case 'cp2':
        starts.push([cp, w * f]);
        break;
      case 'cp3_morton':
      case 'ws_lloyd':
        starts.push([cp, w * f, pmax]);
        break;
      case 'exponential':
        starts.push([cp, pmax, 10 * f]);
        break;
      case 'ompd':
        starts.push([cp, w * f, pmax, 50]);
        break;
    }
  }
  return starts;
}
