/**
 * Ingest throughput: decode → normalize → Parquet + catalog, through the engine, as `peakform
 * ingest` does it. Two workloads: the 6-hour MisFITs ride (when ../shared is present) and a folder
 * of 200 synthetic rides. Each ingest goes to a new athlete, so every run writes for real (the
 * same bytes for the same athlete would be a no-op).
 *
 *   npx tsx bench/ingest-throughput.ts [--rides 200]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { writeSyntheticRideSet } from '../scripts/fixtures/synthetic-fit.ts';
import { Engine } from '../src/engine/engine.ts';
import { readActivityFile } from '../src/ingest/read-activity-file.ts';
import { peakRssMiB, writeBenchResult } from './report.ts';

const { values } = parseArgs({ options: { rides: { type: 'string', default: '200' } } });
const RIDE_COUNT = Number(values.rides);
const SEED = 20240510;
const LONG_RIDE = resolve(
  import.meta.dirname,
  '../../shared/fixtures/real/misfits/clean-cycling-6h/long.fit',
);
const CACHE_DIR = resolve(import.meta.dirname, '.cache', `rides-${SEED}-${RIDE_COUNT}`);

/** Encoding 200 rides takes about a minute, so the set is made once and cached (it is deterministic). */
function syntheticRides(): { fileName: string; bytes: Uint8Array }[] {
  if (!existsSync(CACHE_DIR)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    for (const ride of writeSyntheticRideSet({
      seed: SEED,
      count: RIDE_COUNT,
      startUtc: new Date('2023-01-02T07:00:00Z'),
    })) {
      writeFileSync(join(CACHE_DIR, ride.fileName), ride.bytes);
    }
  }
  return readdirSync(CACHE_DIR)
    .sort()
    .map((fileName) => ({ fileName, bytes: readFileSync(join(CACHE_DIR, fileName)) }));
}

function activityHoursAndSamples(files: { bytes: Uint8Array; fileName: string }[]) {
  let seconds = 0;
  let samples = 0;
  for (const f of files) {
    for (const a of readActivityFile(f.bytes, f.fileName).activities) {
      seconds += a.endS - a.startS + 1;
      samples += a.samples.timestampS.length;
    }
  }
  return { hours: seconds / 3600, samples };
}

const dataDir = await mkdtemp(join(tmpdir(), 'peakform-bench-ingest-'));
const engine = await Engine.open({ dataDir });
let athlete = 0;
const bench = new Bench({ iterations: 5, time: 0, warmupIterations: 1 });
const workloads: Record<string, { hours: number; samples: number; files: number }> = {};

if (existsSync(LONG_RIDE)) {
  const long = [{ fileName: 'long.fit', bytes: new Uint8Array(readFileSync(LONG_RIDE)) }];
  workloads['6 h ride: decode + normalize'] = { ...activityHoursAndSamples(long), files: 1 };
  workloads['6 h ride: decode → Parquet + catalog'] = workloads['6 h ride: decode + normalize'];
  bench.add('6 h ride: decode + normalize', () => {
    if (readActivityFile(long[0]!.bytes, 'long.fit').activities.length !== 1)
      throw new Error('expected one activity');
  });
  bench.add('6 h ride: decode → Parquet + catalog', async () => {
    const source = await engine.sources.ingest(`bench${athlete++}`, long[0]!.bytes, { fileName: 'long.fit' });
    if (source.status !== 'processed') throw new Error(source.error?.message);
  });
} else {
  console.warn(`skipping the 6 h ride: ${LONG_RIDE} is absent`);
}

const rides = syntheticRides();
workloads[`${RIDE_COUNT} synthetic rides → Parquet + catalog`] = {
  ...activityHoursAndSamples(rides),
  files: rides.length,
};
const rideBench = new Bench({ iterations: 2, time: 0, warmupIterations: 0 });
rideBench.add(`${RIDE_COUNT} synthetic rides → Parquet + catalog`, async () => {
  const id = `bench${athlete++}`;
  for (const ride of rides) {
    const source = await engine.sources.ingest(id, ride.bytes, { fileName: ride.fileName });
    if (source.status !== 'processed') throw new Error(source.error?.message);
  }
});

await bench.run();
await rideBench.run();
engine.close();
await rm(dataDir, { recursive: true, force: true });

const rows = [...bench.tasks, ...rideBench.tasks].map((task) => {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
  const w = workloads[task.name]!;
  const seconds = result.latency.mean / 1000;
  return {
    workload: task.name,
    files: w.files,
    activityHours: Number(w.hours.toFixed(2)),
    samples: w.samples,
    meanMs: Number(result.latency.mean.toFixed(1)),
    activityHoursPerS: Number((w.hours / seconds).toFixed(1)),
    samplesPerS: Math.round(w.samples / seconds),
  };
});
console.table(rows);
const peak = peakRssMiB();
console.log(`peak RSS: ${peak} MiB`);
console.log(`written to ${writeBenchResult('ingest-throughput', { rows, peakRssMiB: peak })}`);
