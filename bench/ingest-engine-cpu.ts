/**
 * Whole ingest of the real 6 h ride through the engine (`engine.sources.ingest`: decode,
 * normalise, derive, Parquet files and catalog rows), CPU per sample of this process (its decode
 * workers included), for this tree next to a baseline checkout (default /tmp/base-088; see
 * bench/ingest-cpu.ts), both engines open in this one process and alternated round by round. With
 * `--athletes each` (the default) every ingest goes to a new athlete; with `--athletes one` all go
 * to one athlete, as in a backfill, each a variant of the FIT file that decodes to the same
 * activity (another profile-version field in its header, CRCs recomputed) so that every round
 * writes for real. The storage part is whatever each
 * tree's store does; bench/ingest-cpu.ts times the kernel stages alone. Before timing, each tree
 * ingests the ride --warmup times untimed: a server ingesting a backlog runs its decode worker's
 * code optimised, and the first few ingests of a fresh process cost 2–10× more while V8 compiles
 * it (the first ingest's CPU is printed apart).
 *
 * `--file` times another file instead (e.g. data/fixtures/ride-short.fit: a short upload, where
 * the per-file costs of the catalog commit weigh most).
 *
 *   npx tsx bench/ingest-engine-cpu.ts [--base /tmp/base-088] [--rounds 5] [--warmup 8] [--file F]
 *     [--athletes each|one]
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { fitCrc } from '../src/ingest/fit/decode-fit-fast.ts';
import { readActivityFile } from '../src/ingest/read-activity-file.ts';
import { peakRssMiB, writeBenchResult } from './report.ts';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: '/tmp/base-088' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '8' },
    file: { type: 'string' },
    athletes: { type: 'string', default: 'each' },
  },
});
if (args.athletes !== 'each' && args.athletes !== 'one') throw new Error('--athletes is each or one');
const FILE = args.file
  ? resolve(args.file)
  : resolve(import.meta.dirname, '../../shared/fixtures/real/misfits/clean-cycling-6h/long.fit');
const FILE_NAME = basename(FILE);
if (!existsSync(FILE)) {
  console.warn(`${FILE} is absent: nothing to time`);
  process.exit(0);
}
const bytes = new Uint8Array(readFileSync(FILE));
const SAMPLES = readActivityFile(bytes, FILE_NAME).activities.reduce(
  (n, a) => n + a.samples.timestampS.length,
  0,
);

interface EngineLike {
  sources: {
    ingest(athleteId: string, bytes: Uint8Array, options: { fileName: string }): Promise<{ status: string }>;
  };
  warmUp(): void;
  close(): void;
}
// The baseline opens first and starts its workers before this tree's engine sets the workers' heap
// flag (engine/worker-heaps.ts), which is process-wide: the baseline runs with V8's defaults, as it
// did in its day.
const roots: Record<string, string> = {};
if (existsSync(resolve(args.base, 'src'))) roots.base = args.base;
roots.now = resolve(import.meta.dirname, '..');
const engines: Record<string, EngineLike> = {};
const dirs: string[] = [];
for (const [tree, root] of Object.entries(roots)) {
  const { Engine } = await import(resolve(root, 'src/engine/engine.ts'));
  const dataDir = await mkdtemp(join(tmpdir(), `peakform-bench-engine-${tree}-`));
  dirs.push(dataDir);
  engines[tree] = (await Engine.open({ dataDir })) as EngineLike;
  engines[tree].warmUp();
}

/**
 * The FIT file with `n` in its header's profile-version field and both CRCs recomputed: other
 * bytes, so another source, but the same records.
 */
function variant(n: number): Uint8Array {
  if (bytes[0] !== 14 || bytes.length < 16)
    throw new Error('--athletes one needs a FIT file with a 14-byte header');
  const copy = bytes.slice();
  copy[2] = n & 0xff;
  copy[3] = (n >> 8) & 0xff;
  if (copy[12] !== 0 || copy[13] !== 0) {
    const headerCrc = fitCrc(copy, 0, 12);
    copy[12] = headerCrc & 0xff;
    copy[13] = headerCrc >> 8;
  }
  const fileCrc = fitCrc(copy, 0, copy.length - 2);
  copy[copy.length - 2] = fileCrc & 0xff;
  copy[copy.length - 1] = fileCrc >> 8;
  return copy;
}

let ingests = 0;
const cpuUs: Record<string, number[]> = {};
async function ingestOnce(tree: string, timed: boolean): Promise<void> {
  const n = ingests++;
  const [athleteId, file] = args.athletes === 'one' ? ['bench', variant(n)] : [`bench${n}`, bytes];
  const start = process.cpuUsage();
  const source = await engines[tree]!.sources.ingest(athleteId, file, { fileName: FILE_NAME });
  const used = process.cpuUsage(start);
  if (source.status !== 'processed') throw new Error(`${tree}: ${source.status}`);
  if (!timed) return;
  cpuUs[tree] ??= [];
  cpuUs[tree].push(used.user + used.system);
}
const firstCpuMs: Record<string, number> = {};
for (const tree of Object.keys(engines)) {
  const start = process.cpuUsage();
  await ingestOnce(tree, false);
  const used = process.cpuUsage(start);
  firstCpuMs[tree] = Math.round((used.user + used.system) / 1000);
}
for (let i = 1; i < Number(args.warmup); i++)
  for (const tree of Object.keys(engines)) await ingestOnce(tree, false);
// One call per task and no warm-up phase: the warm-up is ours, above. `async: true`, or tinybench
// calls the function once more to find out, without awaiting it (overlapping ingests).
const bench = new Bench({ iterations: 1, time: 0, warmup: false });
for (let round = 0; round < Number(args.rounds); round++) {
  const order = round % 2 === 0 ? Object.keys(engines) : Object.keys(engines).reverse();
  for (const tree of order) bench.add(`${round} ${tree}`, () => ingestOnce(tree, true), { async: true });
}
await bench.run();
for (const engine of Object.values(engines)) engine.close();
for (const dir of dirs) await rm(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = Object.keys(engines).map((tree) => {
  const us = median(cpuUs[tree]!);
  return {
    tree,
    samples: SAMPLES,
    firstIngestCpuMs: firstCpuMs[tree],
    medianCpuMs: Number((us / 1000).toFixed(0)),
    cpuUsPerSample: Number((us / SAMPLES).toFixed(2)),
    samplesPerCpuS: Math.round(SAMPLES / (us / 1e6)),
  };
});
console.table(rows);
const [now, base] = [rows.find((r) => r.tree === 'now'), rows.find((r) => r.tree === 'base')];
if (now && base)
  console.log(`base / now: ${(base.cpuUsPerSample / now.cpuUsPerSample).toFixed(2)}× less CPU per sample`);
const peak = peakRssMiB();
console.log(`peak RSS: ${peak} MiB`);
console.log(
  `written to ${writeBenchResult('ingest-engine-cpu', { file: FILE_NAME, athletes: args.athletes, base: args.base, warmup: Number(args.warmup), rows, cpuUs, peakRssMiB: peak })}`,
);
