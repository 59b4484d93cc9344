/**
 * A seeded multi-year athlete, as CSV activity files: ~6 activities a week from a Monday
 * (2020-01-06 by default), ~70 % rides (cycling.road, indoor cycling+stationary in winter) and
 * ~30 % runs (running.road, running.trail), 30 min – 5 h each. Used by the demo (`npm start`), the
 * longitudinal benches (bench/synthetic-lake.ts caches it as a lake) and tests.
 *
 * The athlete: rides carry power from a CP2 athlete (LAKE_TRUTH) whose fitness swings with the
 * season (90–100 % of the truth, peaking in July, slowly improving over the first three years);
 * about one road ride in eight holds an all-out effort paced from the model
 * (synthetic-athlete.ts), so the all-time curve comes close to LAKE_TRUTH (the efforts'
 * 2 % per-second noise lifts the bests of a few seconds up to ~6 % above Pmax). Heart rate lags
 * power (or running speed), speed and distance follow from power on a rolling terrain, runs
 * carry running power from March 2022. Local offsets follow the EU clock (+01:00 / +02:00) with
 * one week a year abroad at US Eastern offsets; one activity in 20 starts between 23:00 and 01:00
 * local, so local dates and UTC dates differ. Some activities pause (no rows for 1–15 min),
 * drop out (2–40 s without rows), lack a heart-rate strap or a power meter.
 */
import { allOutEffortW, createRng, rideLikePowerW, type SyntheticTruth } from './synthetic-athlete.ts';

/** The athlete at peak fitness; on any day its power is LAKE_TRUTH scaled by `fitness` (≤ 1). */
export const LAKE_TRUTH: SyntheticTruth = { model: 'cp2', cpW: 290, wPrimeJ: 20_000, pmaxW: 1100 };
/** Running critical speed (m/s) at peak fitness. */
export const LAKE_CRITICAL_SPEED_MPS = 4.3;

export type LakeSport = 'cycling.road' | 'cycling+stationary' | 'running.road' | 'running.trail';

export interface LakeOptions {
  seed: number;
  /** Years of history; weeks = round(years × 52), so 4 / 52 is a four-week lake. */
  years?: number;
  /** Average activities per week, at most 7 (one a day); fractions spread evenly over weeks. */
  activitiesPerWeek?: number;
  athleteId?: string;
  /** UTC midnight (epoch seconds) of the Monday the first week starts; 2020-01-06 by default. */
  firstMondayUtcS?: number;
}

/** One planned activity: everything its CSV is generated from, so it can be generated alone. */
export interface PlannedActivity {
  index: number;
  /** Seed of this activity's own generator. */
  seed: number;
  sport: LakeSport;
  startUtcS: number;
  utcOffsetS: number;
  /** First to last recorded second, inclusive of pauses. */
  elapsedS: number;
  /** Fraction of peak fitness on that day (0.9–1); power and running speed scale with it. */
  fitness: number;
  /** Duration of the all-out effort this ride holds, or null. */
  effortDurationS: number | null;
  hasPower: boolean;
  hasHeartRate: boolean;
  fileName: string;
}

const CSV_HEADER = 'timestamp,sport,power,heart_rate,cadence,speed,distance,altitude';
const DAY_S = 86_400;
const HOUR_S = 3600;
export const FIRST_MONDAY_S = Date.UTC(2020, 0, 6) / 1000;
const RUNNING_POWER_FROM_S = Date.UTC(2022, 2, 1) / 1000;
const WEEKS_PER_YEAR = 52;
const RIDE_SHARE = 0.7;
/** One activity in this many starts between 23:00 and 01:00 local, alternately after and before midnight. */
const LATE_NIGHT_EVERY = 20;
const MIN_ELAPSED_S = 30 * 60;
const MAX_ELAPSED_S = 5 * HOUR_S;
const EFFORTS_S = [5, 15, 30, 60, 120, 240, 300, 480, 720, 1200];
const EFFORT_WARMUP_S = 900;

// Rider and road: total mass, drag area, rolling resistance, air density, gravity.
const RIDE_MASS_KG = 80;
const CDA_M2 = 0.32;
const CRR = 0.005;
const RHO_KG_M3 = 1.2;
const G_MPS2 = 9.81;
const RUN_MASS_KG = 68;
const REST_HR_BPM = 52;
const MAX_HR_BPM = 192;

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** 01:00 UTC on the last Sunday of a month (0-based), when the EU clocks change. */
function lastSundayAt1Utc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1) / 1000;
}

