/**
 * FIT decoding, µs per record: `@garmin/fitsdk`'s Decoder (today's path before issue 11) next to
 * the fast decoder (`src/ingest/fit/decode-fit-fast.ts`), in the same run, on the real 6 h rides
 * of ../shared (when present) and on the project's data/fixtures. Both go through `decodeFit`, so
 * the figures include the integrity check and the salvage pass; a fast run that fell back to the
 * SDK would be an error here. A second pair of columns times `readFit` (bytes → activities, the
 * ingest step before derivation) with each decoder.
 *
 *   npx tsx bench/fit-decode.ts
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Bench } from 'tinybench';
import { decodeFit, type FitDecoderName } from '../src/ingest/fit/decode-fit.ts';
import { readFit } from '../src/ingest/fit/read-fit.ts';
import { peakRssMiB, writeBenchResult } from './report.ts';

const REAL_DIR = resolve(import.meta.dirname, '../../shared/fixtures/real');
const FIXTURES_DIR = resolve(import.meta.dirname, '../data/fixtures');
const SDK_ITERATIONS = 3;
const FAST_ITERATIONS = 15;

interface Workload {
  name: string;
  files: Uint8Array[];
  records: number;
}

const workloads: Workload[] = [];
const addWorkload = (name: string, paths: string[]): void => {
  const files = paths.map((path) => new Uint8Array(readFileSync(path)));
  let records = 0;
  for (const bytes of files) records += decodeFit(bytes, 'sdk').messages.recordMesgs?.length ?? 0;
  workloads.push({ name, files, records });
};

for (const [name, path] of [
  ['ELEMNT ride 6 h 33 (fitparse)', join(REAL_DIR, 'fitparse-elemnt-ride-6h33-autopause-power.fit')],
  ['6 h ride (misfits long.fit)', join(REAL_DIR, 'misfits/clean-cycling-6h/long.fit')],
] as const) {
  if (existsSync(path)) addWorkload(name, [path]);
  else console.warn(`skipping ${name}: ${path} is absent`);
}
const fixtureFiles = readdirSync(FIXTURES_DIR)
  .filter((name) => name.endsWith('.fit'))
  .sort()
  .map((name) => join(FIXTURES_DIR, name));
addWorkload(`data/fixtures (${fixtureFiles.length} files)`, fixtureFiles);

/** Decodes every file of the workload; checks the count so the work cannot be skipped. */
function decodeAll(workload: Workload, decoder: FitDecoderName): void {
  let records = 0;
  for (const bytes of workload.files) {
    const decoded = decodeFit(bytes, decoder);
    if (decoded.decodedBy !== decoder) throw new Error(`${workload.name}: the fast decoder fell back`);
    records += decoded.messages.recordMesgs?.length ?? 0;
  }
  if (records !== workload.records) throw new Error(`${workload.name}: ${records} records`);
}

const benches = {
  sdk: new Bench({ iterations: SDK_ITERATIONS, time: 0, warmupIterations: 1 }),
  fast: new Bench({ iterations: FAST_ITERATIONS, time: 0, warmupIterations: 3 }),
};
/** readFit on every file of the workload; checks that activities came out. */
function readAll(workload: Workload, decoder: FitDecoderName): void {
  for (const bytes of workload.files)
    if (readFit(bytes, decoder).activities.length === 0) throw new Error(`${workload.name}: no activity`);
}

for (const decoder of ['sdk', 'fast'] as const) {
  for (const workload of workloads) {
    benches[decoder].add(workload.name, () => decodeAll(workload, decoder));
    benches[decoder].add(`readFit ${workload.name}`, () => readAll(workload, decoder));
  }
}
await benches.sdk.run();
await benches.fast.run();

const meanMs = (decoder: FitDecoderName, name: string): number => {
  const task = benches[decoder].tasks.find((t) => t.name === name)!;
  if (task.result.state !== 'completed') throw new Error(`${decoder} ${name}: ${task.result.state}`);
  return task.result.latency.mean;
};
const rows = workloads.map((workload) => {
  const sdkUs = (meanMs('sdk', workload.name) * 1000) / workload.records;
  const fastUs = (meanMs('fast', workload.name) * 1000) / workload.records;
  const readSdkUs = (meanMs('sdk', `readFit ${workload.name}`) * 1000) / workload.records;
  const readFastUs = (meanMs('fast', `readFit ${workload.name}`) * 1000) / workload.records;
  return {
    workload: workload.name,
    records: workload.records,
    megabytes: Number((workload.files.reduce((n, f) => n + f.length, 0) / 2 ** 20).toFixed(2)),
    sdkUsPerRecord: Number(sdkUs.toFixed(2)),
    fastUsPerRecord: Number(fastUs.toFixed(2)),
    speedup: Number((sdkUs / fastUs).toFixed(1)),
    readFitSdkUsPerRecord: Number(readSdkUs.toFixed(2)),
    readFitFastUsPerRecord: Number(readFastUs.toFixed(2)),
    readFitSpeedup: Number((readSdkUs / readFastUs).toFixed(1)),
  };
});
console.table(rows);
const peak = peakRssMiB();
console.log(`peak RSS: ${peak} MiB`);
console.log(`written to ${writeBenchResult('fit-decode', { rows, peakRssMiB: peak })}`);
