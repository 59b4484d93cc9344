/**
 * A seeded multi-year athlete lake for the longitudinal benches: ~6 activities a week from Monday
 * 2020-01-06 (five years end on Sunday 2024-12-29), ~70 % rides (cycling.road, indoor
 * cycling+stationary in winter) and ~30 % runs (running.road, running.trail), 30 min – 5 h each.
 * The activities come from src/demo/synthetic-activities.ts; everything goes through `engine.ingest` as CSV bytes, so the lake, the catalog and the curves
 * derived at ingest are exactly what a real upload produces.
 *
 * The athlete: rides carry power from a CP2 athlete (LAKE_TRUTH) whose fitness swings with the
 * season (90–100 % of the truth, peaking in July, slowly improving over the first three years);
 * about one road ride in eight holds an all-out effort paced from the model
 * (src/demo/synthetic-athlete.ts), so the all-time curve comes close to LAKE_TRUTH (the efforts'
 * 2 % per-second noise lifts the bests of a few seconds up to ~6 % above Pmax). Heart rate lags
 * power (or running speed), speed and distance follow from power on a rolling terrain, runs
 * carry running power from March 2022. Local offsets follow the EU clock (+01:00 / +02:00) with
 * one week a year abroad at US Eastern offsets; one activity in 20 starts between 23:00 and 01:00
 * local, so local dates and UTC dates differ. Some activities pause (no rows for 1–15 min),
 * drop out (2–40 s without rows), lack a heart-rate strap or a power meter.
 *
 * Run `npx tsx bench/synthetic-lake.ts [--seed N] [--years Y] [--rebuild]` to build the cached
 * lake (bench/.cache/lake-<seed>-<years>y/) and print its figures.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type LakeOptions,
  lakeThresholds,
  planSyntheticActivities,
  syntheticActivityCsv,
} from '../src/demo/synthetic-activities.ts';
import { Engine } from '../src/engine/engine.ts';

export {
  LAKE_CRITICAL_SPEED_MPS,
  LAKE_TRUTH,
  type LakeOptions,
  type LakeSport,
  type PlannedActivity,
  planSyntheticActivities,
  syntheticActivityCsv,
} from '../src/demo/synthetic-activities.ts';

/** Bump when the generator's output changes, so cached lakes are rebuilt. */
export const LAKE_GENERATOR_VERSION = 1;
/**
 * The sources that fix what ingest writes to disk (catalog schema, lake layout, derived curves).
 * A cached lake remembers their hash and is rebuilt when it changes; after other changes to
 * ingest, rebuild by hand (`--rebuild`).
 */
const INGEST_SHAPE_FILES = [
  'src/store/catalog-schema.ts',
  'src/store/store.ts',
  'src/store/lake.ts',
  'src/domain/metrics.ts',
  'src/domain/durations.ts',
  'src/engine/derive-activity.ts',
];
export const LAKE_SEED = 20_200_106;
export const LAKE_CACHE_ROOT = resolve(import.meta.dirname, '.cache');
const REPO_ROOT = resolve(import.meta.dirname, '..');
export interface LakeFigures {
  activities: number;
  samples: number;
  activityHours: number;
  /** Wall-clock seconds the build took (generation + ingest). */
  buildS: number;
}

const MARKER_FILE = 'synthetic-lake.json';

/**
 * Generates and ingests the lake into `dataDir` (an existing lake there is kept: the same bytes
 * ingest as duplicates). Throws on the first activity that fails to ingest. Progress goes to stderr.
 */
export async function buildSyntheticLake(
  options: LakeOptions & { dataDir: string; progress?: boolean },
): Promise<LakeFigures> {
  const startedMs = performance.now();
  const athleteId = options.athleteId ?? 'bench';
  const plan = planSyntheticActivities(options);
  const engine = await Engine.open({ dataDir: options.dataDir });
  try {
    for (const thresholds of lakeThresholds(plan)) await engine.profile.setThresholds(athleteId, thresholds);
    let lastReportMs = startedMs;
    let rows = 0;
    for (const activity of plan) {
      const bytes = syntheticActivityCsv(activity);
      const source = await engine.sources.ingest(athleteId, bytes, { fileName: activity.fileName });
      if (source.status === 'failed') {
        throw new Error(
          `ingest of ${activity.fileName} failed: ${source.error?.code} ${source.error?.message}`,
        );
      }
      rows += source.activity_ids.length;
      const nowMs = performance.now();
      if (options.progress !== false && (nowMs - lastReportMs > 5000 || activity.index === plan.length - 1)) {
        lastReportMs = nowMs;
        process.stderr.write(
          `synthetic lake: ${activity.index + 1}/${plan.length} activities, ${((nowMs - startedMs) / 1000).toFixed(0)} s\n`,
        );
      }
    }
    if (rows !== plan.length) throw new Error(`expected ${plan.length} activities, ingest made ${rows}`);
    const figures = await lakeFigures(engine, athleteId);
    return { ...figures, buildS: Number(((performance.now() - startedMs) / 1000).toFixed(1)) };
  } finally {
    engine.close();
  }
}

/** Activities, samples and activity-hours of an athlete, from the catalog. */
export async function lakeFigures(engine: Engine, athleteId: string): Promise<Omit<LakeFigures, 'buildS'>> {
  const [row] = await engine.store.all<{ activities: number; samples: number; hours: number }>(
    `SELECT CAST(count(*) AS INTEGER) AS activities, CAST(coalesce(sum(sample_count), 0) AS DOUBLE) AS samples,
      coalesce(sum(elapsed_s), 0) / 3600 AS hours FROM activities WHERE athlete_id = $1`,
    [athleteId],
  );
  return {
    activities: row?.activities ?? 0,
    samples: row?.samples ?? 0,
    activityHours: Number((row?.hours ?? 0).toFixed(1)),
  };
}