/** The nth Sunday of a month at `hourUtc`. */
function nthSundayUtc(year: number, month: number, n: number, hourUtc: number): number {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return Date.UTC(year, month, 1 + ((7 - first) % 7) + 7 * (n - 1), hourUtc) / 1000;
}

/** EU offset (CET/CEST) of a local wall-clock time given as seconds since the epoch. */
function europeOffsetS(localS: number): number {
  const year = new Date(localS * 1000).getUTCFullYear();
  const utcIfSummer = localS - 7200;
  return utcIfSummer >= lastSundayAt1Utc(year, 2) && utcIfSummer < lastSundayAt1Utc(year, 9) ? 7200 : 3600;
}

/** US Eastern offset (EDT/EST) of a local wall-clock time. */
function usEasternOffsetS(localS: number): number {
  const year = new Date(localS * 1000).getUTCFullYear();
  const utcIfSummer = localS + 4 * HOUR_S;
  return utcIfSummer >= nthSundayUtc(year, 2, 2, 7) && utcIfSummer < nthSundayUtc(year, 10, 1, 6)
    ? -4 * HOUR_S
    : -5 * HOUR_S;
}

/** Seasonal form (peak around 9 July) plus three years of slow improvement; at most 1. */
function fitnessOn(localDayS: number, firstMondayS: number): number {
  const date = new Date(localDayS * 1000);
  const dayOfYear = (localDayS - Date.UTC(date.getUTCFullYear(), 0, 1) / 1000) / DAY_S;
  const season = 0.5 + 0.5 * Math.cos((2 * Math.PI * (dayOfYear - 190)) / 365.25);
  const years = (localDayS - firstMondayS) / (365.25 * DAY_S);
  return 0.9 + 0.07 * season + 0.03 * Math.min(1, years / 3);
}

/** Per-activity seeds: independent streams, so one activity can be generated without the others. */
function activitySeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

function lognormalS(rng: () => number, medianS: number, sigma: number): number {
  return medianS * Math.exp(sigma * gaussian(rng));
}

