/**
 * CPU per sample of `deriveActivity` (curves, fatigue curves, envelopes, summaries) for this tree
 * next to a baseline checkout (default /tmp/base-derive, made with
 * `git worktree add /tmp/base-derive a576f6c && ln -s /work/main/node_modules /tmp/base-derive/node_modules`),
 * both imported into this one process and alternated round by round so that the noise of a shared
 * machine hits both. Workloads: the real 6 h ride
 * (../shared/fixtures/real/misfits/clean-cycling-6h/long.fit, skipped when absent) and the
 * synthetic athlete's first weeks (CSV, with its thresholds). Files are read once, outside the
 * timing, by the baseline's reader when there is one. Before timing, every derived output of both trees is compared value by value
 * (Object.is on every number of every array and summary field), so a faster figure cannot come
 * from a different answer.
 *
 * Run with --expose-gc so that garbage is collected before each timed call (not counted):
 *
 *   node --expose-gc --import tsx bench/derive-cpu.ts [--base /tmp/base-derive] [--weeks 8] [--rounds 9]
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import {
  lakeThresholds,
  planSyntheticActivities,
  syntheticActivityCsv,
} from '../src/demo/synthetic-activities.ts';
import { peakRssMiB } from './report.ts';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: '/tmp/base-derive' },
    weeks: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '9' },
  },
});
const ROUNDS = Number(args.rounds);
const LONG_RIDE = resolve(
  import.meta.dirname,
  '../../shared/fixtures/real/misfits/clean-cycling-6h/long.fit',
);
const SEED = 20_200_106;

interface Activity {
  sport: string;
  startS: number;
  utcOffsetS: number | null;
  samples: { timestampS: ArrayLike<number> };
}

interface Kernel {
  readActivityFile: (bytes: Uint8Array, fileName?: string) => { activities: Activity[] };
  deriveActivity: (activity: Activity, thresholds: Record<string, number>) => unknown;
  resolveThresholds: (entries: never[], sport: string, localDate: string) => Record<string, number>;
}

async function loadKernel(root: string): Promise<Kernel> {
  const read = await import(resolve(root, 'src/ingest/read-activity-file.ts'));
  const derive = await import(resolve(root, 'src/services/sources/derive-activity.ts'));
  const thresholds = await import(resolve(root, 'src/services/profile/resolve-thresholds.ts'));
  return {
    readActivityFile: read.readActivityFile,
    deriveActivity: derive.deriveActivity,
    resolveThresholds: thresholds.resolveThresholds,
  };
}

const trees: Record<string, Kernel> = { now: await loadKernel(resolve(import.meta.dirname, '..')) };
if (existsSync(resolve(args.base, 'src'))) trees.base = await loadKernel(args.base);
else console.warn(`no baseline at ${args.base}: timing this tree only`);
if (!(globalThis as { gc?: unknown }).gc)
  console.warn('without --expose-gc, a call may be charged for the garbage of the one before');

/** One activity ready to derive (read once, with this tree's reader), with its thresholds. */
interface Job {
  activity: Activity;
  thresholds: Record<string, number>;
}
interface Workload {
  name: string;
  jobs: Job[];
  samples: number;
}

/** Reads with the baseline's reader when there is one: the reader is not timed, and it is steady. */
function prepare(name: string, files: { fileName: string; bytes: Uint8Array }[], entries: never[]) {
  const k = trees.base ?? trees.now!;
  const jobs: Job[] = [];
  let samples = 0;
  for (const f of files) {
    for (const activity of k.readActivityFile(f.bytes, f.fileName).activities) {
      const localDate = new Date((activity.startS + (activity.utcOffsetS ?? 0)) * 1000)
        .toISOString()
        .slice(0, 10);
      jobs.push({ activity, thresholds: k.resolveThresholds(entries, activity.sport, localDate) });
      samples += activity.samples.timestampS.length;
    }
  }
  return { name, jobs, samples };
}

const workloads: Workload[] = [];
if (existsSync(LONG_RIDE))
  workloads.push(
    prepare(
      '6 h ride (long.fit)',
      [{ fileName: 'long.fit', bytes: new Uint8Array(readFileSync(LONG_RIDE)) }],
      [],
    ),
  );
else console.warn(`skipping the 6 h ride: ${LONG_RIDE} is absent`);
const plan = planSyntheticActivities({ seed: SEED, years: Number(args.weeks) / 52 });
workloads.push(
  prepare(
    `synthetic athlete, ${args.weeks} weeks (${plan.length} CSV files)`,
    plan.map((a) => ({ fileName: a.fileName, bytes: syntheticActivityCsv(a) })),
    lakeThresholds(plan) as never[],
  ),
);

/** Path of the first difference between two derived outputs (numbers by Object.is), or null. */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? null : `${path}: ${a} ≠ ${b}`;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor)
      return `${path}: array types differ`;
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return `${path}: length ${x.length} ≠ ${y.length}`;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `${path}[${i}]: ${x[i]} ≠ ${y[i]}`;
    return null;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object')
    return a === b ? null : `${path}: ${String(a)} ≠ ${String(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const d = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (d) return d;
  }
  return null;
}

// Warm-up of each tree on each workload (not counted), and the equality check.
for (const w of workloads) {
  for (const job of w.jobs) {
    const outputs = Object.values(trees).map((k) => k.deriveActivity(job.activity, job.thresholds));
    const d = outputs.length > 1 ? firstDifference(outputs[0], outputs[1]) : null;
    if (d) throw new Error(`${w.name}: the trees derive different output at ${d}`);
  }
}

const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** CPU µs per sample of each round, per tree and workload. */
const rounds = new Map<string, number[]>();

function runOnce(tree: string, w: Workload): void {
  const k = trees[tree]!;
  let us = 0;
  for (const job of w.jobs) {
    collect();
    const t0 = cpuNow();
    k.deriveActivity(job.activity, job.thresholds);
    us += cpuNow() - t0;
  }
  const key = `${tree} ${w.name}`;
  rounds.set(key, [...(rounds.get(key) ?? []), us / w.samples]);
}

// tinybench drives the rounds (one task per round, tree and workload, trees alternating).
const bench = new Bench({ iterations: 1, time: 0, warmupIterations: 0 });
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? Object.keys(trees) : Object.keys(trees).reverse();
  for (const w of workloads)
    for (const tree of order) bench.add(`${round} ${tree} ${w.name}`, () => runOnce(tree, w));
}
await bench.run();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rows = workloads.flatMap((w) =>
  Object.keys(trees).map((tree) => {
    const us = rounds.get(`${tree} ${w.name}`)!;
    return {
      workload: w.name,
      tree,
      samples: w.samples,
      medianUsPerSample: Number(median(us).toFixed(3)),
      minUsPerSample: Number(Math.min(...us).toFixed(3)),
    };
  }),
);
console.table(rows);
if (trees.base) {
  // The paired ratio (same round, the two trees run back to back) is steadier than a ratio of
  // medians when the machine's load changes from round to round.
  console.log('base / now (CPU per sample, higher is better now):');
  console.table(
    workloads.map((w) => {
      const [now, base] = ['now', 'base'].map((tree) => rounds.get(`${tree} ${w.name}`)!);
      return {
        workload: w.name,
        ofMedians: Number((median(base!) / median(now!)).toFixed(2)),
        pairedMedian: Number(median(base!.map((b, round) => b / now![round]!)).toFixed(2)),
      };
    }),
  );
}
console.log(`${ROUNDS} rounds; peak RSS: ${peakRssMiB()} MiB`);
