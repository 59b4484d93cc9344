/**
 * W' balance: the anaerobic work capacity left, second by second (DESIGN.md §4).
 *
 * - `differential` (default; Skiba 2015 / Froncioni): above CP, W'bal −= P − CP; at or below CP,
 *   W'bal += (W' − W'bal)·(CP − P)/W' (recovery proportional to what is spent).
 * - `integral` (Skiba 2012): W'bal(t) = W' − Σ_{u ≤ t} max(0, P(u) − CP)·e^(−(t − u)/τ) with
 *   τ = 546·e^(−0.01·DCP) + 316 s, DCP = CP − mean of the seconds below CP (DCP = 0 when there are
 *   none). The current second counts undecayed.
 *
 * Both match the reference summaries (`wbal_differential_*`, `wbal_integral_*`, `tau_s`).
 * Pass a metric series (`toMetricSeries`); a NaN second counts as 0 W.
 */
export type WPrimeBalanceModel = 'differential' | 'integral';

export interface WPrimeBalanceOptions {
  cpW: number;
  wPrimeJ: number;
  model?: WPrimeBalanceModel;
  /** Override the integral model's recovery time constant. */
  tauS?: number;
}

export interface WPrimeBalance {
  model: WPrimeBalanceModel;
  /** W'bal after each second (J). */
  balanceJ: Float64Array;
  /** Lowest balance (J; negative when the effort exceeded the W' given) and its first index; null when empty. */
  minJ: number | null;
  minAtS: number | null;
  /** The integral model's τ (s); null for the differential model. */
  tauS: number | null;
}

export function wPrimeBalance(powerW: ArrayLike<number>, options: WPrimeBalanceOptions): WPrimeBalance {
  const { cpW, wPrimeJ } = options;
  const model = options.model ?? 'differential';
  const n = powerW.length;
  const balanceJ = new Float64Array(n);
  let tauS: number | null = null;
  if (model === 'differential') {
    let w = wPrimeJ;
    for (let i = 0; i < n; i++) {
      const p = power(powerW[i]!);
      if (p > cpW) w -= p - cpW;
      else w += ((wPrimeJ - w) * (cpW - p)) / wPrimeJ;
      balanceJ[i] = w;
    }
  } else {
    tauS = options.tauS ?? skiba2012TauS(powerW, cpW);
    const decay = Math.exp(-1 / tauS);
    let spent = 0;
    for (let i = 0; i < n; i++) {
      const p = power(powerW[i]!);
      spent = spent * decay + (p > cpW ? p - cpW : 0);
      balanceJ[i] = wPrimeJ - spent;
    }
  }
  let minJ: number | null = null;
  let minAtS: number | null = null;
  for (let i = 0; i < n; i++) {
    if (minJ === null || balanceJ[i]! < minJ) {
      minJ = balanceJ[i]!;
      minAtS = i;
    }
  }
  return { model, balanceJ, minJ, minAtS, tauS };
}

/** Skiba 2012 τ = 546·e^(−0.01·DCP) + 316, DCP = CP − mean power of the seconds below CP. */
export function skiba2012TauS(powerW: ArrayLike<number>, cpW: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < powerW.length; i++) {
    const p = power(powerW[i]!);
    if (p < cpW) {
      sum += p;
      count++;
    }
  }
  const dcp = count === 0 ? 0 : cpW - sum / count;
  return 546 * Math.exp(-0.01 * dcp) + 316;
}

function power(v: number): number {
  return Number.isNaN(v) ? 0 : v;
}