/** The lake's activities in time order: sports, start times, offsets, durations (no samples yet). */
export function planSyntheticActivities(options: LakeOptions): PlannedActivity[] {
  const { seed, years = 5, activitiesPerWeek = 6, firstMondayUtcS = FIRST_MONDAY_S } = options;
  if (!(activitiesPerWeek > 0 && activitiesPerWeek <= 7)) {
    throw new RangeError(`activitiesPerWeek must be in (0, 7], got ${activitiesPerWeek}`);
  }
  const rng = createRng(seed);
  const weeks = Math.round(years * WEEKS_PER_YEAR);
  const latePhase = Math.floor(rng() * LATE_NIGHT_EVERY);
  const travelWeeks = new Set<number>();
  for (let y = 0; y * WEEKS_PER_YEAR < weeks; y++)
    travelWeeks.add(y * WEEKS_PER_YEAR + 8 + Math.floor(rng() * 36));

  const plan: PlannedActivity[] = [];
  let rides = 0;
  let lateNights = 0;
  for (let week = 0; week < weeks; week++) {
    const count = Math.floor((week + 1) * activitiesPerWeek) - Math.floor(week * activitiesPerWeek);
    const days = [0, 1, 2, 3, 4, 5, 6];
    for (let i = days.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [days[i], days[j]] = [days[j]!, days[i]!];
    }
    for (const day of days.slice(0, count).sort((a, b) => a - b)) {
      const index = plan.length;
      // Ride with probability 0.7, nudged towards the running quota so small lakes keep the mix.
      const isRide = rng() < clamp(RIDE_SHARE + 0.25 * (RIDE_SHARE * index - rides), 0.05, 0.95);
      if (isRide) rides++;
      const isLate = (index + latePhase) % LATE_NIGHT_EVERY === 0;
      const weekend = day >= 5;
      const localDayS = firstMondayUtcS + (week * 7 + day) * DAY_S;
      const month = new Date(localDayS * 1000).getUTCMonth();
      const winter = month >= 10 || month <= 1;

      let sport: LakeSport;
      let elapsedS: number;
      if (isRide) {
        const indoor = isLate || rng() < (winter ? 0.35 : 0.06);
        sport = indoor ? 'cycling+stationary' : 'cycling.road';
        const medianS = indoor ? HOUR_S : weekend ? 3 * HOUR_S : 1.3 * HOUR_S;
        elapsedS = lognormalS(rng, medianS, 0.35);
      } else {
        const trail = !isLate && rng() < 0.25;
        sport = trail ? 'running.trail' : 'running.road';
        const medianS = day === 6 ? 1.5 * HOUR_S : trail ? 1.2 * HOUR_S : 0.8 * HOUR_S;
        elapsedS = lognormalS(rng, medianS, 0.3);
      }
      elapsedS = Math.round(clamp(elapsedS, MIN_ELAPSED_S, isLate ? 75 * 60 : MAX_ELAPSED_S));

      let timeOfDayS: number;
      if (isLate) {
        const afterMidnight = lateNights++ % 2 === 0;
        timeOfDayS = (afterMidnight ? 24 : 23) * HOUR_S + rng() * HOUR_S;
      } else if (elapsedS > 3 * HOUR_S) {
        timeOfDayS = 6.5 * HOUR_S + rng() * 4 * HOUR_S;
      } else if (weekend) {
        timeOfDayS = 7 * HOUR_S + rng() * 8 * HOUR_S;
      } else {
        timeOfDayS = (rng() < 0.5 ? 5.5 : 17) * HOUR_S + rng() * 2.5 * HOUR_S;
      }
      const localStartS = localDayS + Math.floor(timeOfDayS);
      const utcOffsetS = travelWeeks.has(week) ? usEasternOffsetS(localStartS) : europeOffsetS(localStartS);

      const efforts = EFFORTS_S.filter((e) => EFFORT_WARMUP_S + e + 300 <= elapsedS);
      const effortDurationS =
        sport === 'cycling.road' && rng() < 0.12 ? efforts[Math.floor(rng() * efforts.length)]! : null;
      const hasPower = isRide ? rng() >= 0.05 : localDayS >= RUNNING_POWER_FROM_S;
      const hasHeartRate = rng() >= 0.03;
      const localDate = new Date(localStartS * 1000).toISOString().slice(0, 10);
      plan.push({
        index,
        seed: activitySeed(seed, index),
        sport,
        startUtcS: localStartS - utcOffsetS,
        utcOffsetS,
        elapsedS,
        fitness: fitnessOn(localDayS, firstMondayUtcS),
        effortDurationS,
        hasPower,
        hasHeartRate,
        fileName: `${localDate}-${String(index).padStart(4, '0')}-${sport.replace('+', '-')}.csv`,
      });
    }
  }
  return plan;
}

/** A rolling terrain: altitude and grade as functions of distance along the route. */
interface Terrain {
  altitudeM(x: number): number;
  grade(x: number): number;
}

function rollingTerrain(rng: () => number, hilliness: number, scaleM: number, maxGrade: number): Terrain {
  const baseM = 100 + rng() * 600;
  const waves = [1, 3.5, 11].map((k) => ({
    lengthM: k * scaleM * (0.7 + 0.6 * rng()),
    amplitudeM: hilliness * k * scaleM * 0.0025 * (0.5 + rng()),
    phase: rng() * 2 * Math.PI,
  }));
  return {
    altitudeM: (x) => {
      let a = baseM;
      for (const w of waves) a += w.amplitudeM * Math.sin((2 * Math.PI * x) / w.lengthM + w.phase);
      return a;
    },
    grade: (x) => {
      let g = 0;
      for (const w of waves)
        g += ((w.amplitudeM * 2 * Math.PI) / w.lengthM) * Math.cos((2 * Math.PI * x) / w.lengthM + w.phase);
      return clamp(g, -maxGrade, maxGrade);
    },
  };
}

/** Marks `count` stretches of `minS`–`maxS` seconds inside [margin, n − margin) with `value`. */
function markStretches(
  rng: () => number,
  mask: Uint8Array,
  count: number,
  minS: number,
  maxS: number,
  value: number,
): void {
  const margin = 300;
  for (let k = 0; k < count; k++) {
    const length = minS + Math.floor(rng() * (maxS - minS + 1));
    const room = mask.length - 2 * margin - length;
    if (room <= 0) continue;
    const from = margin + Math.floor(rng() * room);
    mask.fill(value, from, from + length);
  }
}

