/**
 * CPU per sample of the ingest kernel, stage by stage — decode (FIT bytes → messages), normalise
 * (messages or text → canonical activities: `readActivityFile` minus decode) and derive
 * (`deriveActivity`: curves, fatigue curves, summaries) — for this tree next to a baseline
 * checkout (default /tmp/base-088, made with `git worktree add /tmp/base-088 088a5f5` and a
 * symlink to node_modules), both imported into this one process and alternated round by round so
 * that the noise of a shared machine hits both. Workloads: the real 6 h ride
 * (../shared/fixtures/real/misfits/clean-cycling-6h/long.fit, when present) and the synthetic
 * athlete's first weeks (CSV, as bench/bulk-ingest.ts makes them, with its thresholds). The
 * storage write is not included (bench/bulk-ingest.ts and bench/ingest-throughput.ts time it).
 * Before timing, both trees must read every file to the same activities (every sample column bit
 * for bit, laps, device, issues), and each round checks that they derive the same curves, so a
 * faster figure cannot come from a different answer.
 *
 * Run with --expose-gc so that the young generation is collected before each timed stage (not
 * counted), so a stage is not charged for collecting the previous stage's short-lived garbage. A
 * minor collection, not a full one: after a forced full collection the next call ran several
 * times slower (its optimised code had to be rebuilt), which charged every stage a cost that
 * ingest does not pay file after file (CSV reads measured 5.7 instead of 0.5 µs per sample).
 *
 *   node --expose-gc --import tsx bench/ingest-cpu.ts [--base /tmp/base-088] [--weeks 8] [--rounds 5]
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
import { peakRssMiB, writeBenchResult } from './report.ts';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: '/tmp/base-088' },
    weeks: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '5' },
  },
});
const ROUNDS = Number(args.rounds);
const LONG_RIDE = resolve(
  import.meta.dirname,
  '../../shared/fixtures/real/misfits/clean-cycling-6h/long.fit',
);
const SEED = 20_200_106;

interface Kernel {
  decodeFit: (bytes: Uint8Array) => unknown;
  readActivityFile: (
    bytes: Uint8Array,
    fileName?: string,
  ) => {
    activities: {
      sport: string;
      startS: number;
      utcOffsetS: number | null;
      samples: { timestampS: ArrayLike<number> };
    }[];
  };
  deriveActivity: (
    activity: never,
    thresholds: Record<string, number>,
  ) => {
    curves: {
      metric: string;
      afterKj: number;
      values: Float64Array;
      startS: Int32Array;
      envelope: Float64Array;
      envelopeDurationS: Int32Array;
      envelopeStartS: Int32Array;
    }[];
    summary: unknown;
  };
  resolveThresholds: (entries: never[], sport: string, localDate: string) => Record<string, number>;
}

async function loadKernel(root: string): Promise<Kernel> {
  const decode = await import(resolve(root, 'src/ingest/fit/decode-fit.ts'));
  // readFit's own decode: only the message kinds and record fields it reads, where the tree has
  // those options.
  const readFit = await import(resolve(root, 'src/ingest/fit/read-fit.ts'));
  const records = await import(resolve(root, 'src/ingest/fit/read-fit-records.ts'));
  const only: ReadonlySet<number> | undefined = readFit.READ_FIT_MESSAGES;
  const recordFields: ReadonlySet<string> | undefined = records.READ_FIT_RECORD_FIELDS;
  const read = await import(resolve(root, 'src/ingest/read-activity-file.ts'));
  const derive = await import(resolve(root, 'src/services/sources/derive-activity.ts'));
  const thresholds = await import(resolve(root, 'src/services/profile/resolve-thresholds.ts'));
  return {
    decodeFit: (bytes: Uint8Array) =>
      decode.decodeFit(bytes, 'fast', { ...(only && { only }), ...(recordFields && { recordFields }) }),
    readActivityFile: read.readActivityFile,
    deriveActivity: derive.deriveActivity,
    resolveThresholds: thresholds.resolveThresholds,
  };
}

const trees: Record<string, Kernel> = { now: await loadKernel(resolve(import.meta.dirname, '..')) };
if (existsSync(resolve(args.base, 'src'))) trees.base = await loadKernel(args.base);
else console.warn(`no baseline at ${args.base}: timing this tree only`);
if (!(globalThis as { gc?: unknown }).gc)
  console.warn('without --expose-gc, a stage may be charged for the garbage of the one before');

interface Workload {
  name: string;
  files: { fileName: string; bytes: Uint8Array }[];
  thresholds: never[];
  isFit: boolean;
}
const workloads: Workload[] = [];
if (existsSync(LONG_RIDE))
  workloads.push({
    name: '6 h ride (long.fit)',
    files: [{ fileName: 'long.fit', bytes: new Uint8Array(readFileSync(LONG_RIDE)) }],
    thresholds: [],
    isFit: true,
  });
else console.warn(`skipping the 6 h ride: ${LONG_RIDE} is absent`);
const plan = planSyntheticActivities({ seed: SEED, years: Number(args.weeks) / 52 });
workloads.push({
  name: `synthetic athlete, ${args.weeks} weeks (${plan.length} CSV files)`,
  files: plan.map((a) => ({ fileName: a.fileName, bytes: syntheticActivityCsv(a) })),
  thresholds: lakeThresholds(plan) as never[],
  isFit: false,
});

type Stage = 'decode' | 'read' | 'derive';
/** CPU µs per stage, per tree and workload, summed over timed calls. */
const cpu = new Map<string, { us: number; calls: number }>();
const add = (key: string, us: number) => {
  const t = cpu.get(key) ?? { us: 0, calls: 0 };
  t.us += us;
  t.calls++;
  cpu.set(key, t);
};
const gc = (globalThis as { gc?: (options: { type: 'minor' | 'major' }) => void }).gc;
const collect = gc ? () => gc({ type: 'minor' }) : () => {};
const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const samplesOf = new Map<string, number>();

