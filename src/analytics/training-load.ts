/**
 * Training load over daily TSS (DESIGN.md §4): CTL (fitness) and ATL (fatigue) are exponentially
 * weighted with day factors e^(−1/42) and e^(−1/7):
 *   CTL_k = CTL_{k−1}·e^(−1/42) + TSS_k·(1 − e^(−1/42)), likewise ATL with 7.
 * TSB_k (form on day k) = CTL_{k−1} − ATL_{k−1}: yesterday's fitness minus yesterday's fatigue
 * (day 0 uses the starting values). Ramp rate_k = CTL_k − CTL_{k−7} (CTL change per 7 days),
 * NaN for the first 7 days.
 */
export interface TrainingLoadOptions {
  ctlStart?: number;
  atlStart?: number;
  ctlDays?: number;
  atlDays?: number;
}

export interface TrainingLoad {
  ctl: Float64Array;
  atl: Float64Array;
  tsb: Float64Array;
  rampRate: Float64Array;
}

export function trainingLoad(dailyTss: ArrayLike<number>, options: TrainingLoadOptions = {}): TrainingLoad {
  const n = dailyTss.length;
  const ctlDecay = Math.exp(-1 / (options.ctlDays ?? 42));
  const atlDecay = Math.exp(-1 / (options.atlDays ?? 7));
  const ctl = new Float64Array(n);
  const atl = new Float64Array(n);
  const tsb = new Float64Array(n);
  const rampRate = new Float64Array(n).fill(Number.NaN);
  let c = options.ctlStart ?? 0;
  let a = options.atlStart ?? 0;
  for (let k = 0; k < n; k++) {
    tsb[k] = c - a;
    const tss = dailyTss[k]!;
    const load = Number.isNaN(tss) ? 0 : tss;
    c = c * ctlDecay + load * (1 - ctlDecay);
    a = a * atlDecay + load * (1 - atlDecay);
    ctl[k] = c;
    atl[k] = a;
    if (k >= 7) rampRate[k] = c - ctl[k - 7]!;
  }
  return { ctl, atl, tsb, rampRate };
}

/**
 * Sum TSS per local date (YYYY-MM-DD) into consecutive days from the first to the last date
 * (or the given range); days without activities are 0.
 */
export function dailyTss(
  entries: readonly { date: string; tss: number }[],
  range: { from?: string; to?: string } = {},
): { dates: string[]; tss: Float64Array } {
  const dayOf = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
  const days = entries.map((e) => dayOf(e.date));
  if (days.some((d) => Number.isNaN(d))) throw new RangeError('dailyTss: dates must be YYYY-MM-DD');
  const first = range.from ? dayOf(range.from) : Math.min(...days);
  const last = range.to ? dayOf(range.to) : Math.max(...days);
  if (!Number.isFinite(first) || !Number.isFinite(last) || last < first)
    return { dates: [], tss: new Float64Array(0) };
  const tss = new Float64Array(last - first + 1);
  entries.forEach((e, i) => {
    const k = days[i]! - first;
    if (k >= 0 && k < tss.length) tss[k]! += e.tss;
  });
  const dates = Array.from(tss, (_, k) => new Date((first + k) * 86_400_000).toISOString().slice(0, 10));
  return { dates, tss };
}
