/**
 * FIT decoding, µs per record: `@garmin/fitsdk`'s Decoder (today's path before issue 11) next to
 * the fast decoder (`src/ingest/fit/decode-fit-fast.ts`), in the same run, on the real 6 h rides
 * of ../shared (when present) and on the project's data/fixtures. Both go through `decodeFit`, so
 * the figures include the integrity check and the salvage pass; a fast run that fell back to the
 * SDK would be an error here. A second pair of columns times `readFit` (bytes → activities, the
 * ingest step before derivation) with each decoder. CPU time per record is the main figure (the
 * machine is shared); tinybench's wall time is printed next to it.
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

/**
 * CPU time of every call (warm-ups included), next to tinybench's wall time: this machine is
 * shared, so a run often gets half a core, and CPU time is the figure that compares across runs.
 */
const cpuUs = new Map<string, { us: number; calls: number }>();
const withCpu = (key: string, run: () => void) => (): void => {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  const total = cpuUs.get(key) ?? { us: 0, calls: 0 };
  total.us += used.user + used.system;
  total.calls++;
  cpuUs.set(key, total);
};

for (const decoder of ['sdk', 'fast'] as const) {
  for (const workload of workloads) {
    benches[decoder].add(
      workload.name,
      withCpu(`${decoder} ${workload.name}`, () => decodeAll(workload, decoder)),
    );
    benches[decoder].add(
      `readFit ${workload.name}`,
      withCpu(`${decoder} readFit ${workload.name}`, () => readAll(workload, decoder)),
    );
  }
}
await benches.sdk.run();
await benches.fast.run();

const wallUsPerRecord = (decoder: FitDecoderName, name: string, records: number): number => {
  const task = benches[decoder].tasks.find((t) => t.name === name)!;
  if (task.result.state !== 'completed') throw new Error(`${decoder} ${name}: ${task.result.state}`);
  return (task.result.latency.mean * 1000) / records;
};
const cpuUsPerRecord = (key: string, records: number): number => {
  const total = cpuUs.get(key)!;
  return total.us / total.calls / records;
};
const round = (x: number): number => Number(x.toFixed(2));
const rows = workloads.map(({ name, records, files }) => {
  const sdkCpu = cpuUsPerRecord(`sdk ${name}`, records);
  const fastCpu = cpuUsPerRecord(`fast ${name}`, records);
  const readSdkCpu = cpuUsPerRecord(`sdk readFit ${name}`, records);
  const readFastCpu = cpuUsPerRecord(`fast readFit ${name}`, records);
  return {
    workload: name,
    records,
    megabytes: round(files.reduce((n, f) => n + f.length, 0) / 2 ** 20),
    sdkCpuUsPerRecord: round(sdkCpu),
    fastCpuUsPerRecord: round(fastCpu),
    cpuRatio: Number((sdkCpu / fastCpu).toFixed(1)),
    sdkWallUsPerRecord: round(wallUsPerRecord('sdk', name, records)),
    fastWallUsPerRecord: round(wallUsPerRecord('fast', name, records)),
    readFitSdkCpuUsPerRecord: round(readSdkCpu),
    readFitFastCpuUsPerRecord: round(readFastCpu),
    readFitCpuRatio: Number((readSdkCpu / readFastCpu).toFixed(1)),
  };
});
console.table(rows);
const peak = peakRssMiB();
console.log(`peak RSS: ${peak} MiB`);
console.log(`written to ${writeBenchResult('fit-decode', { rows, peakRssMiB: peak })}`);