/** One pass over a workload with one tree; returns a digest of the derived curves. */
function runOnce(tree: string, w: Workload, timed: boolean): string {
  const k = trees[tree]!;
  let decodeUs = 0;
  let readUs = 0;
  let deriveUs = 0;
  let samples = 0;
  let digest = 0;
  for (const f of w.files) {
    if (w.isFit) {
      collect();
      const t0 = cpuNow();
      k.decodeFit(f.bytes);
      decodeUs += cpuNow() - t0;
    }
    collect();
    const t1 = cpuNow();
    const read = k.readActivityFile(f.bytes, f.fileName);
    readUs += cpuNow() - t1;
    for (const activity of read.activities) {
      samples += activity.samples.timestampS.length;
      const localDate = new Date((activity.startS + (activity.utcOffsetS ?? 0)) * 1000)
        .toISOString()
        .slice(0, 10);
      const thresholds = k.resolveThresholds(w.thresholds, activity.sport, localDate);
      collect();
      const t2 = cpuNow();
      const derived = k.deriveActivity(activity as never, thresholds);
      deriveUs += cpuNow() - t2;
      for (const c of derived.curves) {
        digest = (digest * 31 + c.values.length + c.afterKj) % 1_000_000_007;
        for (let d = 0; d < c.values.length; d += 7)
          digest =
            (digest * 31 + Math.round(c.values[d]! * 1e6) + c.startS[d]! + c.envelopeDurationS[d]!) %
            1_000_000_007;
      }
      digest = (digest * 31 + JSON.stringify(derived.summary).length) % 1_000_000_007;
    }
  }
  samplesOf.set(w.name, samples);
  if (timed) {
    if (w.isFit) add(`${tree} ${w.name} decode`, decodeUs);
    add(`${tree} ${w.name} read`, readUs);
    add(`${tree} ${w.name} derive`, deriveUs);
  }
  return `${samples}:${digest}`;
}

