import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { naiveLongitudinalMeanMax, naiveWeeklyAggregate } from '../../bench/naive-baselines.ts';
import {
  buildSyntheticLake,
  type LakeFigures,
  planSyntheticActivities,
  syntheticActivityCsv,
} from '../../bench/synthetic-lake.ts';
import { Engine } from '../../src/engine/engine.ts';

const WEEKS = 4;
/** Four weeks of six activities: enough for one late-night start (one activity in 20). */
const OPTIONS = { seed: 7, years: WEEKS / 52, athleteId: 'tiny' };
const SPORTS = ['cycling.road', 'cycling+stationary', 'running.road', 'running.trail'];

interface CatalogRow {
  id: string;
  sport: string;
  file_name: string;
  local_date: string;
  start_s: number;
  utc_offset_s: number;
  sample_count: number;
  samples_path: string;
}

function csvRowCount(bytes: Uint8Array): number {
  let lines = 0;
  for (const byte of bytes) if (byte === 10) lines++;
  return lines - 1;
}

/** Best mean over windows of exactly d seconds of a zero-filled grid, by prefix sums. */
function bestMean(grid: Float64Array, d: number): number {
  let best = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < grid.length; i++) {
    sum += grid[i]!;
    if (i >= d) sum -= grid[i - d]!;
    if (i >= d - 1) best = Math.max(best, sum / d);
  }
  return best;
}

