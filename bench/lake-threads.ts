/**
 * Where the lake formats' CPU goes, by thread (issue 11 item 4): streams a year of the synthetic
 * athlete (bench/synthetic-lake.ts's cached lake, or `--data DIR`) as Arrow, CSV and JSON through
 * the lake worker pool, power only and every wire metric, in process, and reads each thread's CPU
 * from `/proc/self/task` (Linux) around every stream: the main thread, the lake workers and V8's
 * helper threads (its collector's), which is where the time went once the workers got cheap.
 *
 * `--root DIR` loads the engine and the formats from another checkout (`git worktree add
 * /tmp/base <rev>`, node_modules linked), so two trees compare by running this twice, alternately,
 * on the same lake. A tree from before the lake text formats measures Arrow only.
 *
 *   npx tsx bench/lake-threads.ts [--root DIR] [--data DIR] [--rounds 2] [--formats arrow,csv,json,parquet]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WIRE_METRICS } from '../src/domain/metrics.ts';
import { openSyntheticLake } from './synthetic-lake.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    data: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    formats: { type: 'string', default: 'arrow,csv,json' },
  },
});
const ROOT = resolve(values.root ?? resolve(import.meta.dirname, '..'));
const ROUNDS = Number(values.rounds);

const { Engine } = await import(resolve(ROOT, 'src/engine/engine.ts'));
const streams = await import(resolve(ROOT, 'src/query/formats/lake-arrow-stream.ts'));
const { lakeArrowPool } = await import(resolve(ROOT, 'src/query/formats/lake-arrow-pool.ts'));
const STREAM: Record<string, ((plan: unknown) => AsyncIterable<Uint8Array>) | undefined> = {
  arrow: streams.streamLakeArrow,
  csv: streams.streamLakeCsv,
  json: streams.streamLakeJson,
  parquet: streams.streamLakeParquet,
};

if (values.root && !values.data)
  throw new Error('--root needs --data: the lake this tree built (bench/.cache/lake-20200106-1y)');
// Without --data, this tree builds (or finds cached) the 1-year synthetic lake and opens it.
const { engine, athleteId: athlete } = values.data
  ? { engine: await Engine.open({ dataDir: values.data }), athleteId: 'bench' }
  : await openSyntheticLake({ seed: 20_200_106, years: 1, progress: true });

/** Each thread's user + system CPU in ms, by thread id (empty where /proc is missing). */
function threadCpu(): Map<string, number> {
  const cpu = new Map<string, number>();
  if (!existsSync('/proc/self/task')) return cpu;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return cpu;
}

const plans = new Map<string, unknown>();
for (const [name, metrics] of [
  ['power', ['power']],
  ['all metrics', WIRE_METRICS.map((m) => m.name)],
] as const) {
  const result = await engine.longitudinal.data(athlete, { metrics: [...metrics] });
  await result.batches.return(undefined);
  plans.set(name, result.lake ?? result.lakeArrow);
}
lakeArrowPool().warm();
const formats = values.formats.split(',').filter((f) => STREAM[f]);
// Warm-up: the workers load and the code paths compile.
for (const format of formats) for await (const _ of STREAM[format]!(plans.get('power'))) void _;

const rows: Record<string, string | number>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const format of formats) {
    for (const [name, plan] of plans) {
      const before = threadCpu();
      const started = performance.now();
      let bytes = 0;
      for await (const chunk of STREAM[format]!(plan)) bytes += chunk.byteLength;
      const seconds = (performance.now() - started) / 1000;
      const spent = [...threadCpu()].map(([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)] as const);
      const main = spent.find(([tid]) => tid === String(process.pid))?.[1] ?? 0;
      const busiest = spent.filter(([tid]) => tid !== String(process.pid)).sort((a, b) => b[1] - a[1]);
      rows.push({
        round: round + 1,
        format,
        metrics: name,
        MB: Math.round(bytes / 1e5) / 10,
        seconds: Math.round(seconds * 1000) / 1000,
        mainMs: main,
        // The pool's workers are the busiest threads; the rest are V8's and DuckDB's.
        workersMs: busiest.slice(0, lakeArrowPool().size).reduce((n, [, ms]) => n + ms, 0),
        otherThreadsMs: busiest.slice(lakeArrowPool().size).reduce((n, [, ms]) => n + ms, 0),
      });
    }
  }
}
console.log(`tree: ${ROOT}`);
console.table(rows);
engine.close();
await lakeArrowPool().close();
