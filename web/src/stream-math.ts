/**
 * Numbers the activity page derives from the samples the API serves: the averages of a selected
 * interval, its Normalized Power, and the W′ balance series. The API gives an activity's summary
 * (mean power, NP, the lowest W′ balance) but not these per interval or per second, so the app
 * computes them with the definitions the API documents (ActivityAnalysis in the contract):
 * NP is Coggan's (30 s trailing mean over the seconds with a reading, only full windows, 4th-power
 * mean, 4th root) and W′ balance the differential model (Skiba 2015 / Froncioni). The browser test
 * checks both against the API's summary of the whole activity.
 */

/** One second of an activity: elapsed seconds and the readings (null when missing). */
export interface Sample {
  t: number;
  power: number | null;
  heart_rate: number | null;
  speed: number | null;
  cadence: number | null;
}

export interface IntervalStats {
  fromS: number;
  toS: number;
  durationS: number;
  samples: number;
  avgPowerW: number | null;
  maxPowerW: number | null;
  npW: number | null;
  workKj: number | null;
  avgHeartRateBpm: number | null;
  maxHeartRateBpm: number | null;
  avgSpeedMps: number | null;
  avgCadence: number | null;
}

const NP_WINDOW_S = 30;

/** Coggan NP of the readings (nulls dropped first); null with fewer than 30 of them. */
export function normalizedPowerW(powerW: (number | null)[]): number | null {
  const x = powerW.filter((v): v is number => v !== null && Number.isFinite(v));
  if (x.length < NP_WINDOW_S) return null;
  let sum = 0;
  let total = 0;
  let count = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i]!;
    if (i >= NP_WINDOW_S) sum -= x[i - NP_WINDOW_S]!;
    if (i < NP_WINDOW_S - 1) continue;
    const mean = sum / NP_WINDOW_S;
    total += mean ** 4;
    count++;
  }
  return (total / count) ** 0.25;
}

/**
 * W′ balance (J) after each second with a power reading (differential model): above CP the
 * balance falls by P − CP; at or below it recovers by (W′ − balance)·(CP − P)/W′.
 */
export function wPrimeBalanceJ(
  samples: { t: number; power: number | null }[],
  cpW: number,
  wPrimeJ: number,
): { t: number; balanceJ: number }[] {
  let w = wPrimeJ;
  const out: { t: number; balanceJ: number }[] = [];
  for (const s of samples) {
    if (s.power === null || !Number.isFinite(s.power)) continue;
    if (s.power > cpW) w -= s.power - cpW;
    else w += ((wPrimeJ - w) * (cpW - s.power)) / wPrimeJ;
    out.push({ t: s.t, balanceJ: w });
  }
  return out;
}

function stats(values: (number | null)[]): { mean: number | null; max: number | null; sum: number } {
  let sum = 0;
  let count = 0;
  let max: number | null = null;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    sum += v;
    count++;
    if (max === null || v > max) max = v;
  }
  return { mean: count === 0 ? null : sum / count, max, sum };
}

/**
 * Averages of the samples with fromS ≤ t < toS, each metric over its own readings (a sample at t
 * is the second [t, t + 1), so a lap [start, end) or the whole activity [0, end) is exact).
 */
export function intervalStats(samples: Sample[], fromS: number, toS: number): IntervalStats {
  const inside = samples.filter((s) => s.t >= fromS && s.t < toS);
  const power = stats(inside.map((s) => s.power));
  const hr = stats(inside.map((s) => s.heart_rate));
  return {
    fromS,
    toS,
    durationS: toS - fromS,
    samples: inside.length,
    avgPowerW: power.mean,
    maxPowerW: power.max,
    npW: normalizedPowerW(inside.map((s) => s.power)),
    workKj: power.mean === null ? null : power.sum / 1000,
    avgHeartRateBpm: hr.mean,
    maxHeartRateBpm: hr.max,
    avgSpeedMps: stats(inside.map((s) => s.speed)).mean,
    avgCadence: stats(inside.map((s) => s.cadence)).mean,
  };
}

/** Parses h:mm:ss, m:ss or seconds into seconds; null when it is none of them. */
export function parseClock(text: string): number | null {
  const parts = text.trim().split(':');
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return null;
  return parts.reduce((total, part) => total * 60 + Number(part), 0);
}
