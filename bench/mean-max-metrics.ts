/**
 * CPU of `meanMax` per metric (power, speed, heart rate) for this tree next to a baseline checkout
 * (default /tmp/base-derive, as for bench/derive-cpu.ts), both imported into this one process and
 * alternated round by round (each round times all of a workload's series of one metric, after a
 * garbage collection) so that the noise of a shared machine hits both. Workloads: the curve
 * series (`analyzeActivityWithSeries(...).curveSeries`) of the synthetic athlete's first weeks
 * (µs per sample) and of the real 6 h ride (../shared/fixtures/real/misfits/clean-cycling-6h/
 * long.fit, ms per call; skipped when absent). Before timing, every curve of both trees is compared
 * bit for bit (Object.is on values, equal startS), so a faster figure cannot come from a different
 * answer.
 *
 *   node --expose-gc --import tsx bench/mean-max-metrics.ts [--base /tmp/base-derive] [--weeks 8] [--rounds 9]
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { activityStreams } from '../src/analytics/activity-streams.ts';
import { analyzeActivityWithSeries } from '../src/analytics/analyze-activity.ts';
import { planSyntheticActivities, syntheticActivityCsv } from '../src/demo/synthetic-activities.ts';
import { readActivityFile } from '../src/ingest/read-activity-file.ts';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: '/tmp/base-derive' },
    weeks: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '9' },
  },
});
const ROUNDS = Number(args.rounds);
const SEED = 20_200_106;
const METRICS = ['power', 'speed', 'heart_rate'] as const;
const LONG_RIDE = resolve(
  import.meta.dirname,
  '../../shared/fixtures/real/misfits/clean-cycling-6h/long.fit',
);

type Curve = { values: Float64Array; startS: Int32Array };
type MeanMax = (series: Float64Array) => Curve;
const kernels: Record<string, MeanMax> = {
  now: (await import(resolve(import.meta.dirname, '../src/analytics/mean-max.ts'))).meanMax,
};
if (existsSync(resolve(args.base, 'src/analytics/mean-max.ts')))
  kernels.base = (await import(resolve(args.base, 'src/analytics/mean-max.ts'))).meanMax;
else console.warn(`no baseline at ${args.base}: timing this tree only`);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

type Series = Partial<Record<(typeof METRICS)[number], Float64Array>>;
function curveSeries(bytes: Uint8Array, fileName: string): Series[] {
  return readActivityFile(bytes, fileName).activities.map(
    (a) => analyzeActivityWithSeries(activityStreams(a)).curveSeries as Series,
  );
}

const plan = planSyntheticActivities({ seed: SEED, years: Number(args.weeks) / 52 });
const workloads: { name: string; unit: 'µs/sample' | 'ms/call'; series: Series[] }[] = [
  {
    name: `synthetic athlete, ${args.weeks} weeks (${plan.length} activities)`,
    unit: 'µs/sample',
    series: plan.flatMap((p) => curveSeries(syntheticActivityCsv(p), p.fileName)),
  },
];
if (existsSync(LONG_RIDE))
  workloads.push({
    name: '6 h ride (long.fit)',
    unit: 'ms/call',
    series: curveSeries(new Uint8Array(readFileSync(LONG_RIDE)), 'long.fit'),
  });
else console.warn(`skipping the 6 h ride: ${LONG_RIDE} is absent`);

// Same answers, bit for bit, before any timing.
for (const w of workloads) {
  for (const s of w.series) {
    for (const m of METRICS) {
      const x = s[m];
      if (!x || !kernels.base) continue;
      const a = kernels.now!(x);
      const b = kernels.base(x);
      for (let i = 0; i < b.values.length; i++) {
        if (!Object.is(a.values[i], b.values[i]) || a.startS[i] !== b.startS[i])
          throw new Error(
            `${w.name} ${m} d=${i + 1}: ${a.values[i]}@${a.startS[i]} vs ${b.values[i]}@${b.startS[i]}`,
          );
      }
    }
  }
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const rows: Record<string, string | number>[] = [];
for (const w of workloads) {
  for (const m of METRICS) {
    const list = w.series.map((s) => s[m]).filter((x): x is Float64Array => x !== undefined);
    if (list.length === 0) continue;
    const samples = list.reduce((t, x) => t + x.length, 0);
    const times: Record<string, number[]> = {};
    for (const k of Object.keys(kernels)) times[k] = [];
    for (const x of list) for (const k of Object.keys(kernels)) kernels[k]!(x); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? Object.keys(kernels) : Object.keys(kernels).reverse();
      for (const k of order) {
        gc();
        const t = process.cpuUsage();
        for (const x of list) kernels[k]!(x);
        const u = process.cpuUsage(t);
        const cpu = u.user + u.system;
        times[k]!.push(cpu);
      }
    }
    const scale = w.unit === 'µs/sample' ? 1 / samples : 1 / 1000 / list.length;
    const row: Record<string, string | number> = { workload: w.name, metric: m, unit: w.unit };
    for (const k of Object.keys(kernels)) row[k] = Number((median(times[k]!) * scale).toFixed(3));
    if (kernels.base) row['base/now'] = Number((median(times.base!) / median(times.now!)).toFixed(2));
    rows.push(row);
  }
}
console.table(rows);
console.log(`${ROUNDS} rounds, CPU time (process.cpuUsage), medians`);