describe('the synthetic lake', () => {
  let dataDir: string;
  let engine: Engine;
  let figures: LakeFigures;
  let catalog: CatalogRow[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'peakform-synthetic-lake-'));
    figures = await buildSyntheticLake({ ...OPTIONS, dataDir, progress: false });
    engine = await Engine.open({ dataDir });
    catalog = await engine.store.all<CatalogRow>(
      `SELECT a.id, a.sport, s.file_name, strftime(a.local_date, '%Y-%m-%d') AS local_date,
        epoch(a.start_utc) AS start_s, a.utc_offset_s, a.sample_count, a.samples_path
       FROM activities a JOIN sources s ON s.id = a.source_id WHERE a.athlete_id = $1 ORDER BY a.start_utc`,
      [OPTIONS.athleteId],
    );
  });

  afterAll(async () => {
    engine?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('buildSyntheticLake() ingests six activities a week, about 70 % of them rides', () => {
    expect(figures.activities).toBe(6 * WEEKS);
    expect(catalog).toHaveLength(6 * WEEKS);
    for (const row of catalog) expect(SPORTS).toContain(row.sport);
    const rides = catalog.filter((row) => row.sport.startsWith('cycling')).length;
    expect(rides / catalog.length).toBeGreaterThanOrEqual(0.6);
    expect(rides / catalog.length).toBeLessThanOrEqual(0.8);
    expect(figures.activityHours).toBeGreaterThan(0.5 * catalog.length);
  });

  it('every planned activity is in the catalog, with a samples file holding a row per CSV row', async () => {
    const plan = planSyntheticActivities(OPTIONS);
    const byFile = new Map(catalog.map((row) => [row.file_name, row]));
    const counted = await engine.store.all<{ activity_id: string; n: number }>(
      `SELECT activity_id, CAST(count(*) AS INTEGER) AS n FROM read_parquet([${catalog
        .map((row) => `'${engine.store.lake.fromStored(row.samples_path)}'`)
        .join(', ')}]) GROUP BY activity_id`,
    );
    const rowsById = new Map(counted.map((c) => [c.activity_id, c.n]));
    for (const planned of plan) {
      const row = byFile.get(planned.fileName);
      expect(row, planned.fileName).toBeDefined();
      expect(row!.sport).toBe(planned.sport);
      expect(row!.start_s).toBe(planned.startUtcS);
      expect(row!.utc_offset_s).toBe(planned.utcOffsetS);
      expect(existsSync(engine.store.lake.fromStored(row!.samples_path))).toBe(true);
      const csvRows = csvRowCount(syntheticActivityCsv(planned));
      expect(row!.sample_count).toBe(csvRows);
      expect(rowsById.get(row!.id)).toBe(csvRows);
    }
    expect(figures.samples).toBe(catalog.reduce((sum, row) => sum + row.sample_count, 0));
  });

  it('the generator gives the same plan and bytes for a seed, and others for another seed', () => {
    const first = planSyntheticActivities(OPTIONS);
    const again = planSyntheticActivities(OPTIONS);
    expect(again).toEqual(first);
    expect(syntheticActivityCsv(again[5]!)).toEqual(syntheticActivityCsv(first[5]!));
    const other = planSyntheticActivities({ ...OPTIONS, seed: 8 });
    expect(other.map((a) => a.startUtcS)).not.toEqual(first.map((a) => a.startUtcS));
    expect(syntheticActivityCsv(other[5]!)).not.toEqual(syntheticActivityCsv(first[5]!));
  });

  it('some activities start on another local date than their UTC date', () => {
    const differ = catalog.filter(
      (row) => new Date(row.start_s * 1000).toISOString().slice(0, 10) !== row.local_date,
    );
    expect(differ.length).toBeGreaterThan(0);
    for (const row of differ) {
      const localHour = new Date((row.start_s + row.utc_offset_s) * 1000).getUTCHours();
      expect(row.utc_offset_s > 0 ? localHour : 23 - localHour).toBeLessThan(row.utc_offset_s > 0 ? 2 : 6);
    }
  });

  it('naiveLongitudinalMeanMax() matches a brute-force search over the zero-filled grid', async () => {
    const durationsS = [1, 60, 1200];
    const curve = await naiveLongitudinalMeanMax(engine, OPTIONS.athleteId, { durationsS, sport: 'cycling' });
    expect(curve.map((p) => p.duration_s)).toEqual(durationsS);
    expect(curve[0]!.value).toBeGreaterThanOrEqual(curve[1]!.value);
    expect(curve[1]!.value).toBeGreaterThanOrEqual(curve[2]!.value);

    const rides = catalog.filter((row) => row.sport.startsWith('cycling'));
    const samples = await engine.store.all<{ activity_id: string; t: number; power: number | null }>(
      `SELECT activity_id, epoch(timestamp) AS t, power FROM read_parquet([${rides
        .map((row) => `'${engine.store.lake.fromStored(row.samples_path)}'`)
        .join(', ')}]) ORDER BY activity_id, t`,
    );
    const grids = new Map<string, Float64Array>();
    for (const ride of rides) {
      const own = samples.filter((s) => s.activity_id === ride.id);
      const grid = new Float64Array(own.at(-1)!.t - own[0]!.t + 1);
      for (const s of own) grid[s.t - own[0]!.t] = s.power ?? 0;
      if (own.some((s) => s.power !== null)) grids.set(ride.id, grid);
    }
    for (const point of curve) {
      const best = Math.max(...[...grids.values()].map((g) => bestMean(g, point.duration_s)));
      expect(point.value).toBeCloseTo(best, 9);
      expect(bestMean(grids.get(point.activity_id)!, point.duration_s)).toBeCloseTo(best, 9);
    }
  });

  it('naiveWeeklyAggregate() has a row per local ISO week and counts every activity once', async () => {
    const weeks = await naiveWeeklyAggregate(engine, OPTIONS.athleteId);
    expect(weeks.reduce((sum, w) => sum + w.activities, 0)).toBe(catalog.length);
    expect(new Set(weeks.map((w) => w.week)).size).toBe(weeks.length);
    expect(weeks.length).toBeGreaterThanOrEqual(WEEKS);
    for (const w of weeks) {
      expect(w.week).toMatch(/^\d{4}-W\d{2}$/);
      expect(new Date(`${w.week_start}T00:00:00Z`).getUTCDay()).toBe(1);
      expect(w.moving_s).toBeLessThanOrEqual(w.duration_s);
      expect(w.distance_m).toBeGreaterThan(0);
      expect(w.max_heart_rate_bpm!).toBeGreaterThanOrEqual(w.mean_heart_rate_bpm!);
      expect(w.max_power_w!).toBeGreaterThanOrEqual(w.mean_power_w!);
      expect(w.work_j).toBeGreaterThan(0);
    }
    const firstWeek = await naiveWeeklyAggregate(engine, OPTIONS.athleteId, {
      start: weeks[0]!.week_start,
      end: weeks[1]!.week_start,
    });
    expect(firstWeek.length).toBeGreaterThanOrEqual(1);
    // DuckDB sums doubles in parallel, so the last bits may differ from run to run.
    for (const [key, value] of Object.entries(weeks[0]!)) {
      const again = firstWeek[0]![key as keyof (typeof weeks)[number]];
      if (typeof value === 'number') expect(again, key).toBeCloseTo(value, 6);
      else expect(again, key).toBe(value);
    }
  });
});
