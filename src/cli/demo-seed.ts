import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  LAKE_TRUTH,
  lakeThresholds,
  type PlannedActivity,
  planSyntheticActivities,
  syntheticActivityCsv,
} from '../demo/synthetic-activities.ts';
import { createRng } from '../demo/synthetic-athlete.ts';
import type { DailyMeasure } from '../domain/daily-measures.ts';
import type { Engine } from '../engine/engine.ts';

/**
 * The demo athlete's history: years of synthetic rides and runs ending today, with daily body
 * mass, resting HR, HRV and sleep, and a lab test every twelve weeks, so every default date range
 * of the API and the web app has data. The history is anchored when first seeded (in
 * `<data>/demo.json`) and topped up to today on later starts, so restarting never duplicates it.
 */

const DEMO_SEED = 20_261_202;
const MARKER_FILE = 'demo.json';
const DAY_S = 86_400;
const WEEK_S = 7 * DAY_S;
const ACTIVITIES_PER_WEEK = 4;
const TEST_EVERY_WEEKS = 12;
const BODY_MASS_KG = 72;

interface Segment {
  firstMondayUtcS: number;
  weeks: number;
  seed: number;
}

interface DemoMarker {
  version: 1;
  segments: Segment[];
  /** Everything starting at or before this instant (epoch seconds) is stored. */
  seededThroughUtcS: number;
}

export interface DemoSeedProgress {
  done: number;
  total: number;
  fileName: string;
}

export interface DemoHistory {
  /** Activities still to ingest, newest first. */
  activities: number;
  /** Days whose dailies were stored now. */
  days: number;
  tests: number;
  /** The history's first and last date. */
  from: string;
  to: string;
  /** Ingests the activities (newest first), then records that the history reaches `now`. */
  ingestActivities(onProgress?: (progress: DemoSeedProgress) => void): Promise<void>;
}

const dateOf = (utcS: number) => new Date(utcS * 1000).toISOString().slice(0, 10);
const mondayOf = (utcS: number) => {
  const day = Math.floor(utcS / DAY_S);
  // 1970-01-01 was a Thursday: day 4 of a Monday-based week (0 = Monday) is day 0 of the epoch.
  return (day - ((day + 3) % 7)) * DAY_S;
};

/** The plan's segments, growing by one when `nowS` has passed the end of the last one. */
function extendSegments(marker: DemoMarker | undefined, years: number, nowS: number): DemoMarker {
  if (!marker) {
    const weeks = Math.max(1, Math.round(years * 52));
    const firstMondayUtcS = mondayOf(nowS) - (weeks - 1) * WEEK_S;
    return { version: 1, segments: [{ firstMondayUtcS, weeks, seed: DEMO_SEED }], seededThroughUtcS: 0 };
  }
  const last = marker.segments.at(-1)!;
  const endS = last.firstMondayUtcS + last.weeks * WEEK_S;
  if (nowS < endS) return marker;
  const weeks = Math.floor((nowS - endS) / WEEK_S) + 1;
  return {
    ...marker,
    segments: [
      ...marker.segments,
      { firstMondayUtcS: endS, weeks, seed: DEMO_SEED + marker.segments.length },
    ],
  };
}