/**
 * Everything a read gives (activities, samples, laps, device, issues) as one string, every number
 * bit for bit: a Float64Array by a hash of its words, a number by its text (-0 and NaN included).
 */
function fingerprint(value: unknown): string {
  if (value instanceof Float64Array) {
    const words = new Uint32Array(value.buffer, value.byteOffset, value.length * 2);
    let hash = 0x811c9dc5;
    for (let i = 0; i < words.length; i++) hash = Math.imul(hash ^ words[i]!, 0x01000193);
    return `f64[${value.length}]:${hash >>> 0}`;
  }
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (Array.isArray(value)) return `[${value.map(fingerprint).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, entry]) => `${key}:${fingerprint(entry)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

// Warm-up of each tree on each workload (not counted), and the equality checks: the trees read
// every file to the same activities, and derive the same curves from them.
for (const w of workloads) {
  for (const f of w.files) {
    const reads = Object.values(trees).map((k) => fingerprint(k.readActivityFile(f.bytes, f.fileName)));
    if (new Set(reads).size !== 1) throw new Error(`${w.name}: the trees read ${f.fileName} differently`);
  }
  const digests = Object.keys(trees).map((tree) => runOnce(tree, w, false));
  if (new Set(digests).size !== 1)
    throw new Error(`${w.name}: the trees derive different curves (${digests})`);
}

// tinybench drives the rounds (one task per tree and workload, run alternately).
const bench = new Bench({ iterations: 1, time: 0, warmupIterations: 0 });
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? Object.keys(trees) : Object.keys(trees).reverse();
  for (const w of workloads)
    for (const tree of order) bench.add(`${round} ${tree} ${w.name}`, () => void runOnce(tree, w, true));
}
await bench.run();

const perSample = (tree: string, w: Workload, stage: Stage): number => {
  const t = cpu.get(`${tree} ${w.name} ${stage}`);
  return t ? t.us / t.calls / samplesOf.get(w.name)! : 0;
};
const rows = workloads.flatMap((w) =>
  Object.keys(trees).map((tree) => {
    const decode = perSample(tree, w, 'decode');
    const read = perSample(tree, w, 'read');
    const derive = perSample(tree, w, 'derive');
    return {
      workload: w.name,
      tree,
      samples: samplesOf.get(w.name)!,
      decodeUsPerSample: Number(decode.toFixed(3)),
      normaliseUsPerSample: Number((read - decode).toFixed(3)),
      deriveUsPerSample: Number(derive.toFixed(3)),
      totalUsPerSample: Number((read + derive).toFixed(3)),
      samplesPerCpuS: Math.round(1e6 / (read + derive)),
    };
  }),
);
console.table(rows);
const ratios = workloads.map((w) => {
  const [now, base] = ['now', 'base'].map((tree) =>
    rows.find((r) => r.workload === w.name && r.tree === tree),
  );
  return {
    workload: w.name,
    decode: base && now ? Number((base.decodeUsPerSample / now.decodeUsPerSample).toFixed(2)) : null,
    normalise: base && now ? Number((base.normaliseUsPerSample / now.normaliseUsPerSample).toFixed(2)) : null,
    derive: base && now ? Number((base.deriveUsPerSample / now.deriveUsPerSample).toFixed(2)) : null,
    total: base && now ? Number((base.totalUsPerSample / now.totalUsPerSample).toFixed(2)) : null,
  };
});
console.log('base / now (CPU per sample, higher is better now):');
console.table(ratios);
const peak = peakRssMiB();
console.log(`peak RSS: ${peak} MiB`);
console.log(
  `written to ${writeBenchResult('ingest-cpu', { base: args.base, rounds: ROUNDS, rows, ratios, peakRssMiB: peak })}`,
);
