/**
 * Effort-duration models as data (DESIGN.md §4): formula, parameters, fit window and sane ranges.
 * `fitPowerDuration` fits each one by least squares on the log-spaced duration grid inside its
 * window. Windows follow the fixtures README's model-fit protocol; `cp2` (no reference fit) uses the
 * same 120–1200 s window as the linear CP2 variants.
 */
export type NonlinearModelName = 'cp2' | 'cp3_morton' | 'exponential' | 'ws_lloyd' | 'ompd';

export type ParamName = 'cpW' | 'wPrimeJ' | 'pmaxW' | 'tauS' | 'aW';

export type FitModelName = NonlinearModelName | 'cp2_lin_p' | 'cp2_lin_work' | 'cp2_envelope';

export type PowerDurationParams = Partial<Record<ParamName, number>>;

export type PowerDurationFit =
  | {
      model: FitModelName;
      ok: true;
      params: PowerDurationParams;
      /** Root-mean-square power residual over the fitted points (W). */
      rmseW: number;
      /** Coefficient of determination over the fitted points. */
      r2: number;
      points: number;
      /** Inclusive window of durations that were fitted. */
      windowS: [number, number];
      /**
       * The durations that determined the fit. Least-squares fits: up to 3 fitted durations with the
       * largest positive residual (curve above the model: the efforts the model pushes against),
       * largest first. `cp2_envelope`: the duration that sets CP, then the one that sets τ.
       */
      bindingDurationsS: number[];
    }
  | { model: FitModelName; ok: false; reason: string; windowS: [number, number] };

export interface PowerDurationModel {
  name: NonlinearModelName;
  formula: string;
  params: readonly ParamName[];
  /** Fit window in seconds; `to: null` means up to the longest duration of the curve. */
  windowS: { from: number; to: number | null };
  predict(p: ArrayLike<number>, t: number): number;
}

/** OmPD switches from the Lloyd/Ward-Smith form to its long-duration decline after this many seconds. */
export const OMPD_TCP_MAX_S = 1800;

function lloyd(cp: number, w: number, pmax: number, t: number): number {
  return (w / t) * (1 - Math.exp((-t * (pmax - cp)) / w)) + cp;
}

export const POWER_DURATION_MODELS: readonly PowerDurationModel[] = [
  {
    name: 'cp2',
    formula: "P = CP + W'/t",
    params: ['cpW', 'wPrimeJ'],
    windowS: { from: 120, to: 1200 },
    predict: (p, t) => p[0]! + p[1]! / t,
  },
  {
    name: 'cp3_morton',
    formula: "P = CP + W'/(t + W'/(Pmax − CP))",
    params: ['cpW', 'wPrimeJ', 'pmaxW'],
    windowS: { from: 1, to: 1200 },
    predict: (p, t) => p[0]! + p[1]! / (t + p[1]! / (p[2]! - p[0]!)),
  },
  {
    name: 'exponential',
    formula: 'P = CP + (Pmax − CP)·e^(−t/τ)',
    params: ['cpW', 'pmaxW', 'tauS'],
    windowS: { from: 1, to: 1200 },
    predict: (p, t) => p[0]! + (p[1]! - p[0]!) * Math.exp(-t / p[2]!),
  },
  {
    name: 'ws_lloyd',
    formula: "P = (W'/t)(1 − e^(−t(Pmax − CP)/W')) + CP",
    params: ['cpW', 'wPrimeJ', 'pmaxW'],
    windowS: { from: 1, to: 1800 },
    predict: (p, t) => lloyd(p[0]!, p[1]!, p[2]!, t),
  },
  {
    name: 'ompd',
    formula: "P = (W'/t)(1 − e^(−t(Pmax − CP)/W')) + CP − [t > 1800]·A·ln(t/1800)",
    params: ['cpW', 'wPrimeJ', 'pmaxW', 'aW'],
    windowS: { from: 1, to: null },
    predict: (p, t) =>
      lloyd(p[0]!, p[1]!, p[2]!, t) - (t > OMPD_TCP_MAX_S ? p[3]! * Math.log(t / OMPD_TCP_MAX_S) : 0),
  },
];

/** Sane ranges: a fit outside them is reported as failed (with this reason), never as numbers. */
export const SANE_RANGES: Record<ParamName, { min: number; max: number; what: string }> = {
  cpW: { min: 0, max: 2000, what: 'CP must be in (0, 2000] W' },
  // A W' below 100 J is a degenerate fit (a flat curve), not a physiological value.
  wPrimeJ: { min: 100, max: 100_000, what: "W' must be in [100 J, 100 kJ]" },
  pmaxW: { min: 0, max: 5000, what: 'Pmax must be in (CP, 5000] W' },
  tauS: { min: 0, max: 3600, what: 'τ must be in (0, 3600] s' },
  aW: { min: 0, max: 1000, what: 'A must be in [0, 1000] W' },
};

/** Why a parameter set is not sane, or null when it is. */
export function insaneReason(names: readonly ParamName[], p: ArrayLike<number>): string | null {
  let cp = Number.NaN;
  for (let j = 0; j < names.length; j++) {
    const name = names[j]!;
    const v = p[j]!;
    const range = SANE_RANGES[name];
    if (!Number.isFinite(v)) return `${name} is not a finite number`;
    const tooLow = name === 'aW' || name === 'wPrimeJ' ? v < range.min : v <= range.min;
    if (tooLow || v > range.max) return `${range.what} (got ${v.toPrecision(6)})`;
    if (name === 'cpW') cp = v;
  }
  const pmaxIndex = names.indexOf('pmaxW');
  if (pmaxIndex >= 0 && !(p[pmaxIndex]! > cp))
    return `Pmax must exceed CP (got Pmax ${p[pmaxIndex]!.toPrecision(6)} W)`;
  return null;
}
