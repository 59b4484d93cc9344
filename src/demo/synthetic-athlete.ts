/**
 * A seeded synthetic athlete whose true power-duration relation is known, for tests and benches.
 *
 * Maximal efforts are paced all-out from the generating model: the effort's cumulative work after
 * t seconds is work(t) = t·P(t), so second i carries work(i + 1) − work(i). That profile is
 * non-increasing, so the best window of any d ≤ T seconds inside the effort is its first d seconds
 * and the effort's mean-max curve equals the model P(d) for every d ≤ T (plus measurement noise).
 * Models: `cp2` — P(t) = min(Pmax, CP + W'/t) (all-out: Pmax until W' is spent, then CP);
 * `morton3` — P(t) = CP + W'/(t + W'/(Pmax − CP)).
 * Everything else is sub-maximal riding: endurance with autocorrelated noise, coasting, climbs and
 * sprints that stay below the true curve, so the envelope of all activities is the truth.

 *
 * Run `npx tsx scripts/synthetic-athlete.ts [seed]` for a summary of one athlete and its fits.
 */
import { meanMax } from '../analytics/mean-max.ts';

export type SyntheticModel = 'cp2' | 'morton3';

export interface SyntheticTruth {
  model: SyntheticModel;
  cpW: number;
  wPrimeJ: number;
  pmaxW: number;
}

export interface SyntheticActivity {
  /** Local calendar date of the activity (YYYY-MM-DD). */
  date: string;
  /** UTC epoch seconds of the first sample. */
  startS: number;
  /** `maximal` when it holds an all-out effort of `effortDurationS` seconds. */
  kind: 'maximal' | 'submaximal';
  effortDurationS: number | null;
  /** 1 Hz power, whole watts, no missing seconds. */
  powerW: Float64Array;
}

export interface SyntheticAthlete {
  truth: SyntheticTruth;
  activities: SyntheticActivity[];
}

export interface SyntheticAthleteOptions {
  seed?: number;
  model?: SyntheticModel;
  cpW?: number;
  wPrimeJ?: number;
  pmaxW?: number;
  /** Weeks the activities are spread over. */
  weeks?: number;
  /** Durations of the maximal efforts, one per maximal activity (1 s – 20 min). */
  effortDurationsS?: number[];
  /** Sub-maximal rides in addition to the maximal ones. */
  submaximalRides?: number;
  /** Relative standard deviation of per-second measurement noise on maximal efforts. */
  noise?: number;
}

const DEFAULT_EFFORTS_S = [1, 5, 15, 30, 60, 180, 300, 480, 720, 1200];
const DAY_S = 86_400;
const FIRST_DAY_S = Date.UTC(2024, 0, 1) / 1000;

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** The true best mean power for exactly `durationS` seconds under the generating model. */
export function truePowerW(truth: SyntheticTruth, durationS: number): number {
  const { cpW, wPrimeJ, pmaxW } = truth;
  if (truth.model === 'cp2') return Math.min(pmaxW, cpW + wPrimeJ / durationS);
  return cpW + wPrimeJ / (durationS + wPrimeJ / (pmaxW - cpW));
}

/** Per-second power of an all-out effort of `durationS` seconds (see the file comment). */
export function allOutEffortW(truth: SyntheticTruth, durationS: number): Float64Array {
  const out = new Float64Array(durationS);
  for (let i = 0; i < durationS; i++) {
    const after = (i + 1) * truePowerW(truth, i + 1);
    const before = i === 0 ? 0 : i * truePowerW(truth, i);
    out[i] = after - before;
  }
  return out;
}

/**
 * A ride-like 1 Hz power trace: endurance riding around 55–70 % of CP with autocorrelated
 * variation, coasting stretches at 0 W, climbs (3–12 min at 80–92 % of the true curve) and
 * sprints (5–15 s at 70–85 % of the true curve), rounded to whole watts.
 */