export interface SyntheticLake extends LakeFigures {
  engine: Engine;
  dataDir: string;
  athleteId: string;
  /** True when an existing cache was opened, false when this call built it. */
  reused: boolean;
}

interface LakeMarker {
  version: number;
  ingestShape: string;
  seed: number;
  years: number;
  activitiesPerWeek: number;
  athleteId: string;
  figures: LakeFigures;
}

/** The cache folder of a lake: `lake-<seed>-<years>y`, plus any non-default parameters. */
export function syntheticLakeDir(options: LakeOptions, cacheRoot = LAKE_CACHE_ROOT): string {
  const { seed, years = 5, activitiesPerWeek = 6, athleteId = 'bench' } = options;
  const extra = `${activitiesPerWeek === 6 ? '' : `-${activitiesPerWeek}pw`}${athleteId === 'bench' ? '' : `-${athleteId}`}`;
  return join(cacheRoot, `lake-${seed}-${years}y${extra}`);
}

/**
 * Opens the cached lake for these parameters, building it first when the cache is missing, was
 * made by another generator version or parameters, or does not match its catalog. The build goes
 * to a temporary folder that is renamed into place, so an interrupted build leaves no half lake.
 * The caller closes `engine`. After a change to ingest, pass `rebuild` (or delete the folder).
 */
export async function openSyntheticLake(
  options: LakeOptions & { cacheRoot?: string; rebuild?: boolean; progress?: boolean },
): Promise<SyntheticLake> {
  const params = {
    version: LAKE_GENERATOR_VERSION,
    ingestShape: ingestShapeHash(),
    seed: options.seed,
    years: options.years ?? 5,
    activitiesPerWeek: options.activitiesPerWeek ?? 6,
    athleteId: options.athleteId ?? 'bench',
  };
  const dir = syntheticLakeDir(options, options.cacheRoot);
  let marker = options.rebuild ? undefined : readMarker(dir, params);
  if (marker) {
    const engine = await Engine.open({ dataDir: dir });
    const { activities } = await lakeFigures(engine, params.athleteId);
    if (activities === marker.figures.activities) {
      return { ...marker.figures, engine, dataDir: dir, athleteId: params.athleteId, reused: true };
    }
    engine.close();
    process.stderr.write(
      `synthetic lake: ${dir} holds ${activities} activities, not ${marker.figures.activities}; rebuilding\n`,
    );
  }
  removeStaleBuilds(dir);
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const figures = await buildSyntheticLake({ ...options, dataDir: building });
  marker = { ...params, figures };
  writeFileSync(join(building, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  const engine = await Engine.open({ dataDir: dir });
  return { ...figures, engine, dataDir: dir, athleteId: params.athleteId, reused: false };
}

/** A short hash of INGEST_SHAPE_FILES (a missing file hashes as empty). */
export function ingestShapeHash(): string {
  const hash = createHash('sha256');
  for (const file of INGEST_SHAPE_FILES) {
    const path = join(REPO_ROOT, file);
    hash
      .update(file)
      .update('\0')
      .update(existsSync(path) ? readFileSync(path) : '')
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function readMarker(dir: string, params: Omit<LakeMarker, 'figures'>): LakeMarker | undefined {
  const path = join(dir, MARKER_FILE);
  if (!existsSync(path)) return undefined;
  const marker = JSON.parse(readFileSync(path, 'utf8')) as LakeMarker;
  const changed = (Object.keys(params) as (keyof typeof params)[]).filter((k) => marker[k] !== params[k]);
  if (changed.length === 0) return marker;
  process.stderr.write(`synthetic lake: ${dir} was built with another ${changed.join(', ')}; rebuilding\n`);
  return undefined;
}

/** Removes `<dir>.building-<pid>` folders whose process is gone. */
function removeStaleBuilds(dir: string): void {
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  const prefix = `${basename(dir)}.building-`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (!alive) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Bytes on disk under `path` (allocated blocks, like `du`). */
export function diskUsageBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.blocks * 512;
  let total = stat.blocks * 512;
  for (const name of readdirSync(path)) total += diskUsageBytes(join(path, name));
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: String(LAKE_SEED) },
      years: { type: 'string', default: '5' },
      'per-week': { type: 'string', default: '6' },
      rebuild: { type: 'boolean', default: false },
    },
  });
  const lake = await openSyntheticLake({
    seed: Number(values.seed),
    years: Number(values.years),
    activitiesPerWeek: Number(values['per-week']),
    rebuild: values.rebuild,
  });
  lake.engine.close();
  const mib = (path: string) => (existsSync(path) ? Math.round(diskUsageBytes(path) / 2 ** 20) : 0);
  console.log(lake.reused ? `reused ${lake.dataDir}` : `built ${lake.dataDir}`);
  console.table({
    activities: lake.activities,
    samples: lake.samples,
    activityHours: lake.activityHours,
    buildS: lake.buildS,
    diskMiB: mib(lake.dataDir),
    samplesMiB: mib(join(lake.dataDir, 'lake', 'samples')),
    curvesMiB: mib(join(lake.dataDir, 'lake', 'curves')),
    originalsMiB: mib(join(lake.dataDir, 'originals')),
    catalogMiB: mib(join(lake.dataDir, 'catalog.duckdb')),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
