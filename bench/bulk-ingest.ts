/**
 * Bulk ingest (issue 11 item 1): the synthetic athlete's first weeks (CSV, as
 * bench/synthetic-lake.ts generates them, with its thresholds), ingested file by file
 * (`engine.sources.ingest`, today's path) and as one folder (`engine.sources.ingestMany`), the two
 * alternated round by round in one process so that the noise of a shared machine hits both. Each
 * round writes to a new athlete, so every file is written for real. Reports samples per
 * CPU-second (this process and its decode workers) and wall samples per second, and the ratio.
 *
 *   npx tsx bench/bulk-ingest.ts [--weeks 4] [--rounds 3] [--path single|bulk|both]
 *
 * On a tree without `ingestMany` (a baseline checkout) only the single-file path runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  lakeThresholds,
  planSyntheticActivities,
  syntheticActivityCsv,
} from '../src/demo/synthetic-activities.ts';
import { Engine } from '../src/engine/engine.ts';
import { peakRssMiB, writeBenchResult } from './report.ts';

const { values } = parseArgs({
  options: {
    weeks: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    path: { type: 'string', default: 'both' },
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

const dataDir = await mkdtemp(join(tmpdir(), 'peakform-bench-bulk-'));
const engine = await Engine.open({ dataDir });
engine.warmUp();
type Path = 'single' | 'bulk';
const sources = engine.sources as typeof engine.sources & {
  ingestMany?: (
    athleteId: string,
    files: { fileName: string; read: () => Promise<Uint8Array> }[],
  ) => Promise<{ status: string }[]>;
};
const paths: Path[] = (['single', 'bulk'] as const).filter(
  (p) => (values.path === 'both' || values.path === p) && (p === 'single' || sources.ingestMany),
);
let athlete = 0;

async function runOnce(path: Path): Promise<{ wallS: number; cpuS: number; rows: number }> {
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
    results = await sources.ingestMany!(
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

// A warm-up of each path (workers started, statements and caches warm), not counted; it also
// counts the samples (rows) the files hold.
let samples = 0;
for (const path of paths) samples = (await runOnce(path)).rows;
const runs: Record<Path, { wallS: number; cpuS: number }[]> = { single: [], bulk: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const path of round % 2 === 0 ? paths : [...paths].reverse()) {
    const run = await runOnce(path);
    runs[path].push(run);
    process.stderr.write(
      `round ${round + 1} ${path}: ${run.wallS.toFixed(2)} s wall, ${run.cpuS.toFixed(2)} s CPU, ${run.rows} rows\n`,
    );
  }
}
engine.close();
await rm(dataDir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = paths.map((path) => {
  const wallS = median(runs[path].map((r) => r.wallS));
  const cpuS = median(runs[path].map((r) => r.cpuS));
  return {
    path,
    files: files.length,
    samples,
    medianWallS: Number(wallS.toFixed(2)),
    medianCpuS: Number(cpuS.toFixed(2)),
    samplesPerCpuS: Math.round(samples / cpuS),
    wallSamplesPerS: Math.round(samples / wallS),
  };
});
console.table(rows);
const [single, bulk] = [rows.find((r) => r.path === 'single'), rows.find((r) => r.path === 'bulk')];
const ratio =
  single && bulk
    ? {
        cpu: Number((bulk.samplesPerCpuS / single.samplesPerCpuS).toFixed(2)),
        wall: Number((bulk.wallSamplesPerS / single.wallSamplesPerS).toFixed(2)),
      }
    : undefined;
if (ratio) console.log(`bulk / single: ${ratio.cpu}× samples per CPU-second, ${ratio.wall}× wall samples/s`);
const peak = peakRssMiB();
console.log(`peak RSS: ${peak} MiB`);
console.log(
  `written to ${writeBenchResult('bulk-ingest', { weeks: WEEKS, rounds: ROUNDS, rows, ratio, runs, peakRssMiB: peak })}`,
);