async function readMarker(dataDir: string): Promise<DemoMarker | undefined> {
  const text = await readFile(join(dataDir, MARKER_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const marker = JSON.parse(text) as DemoMarker;
  return marker.version === 1 && Array.isArray(marker.segments) ? marker : undefined;
}

async function writeMarker(dataDir: string, marker: DemoMarker): Promise<void> {
  const path = join(dataDir, MARKER_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(marker, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** A day's measures, the same for the same date whenever they are generated. */
function dailiesOn(date: string, fitness: number) {
  const rng = createRng(Number(date.replaceAll('-', '')));
  const dayIndex = Date.parse(date) / 86_400_000;
  const drift = 1.2 * Math.sin((2 * Math.PI * dayIndex) / 365.25);
  return {
    body_mass: Math.round((BODY_MASS_KG + drift + 0.4 * (rng() - 0.5) * 2) * 10) / 10,
    resting_hr: Math.round(58 - 60 * (fitness - 0.9) + 3 * (rng() - 0.5) * 2),
    hrv: Math.round(55 + 150 * (fitness - 0.9) + 8 * (rng() - 0.5) * 2),
    sleep_duration: Math.round((7.2 + 0.7 * (rng() - 0.5) * 2) * 3600),
  };
}

/** A lab ramp test's results for an athlete at `fitness` of peak. */
function labTestResults(fitness: number) {
  const cp = Math.round(LAKE_TRUTH.cpW * fitness);
  return {
    critical_power: cp,
    w_prime: Math.round((LAKE_TRUTH.wPrimeJ * fitness) / 100) / 10,
    vo2max: Math.round(4_700 * fitness),
    heart_rate_max: 191,
    lt1: { power: Math.round(cp * 0.72), heart_rate: 142, lactate: 2 },
    lt2: { power: Math.round(cp * 0.95), heart_rate: 168, lactate: 4 },
  };
}

/**
 * Seeds (or tops up to `now`) the demo athlete's thresholds, dailies and tests, and answers the
 * activities still to ingest. Those go in after everything they are derived with, so each is
 * derived once, under the right values; newest first, so the weeks that default date ranges show
 * fill first.
 */
export async function seedDemoHistory(
  engine: Engine,
  athleteId: string,
  options: { years: number; now?: Date },
): Promise<DemoHistory> {
  const nowS = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const marker = extendSegments(await readMarker(engine.dataDir), options.years, nowS);
  const from = marker.seededThroughUtcS;
  const plans = marker.segments.map((segment) => ({
    segment,
    plan: planSyntheticActivities({
      seed: segment.seed,
      years: segment.weeks / 52,
      activitiesPerWeek: ACTIVITIES_PER_WEEK,
      firstMondayUtcS: segment.firstMondayUtcS,
    }),
  }));
  const fitnessByDate = new Map<string, number>();
  for (const { plan } of plans) for (const a of plan) fitnessByDate.set(dateOf(a.startUtcS), a.fitness);

  // Thresholds per year (tested each January), only the years not yet declared.
  const declared = new Set(
    (await engine.profile.listThresholds(athleteId)).map((t) => `${t.sport}/${t.effective_from}`),
  );
  for (const { segment, plan } of plans) {
    for (const thresholds of lakeThresholds(plan, segment.firstMondayUtcS)) {
      if (declared.has(`${thresholds.sport}/${thresholds.effective_from}`)) continue;
      await engine.profile.setThresholds(athleteId, thresholds);
      declared.add(`${thresholds.sport}/${thresholds.effective_from}`);
    }
  }

  // Dailies for every day not yet seeded, with the fitness of the nearest planned day.
  const firstS = Math.max(from + 1, marker.segments[0]!.firstMondayUtcS);
  let fitness = 0.95;
  let days = 0;
  const dailies: { measure: DailyMeasure; date: string; value: number }[] = [];
  for (let dayS = Math.floor(firstS / DAY_S) * DAY_S; dayS <= nowS; dayS += DAY_S) {
    const date = dateOf(dayS);
    fitness = fitnessByDate.get(date) ?? fitness;
    for (const [measure, value] of Object.entries(dailiesOn(date, fitness))) {
      dailies.push({ measure: measure as DailyMeasure, date, value });
    }
    days++;
  }
  await engine.dailies.setMany(athleteId, dailies, 'garmin_connect');

  // A lab test every twelve weeks, on a Monday morning, skipping any already stored.
  const existingTests = new Set(
    (await engine.tests.list(athleteId, { limit: 10_000, offset: 0, tags: ['demo'] })).map((t) =>
      t.start.slice(0, 10),
    ),
  );
  let tests = 0;
  const firstMonday = marker.segments[0]!.firstMondayUtcS;
  for (let mondayS = firstMonday; mondayS <= nowS; mondayS += TEST_EVERY_WEEKS * WEEK_S) {
    const startS = mondayS + 8 * 3600;
    const date = dateOf(mondayS);
    if (startS <= from || startS > nowS || existingTests.has(date)) continue;
    await engine.tests.create(
      athleteId,
      {
        sport: 'cycling',
        start: `${date}T09:00:00+01:00`,
        title: 'Lab ramp test',
        results: labTestResults(fitnessByDate.get(date) ?? fitness),
        tags: ['demo'],
      },
      null,
    );
    tests++;
  }
  await recomputeSettled(engine, athleteId);

  const due: PlannedActivity[] = plans
    .flatMap(({ plan }) => plan)
    .filter((a) => a.startUtcS + a.elapsedS > from && a.startUtcS + a.elapsedS <= nowS)
    .sort((a, b) => b.startUtcS - a.startUtcS);
  return {
    days,
    tests,
    activities: due.length,
    from: dateOf(marker.segments[0]!.firstMondayUtcS),
    to: dateOf(nowS),
    async ingestActivities(onProgress) {
      let done = 0;
      for (const activity of due) {
        await engine.sources.ingest(athleteId, syntheticActivityCsv(activity), {
          fileName: activity.fileName,
          tags: ['demo'],
        });
        onProgress?.({ done: ++done, total: due.length, fileName: activity.fileName });
      }
      await writeMarker(engine.dataDir, { ...marker, seededThroughUtcS: nowS });
    },
  };
}

/** Waits until the background re-derivation that thresholds, tests and body mass asked for is over. */
async function recomputeSettled(engine: Engine, athleteId: string): Promise<void> {
  for (;;) {
    const { state } = engine.metabolicProfile.recomputeStatus(athleteId);
    if (state !== 'scheduled' && state !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