export function rideLikePowerW(rng: () => number, durationS: number, truth: SyntheticTruth): Float64Array {
  const out = new Float64Array(durationS);
  const base = truth.cpW * (0.55 + 0.15 * rng());
  let wobble = 0;
  let i = 0;
  while (i < durationS) {
    const r = rng();
    let length: number;
    let target: (k: number) => number;
    if (r < 0.06) {
      length = 5 + Math.floor(rng() * 55);
      target = () => 0;
    } else if (r < 0.1) {
      length = 180 + Math.floor(rng() * 540);
      const level = truePowerW(truth, length) * (0.8 + 0.12 * rng());
      target = () => level;
    } else if (r < 0.13) {
      length = 5 + Math.floor(rng() * 11);
      const level = truePowerW(truth, length) * (0.7 + 0.15 * rng());
      target = () => level;
    } else {
      length = 60 + Math.floor(rng() * 600);
      const level = base * (0.85 + 0.3 * rng());
      target = () => level;
    }
    for (let k = 0; k < length && i < durationS; k++, i++) {
      wobble = 0.9 * wobble + 0.1 * gaussian(rng) * 60;
      const level = target(k);
      out[i] = level === 0 ? 0 : Math.max(0, Math.round(level + wobble));
    }
  }
  return out;
}

function isoDate(epochS: number): string {
  return new Date(epochS * 1000).toISOString().slice(0, 10);
}

/** Generate a seeded athlete: maximal activities (one effort each) and sub-maximal rides. */
export function syntheticAthlete(options: SyntheticAthleteOptions = {}): SyntheticAthlete {
  const truth: SyntheticTruth = {
    model: options.model ?? 'cp2',
    cpW: options.cpW ?? 280,
    wPrimeJ: options.wPrimeJ ?? 20_000,
    pmaxW: options.pmaxW ?? 1100,
  };
  const rng = createRng(options.seed ?? 1);
  const weeks = options.weeks ?? 8;
  const efforts = options.effortDurationsS ?? DEFAULT_EFFORTS_S;
  const submaximal = options.submaximalRides ?? 12;
  const noise = options.noise ?? 0.02;
  const total = efforts.length + submaximal;
  const plan: (number | null)[] = [...efforts, ...new Array<null>(submaximal).fill(null)];
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  const activities: SyntheticActivity[] = plan.map((effortS, index) => {
    const day = Math.floor((index * weeks * 7) / total);
    const startS = FIRST_DAY_S + day * DAY_S + 8 * 3600 + Math.floor(rng() * 8) * 3600;
    if (effortS === null) {
      const durationS = 2400 + Math.floor(rng() * 9000);
      return {
        date: isoDate(startS),
        startS,
        kind: 'submaximal',
        effortDurationS: null,
        powerW: rideLikePowerW(rng, durationS, truth),
      };
    }
    const warmup = rideLikePowerW(rng, 900, { ...truth, cpW: truth.cpW * 0.8 });
    const effort = allOutEffortW(truth, effortS);
    for (let k = 0; k < effort.length; k++) {
      effort[k] = Math.max(0, Math.round(effort[k]! * (1 + noise * gaussian(rng))));
    }
    const cooldown = new Float64Array(600).map(() =>
      Math.round(truth.cpW * 0.45 * (1 + 0.1 * gaussian(rng))),
    );
    const powerW = new Float64Array(warmup.length + effort.length + cooldown.length);
    powerW.set(warmup, 0);
    powerW.set(effort, warmup.length);
    powerW.set(cooldown, warmup.length + effort.length);
    return { date: isoDate(startS), startS, kind: 'maximal', effortDurationS: effortS, powerW };
  });
  return { truth, activities };
}

/** Pointwise maximum of the activities' exact mean-max curves (the athlete's envelope). */
export function athleteEnvelopeW(athlete: SyntheticAthlete): Float64Array {
  let longest = 0;
  for (const a of athlete.activities) longest = Math.max(longest, a.powerW.length);
  const best = new Float64Array(longest).fill(Number.NaN);
  for (const a of athlete.activities) {
    const curve = meanMax(a.powerW);
    for (let d = 0; d < curve.values.length; d++) {
      const v = curve.values[d]!;
      if (!(v <= best[d]!)) best[d] = v;
    }
  }
  return best;
}