/** Target running speeds: easy running with tempo blocks and interval sets. */
function runSpeedTargetsMps(rng: () => number, n: number, csMps: number): Float64Array {
  const out = new Float64Array(n);
  const base = csMps * (0.7 + 0.1 * rng());
  let i = 0;
  const fill = (length: number, speed: number) => {
    for (let k = 0; k < length && i < n; k++) out[i++] = speed;
  };
  while (i < n) {
    const r = rng();
    if (r < 0.04 && i > 900) {
      const reps = 4 + Math.floor(rng() * 5);
      const on = 60 + Math.floor(rng() * 180);
      const level = csMps * (1.02 + 0.1 * rng());
      for (let rep = 0; rep < reps; rep++) {
        fill(on, level);
        fill(60 + Math.floor(rng() * 60), csMps * 0.55);
      }
    } else if (r < 0.1) {
      fill(600 + Math.floor(rng() * 600), csMps * (0.86 + 0.07 * rng()));
    } else {
      fill(300 + Math.floor(rng() * 600), base * (0.93 + 0.14 * rng()));
    }
  }
  return out;
}

/** Formats UTC seconds as local ISO 8601 with the numeric offset (`2024-05-10T10:10:46+02:00`). */
function localTimestampFormatter(utcOffsetS: number): (utcS: number) => string {
  const sign = utcOffsetS < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetS);
  const suffix = `${sign}${pad2(Math.floor(abs / HOUR_S))}:${pad2(Math.floor((abs % HOUR_S) / 60))}`;
  let day = Number.NaN;
  let prefix = '';
  return (utcS) => {
    const localS = utcS + utcOffsetS;
    const d = Math.floor(localS / DAY_S);
    if (d !== day) {
      day = d;
      prefix = `${new Date(d * DAY_S * 1000).toISOString().slice(0, 10)}T`;
    }
    const s = localS - d * DAY_S;
    return `${prefix}${pad2(Math.floor(s / HOUR_S))}:${pad2(Math.floor((s % HOUR_S) / 60))}:${pad2(s % 60)}${suffix}`;
  };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The CSV bytes of one planned activity, a row per recorded second. Deterministic: the same plan
 * entry always gives the same bytes, whatever else is generated.
 */
