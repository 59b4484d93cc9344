/**
 * Bulk ingest (issue 11 item 1): the synthetic athlete's first weeks (CSV, as
 * bench/synthetic-lake.ts generates them, with its thresholds), ingested file by file
 * (`engine.sources.ingest`, today's path) and as one folder (`engine.sources.ingestMany`), the two
 * alternated round by round in one process so that the noise of a shared machine hits both. Each
 * round writes to a new athlete, so every file is written for real. Reports samples per
 * CPU-second (this process and its decode workers) and wall samples per second, and the ratios.
 *
 * `--base DIR` adds a baseline checkout's paths (its single-file path when it has no bulk one) to
 * the same rounds, e.g. 088a5f5, the tree issue 11 was measured on (`git worktree add
 * /tmp/base-088 088a5f5`). Its engine is loaded from that tree and opened first, so that its workers keep V8's default heap (engine/worker-heaps.ts
 * sets a process-wide flag). Machines differ by tens of percent from day to day; a ratio measured
 * in one run does not.
 *
 *   npx tsx bench/bulk-ingest.ts [--weeks 4] [--rounds 3] [--path single|bulk|both] [--base DIR]
 *
 * On a tree without `ingestMany` (a baseline checkout) only the single-file path runs.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  lakeThresholds,
  planSyntheticActivities,
  syntheticActivityCsv,
} from '../src/demo/synthetic-activities.ts';
import { peakRssMiB, writeBenchResult } from './report.ts';

const { values } = parseArgs({
  options: {
    weeks: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    path: { type: 'string', default: 'both' },
    base: { type: 'string' },
  },
});
const WEEKS = Number(values.weeks);
const ROUNDS = Number(values.rounds);
const SEED = 20_200_106;

const plan = planSyntheticActivities({ seed: SEED, years: WEEKS / 52 });
const files = plan.map((activity) => ({
  fileName: activity.fileName,
  bytes: syntheticActivityCsv(activity),
}));

type Path = 'single' | 'bulk';
/** What this bench uses of an engine, of this tree or of a baseline checkout's. */
interface EngineLike {
  sources: {
    ingest(athleteId: string, bytes: Uint8Array, options: { fileName: string }): Promise<{ status: string }>;
    ingestMany?: (
      athleteId: string,
      files: { fileName: string; read: () => Promise<Uint8Array> }[],
    ) => Promise<{ status: string }[]>;
  };
  profile: { setThresholds(athleteId: string, thresholds: unknown): Promise<unknown> };
  store: { all<T>(sql: string, params?: unknown[]): Promise<T[]> };
  warmUp(): void;
  close(): void;
}
interface Runner {
  label: string;
  engine: EngineLike;
  path: Path;
}

const dataDirs: string[] = [];
async function openEngine(root: string): Promise<EngineLike> {
  const { Engine } = await import(resolve(root, 'src/engine/engine.ts'));
  const dataDir = await mkdtemp(join(tmpdir(), 'peakform-bench-bulk-'));
  dataDirs.push(dataDir);
  const engine = (await Engine.open({ dataDir })) as EngineLike;
  engine.warmUp();
  return engine;
}
const runners: Runner[] = [];
/** The requested paths an engine has (a tree before bulk ingest has only the single-file path). */
function pathsOf(engine: EngineLike): Path[] {
  return (['single', 'bulk'] as const).filter(
    (p) => (values.path === 'both' || values.path === p) && (p === 'single' || engine.sources.ingestMany),
  );
}
if (values.base !== undefined) {
  if (!existsSync(resolve(values.base, 'src/engine/engine.ts')))
    throw new Error(`--base ${values.base}: no Peakform tree there`);
  const base = await openEngine(values.base);
  // A baseline without the requested bulk path runs its single-file path.
  const basePaths = pathsOf(base).length > 0 ? pathsOf(base) : (['single'] as const);
  for (const path of basePaths) runners.push({ label: `base ${path}`, engine: base, path });
}
const engine = await openEngine(resolve(import.meta.dirname, '..'));
for (const path of pathsOf(engine)) runners.push({ label: path, engine, path });
let athlete = 0;

async function runOnce({ engine, path }: Runner): Promise<{ wallS: number; cpuS: number; rows: number }> {
  const athleteId = `bench${athlete++}`;
  for (const thresholds of lakeThresholds(plan)) await engine.profile.setThresholds(athleteId, thresholds);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let results: { status: string }[];
  if (path === 'single') {
    results = [];
    for (const f of files)
      results.push(await engine.sources.ingest(athleteId, f.bytes, { fileName: f.fileName }));
  } else {
    results = await engine.sources.ingestMany!(
      athleteId,
      files.map((f) => ({ fileName: f.fileName, read: async () => f.bytes })),
    );
  }
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (results.some((r) => r.status !== 'processed')) throw new Error(`${path}: a file failed`);
  const [row] = await engine.store.all<{ n: number }>(
    'SELECT CAST(sum(sample_count) AS DOUBLE) AS n FROM activities WHERE athlete_id = $1',
    [athleteId],
  );
  return { wallS, cpuS: (used.user + used.system) / 1e6, rows: row?.n ?? 0 };
}

// A warm-up of each runner (workers started, statements and caches warm), not counted; it also
// counts the samples (rows) the files hold.
let samples = 0;
for (const runner of runners) samples = (await runOnce(runner)).rows;
const runs = new Map<string, { wallS: number; cpuS: number }[]>(runners.map((r) => [r.label, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const runner of round % 2 === 0 ? runners : [...runners].reverse()) {
    const run = await runOnce(runner);
    runs.get(runner.label)!.push(run);
    process.stderr.write(
      `round ${round + 1} ${runner.label}: ${run.wallS.toFixed(2)} s wall, ${run.cpuS.toFixed(2)} s CPU, ${run.rows} rows\n`,
    );
  }
}
for (const runner of new Set(runners.map((r) => r.engine))) runner.close();
for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = runners.map(({ label }) => {
  const wallS = median(runs.get(label)!.map((r) => r.wallS));
  const cpuS = median(runs.get(label)!.map((r) => r.cpuS));
  return {
    path: label,
    files: files.length,
    samples,
    medianWallS: Number(wallS.toFixed(2)),
    medianCpuS: Number(cpuS.toFixed(2)),
    samplesPerCpuS: Math.round(samples / cpuS),
    wallSamplesPerS: Math.round(samples / wallS),
  };
});
console.table(rows);
const ratios: Record<string, { cpu: number; wall: number }> = {};
const bulk = rows.find((r) => r.path === 'bulk');
for (const reference of rows.filter((r) => r !== bulk)) {
  if (!bulk) break;
  const ratio = {
    cpu: Number((bulk.samplesPerCpuS / reference.samplesPerCpuS).toFixed(2)),
    wall: Number((bulk.wallSamplesPerS / reference.wallSamplesPerS).toFixed(2)),
  };
  ratios[`bulk / ${reference.path}`] = ratio;
  console.log(
    `bulk / ${reference.path}: ${ratio.cpu}× samples per CPU-second, ${ratio.wall}× wall samples/s`,
  );
}
const peak = peakRssMiB();
console.log(`peak RSS: ${peak} MiB`);
console.log(
  `written to ${writeBenchResult('bulk-ingest', { weeks: WEEKS, rounds: ROUNDS, base: values.base ?? null, rows, ratios, runs: Object.fromEntries(runs), peakRssMiB: peak })}`,
);