export function syntheticActivityCsv(
  activity: PlannedActivity,
  truth: SyntheticTruth = LAKE_TRUTH,
): Uint8Array {
  const rng = createRng(activity.seed);
  const n = activity.elapsedS;
  const isRide = activity.sport.startsWith('cycling');
  const indoor = activity.sport === 'cycling+stationary';
  const f = activity.fitness;
  const day: SyntheticTruth = {
    ...truth,
    cpW: truth.cpW * f,
    wPrimeJ: truth.wPrimeJ * f,
    pmaxW: truth.pmaxW * f,
  };

  // 1 = stopped (no rows, standing still), 2 = dropout (no rows, still moving).
  const gaps = new Uint8Array(n);
  if (!indoor && rng() < 0.35) markStretches(rng, gaps, 1 + Math.floor(rng() * 3), 60, 900, 1);
  if (rng() < 0.2) markStretches(rng, gaps, 1 + Math.floor(rng() * 4), 2, 40, 2);
  const hrDropout = new Uint8Array(n);
  if (rng() < 0.05) markStretches(rng, hrDropout, 1, 30, 300, 1);

  const terrain = indoor
    ? null
    : activity.sport === 'running.trail'
      ? rollingTerrain(rng, 1 + rng(), 800, 0.25)
      : rollingTerrain(rng, isRide ? 0.3 + 1.1 * rng() : 0.1 + 0.4 * rng(), 2000, 0.12);

  let powerW: Float64Array;
  let speedTargetMps: Float64Array | null = null;
  const csMps = LAKE_CRITICAL_SPEED_MPS * f;
  if (isRide) {
    powerW = rideLikePowerW(rng, n, day);
    if (activity.effortDurationS !== null) {
      const e = activity.effortDurationS;
      const at = EFFORT_WARMUP_S + Math.floor(rng() * (n - EFFORT_WARMUP_S - e - 300));
      const effort = allOutEffortW(day, e);
      for (let k = 0; k < e; k++)
        powerW[at + k] = Math.max(0, Math.round(effort[k]! * (1 + 0.02 * gaussian(rng))));
      // No stop inside the effort, so its seconds are all recorded.
      gaps.fill(0, at, at + e);
    }
  } else {
    powerW = new Float64Array(n);
    speedTargetMps = runSpeedTargetsMps(rng, n, csMps);
  }

  const stamp = localTimestampFormatter(activity.utcOffsetS);
  const lines: string[] = [CSV_HEADER];
  const hrBias = 4 * gaussian(rng);
  let v = isRide ? 0 : 2;
  let x = 0;
  let hr = 75 + 10 * rng();
  let load = 0.3;
  gaps[0] = 0;
  gaps[n - 1] = 0;
  for (let i = 0; i < n; i++) {
    const stopped = gaps[i] === 1;
    const grade = terrain ? terrain.grade(x) : 0;
    let p = 0;
    let cadence = 0;
    if (stopped) {
      v = 0;
      load += (0 - load) / 40;
    } else if (isRide) {
      p = powerW[i]!;
      const resistN = RIDE_MASS_KG * G_MPS2 * (CRR + grade) + 0.5 * RHO_KG_M3 * CDA_M2 * v * v;
      const accel = clamp((p / Math.max(v, 0.5) - resistN) / RIDE_MASS_KG, -2, 1.5);
      v = clamp(v + accel, 0, 25);
      if (p > 0) cadence = clamp(Math.round(84 + 10 * (p / day.cpW - 0.7) + 3 * gaussian(rng)), 55, 130);
      load += (p / day.cpW - load) / 40;
    } else {
      const uphill = activity.sport === 'running.trail' && grade > 0.14;
      const target = uphill ? 1.3 : speedTargetMps![i]! * clamp(1 - 3 * grade, 0.5, 1.2);
      v = clamp(v + (target - v) / 6 + 0.05 * gaussian(rng), 0.8, 7);
      p = Math.round(RUN_MASS_KG * v * (1.04 + G_MPS2 * Math.max(grade, -0.03) * 0.9) + 4 * gaussian(rng));
      cadence = Math.round((v < 2 ? 105 : 148 + 7 * v) + 2 * gaussian(rng));
      load += ((v / csMps) * (1 + 4 * Math.max(grade, 0)) - load) / 40;
    }
    x += v;
    const drift = (3 * i) / HOUR_S;
    const target = REST_HR_BPM + 8 + 112 * clamp(load, 0, 1.15) ** 1.1;
    hr += (target + drift + hrBias - hr) / (target > hr ? 20 : 35) + 0.6 * gaussian(rng);
    hr = clamp(hr, 45, MAX_HR_BPM + 3);
    if (gaps[i] !== 0) continue;

    const power = activity.hasPower ? String(p) : '';
    const heartRate = activity.hasHeartRate && hrDropout[i] === 0 ? String(Math.round(hr)) : '';
    const altitude = terrain ? terrain.altitudeM(x).toFixed(1) : '';
    lines.push(
      `${stamp(activity.startUtcS + i)},${i === 0 ? activity.sport : ''},${power},${heartRate},${cadence},${v.toFixed(2)},${x.toFixed(1)},${altitude}`,
    );
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** Effective-dated thresholds, set before ingest so stored TSS, zones and W'bal have them. */
export function lakeThresholds(plan: readonly PlannedActivity[], firstMondayUtcS = FIRST_MONDAY_S) {
  const firstYear = plan.length > 0 ? new Date(plan[0]!.startUtcS * 1000).getUTCFullYear() : 2020;
  const lastYear =
    plan.length > 0 ? new Date(plan[plan.length - 1]!.startUtcS * 1000).getUTCFullYear() : 2020;
  const entries = [];
  for (let year = firstYear; year <= lastYear; year++) {
    // Tested each January: the value in force reflects last summer's form, rounded as a lab would.
    const f = fitnessOn(Date.UTC(year, 0, 1) / 1000, firstMondayUtcS);
    const effectiveFrom = `${year}-01-01`;
    entries.push({
      sport: 'cycling',
      effective_from: effectiveFrom,
      ftp_w: Math.round(LAKE_TRUTH.cpW * f * 0.96),
      cp_w: Math.round(LAKE_TRUTH.cpW * f),
      w_prime_j: Math.round(LAKE_TRUTH.wPrimeJ * f),
      lthr_bpm: 168,
      max_hr_bpm: MAX_HR_BPM,
      rest_hr_bpm: REST_HR_BPM,
      weight_kg: 72,
    });
    entries.push({
      sport: 'running',
      effective_from: effectiveFrom,
      lthr_bpm: 172,
      max_hr_bpm: MAX_HR_BPM,
      rest_hr_bpm: REST_HR_BPM,
      weight_kg: 72,
    });
  }
  return entries;
}
