/**
 * FIT decoding, µs per record: `@garmin/fitsdk`'s Decoder (today's path before issue 11) next to
 * the fast decoder (`src/ingest/fit/decode-fit-fast.ts`), in the same run, on the real 6 h rides
 * of ../shared (when present) and on the project's data/fixtures. Both go through `decodeFit`, so
 * the figures include the integrity check and the salvage pass; a fast run that fell back to the
 * SDK would be an error here. A second pair of columns times `readFit` (bytes → activities, the
 * ingest step before derivation) with each decoder. CPU time per record is the main figure (the
 * machine is shared); tinybench's wall time is printed next to it.
 *
 * A last table times `readActivityFile` (what ingest runs on an upload before derivation) per
 * call, warm, on the 6 h ride and on data/fixtures/ride-short.fit, with FIT records read straight
 * into columns (record-columns.ts, the default) and through record messages (`{ fit: {
 * recordColumns: false } }`), in alternating rounds of one run; process CPU (all threads, GC
 * included) per call, with the load average.
 *
 *   npx tsx bench/fit-decode.ts                        everything (writes results/fit-decode.json)
 *   npx tsx bench/fit-decode.ts --read-activity-file   only the readActivityFile table
 *                                                      (writes results/fit-decode-read-activity-file.local.json)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Bench } from 'tinybench';
import { decodeFit, type FitDecoderName } from '../src/ingest/fit/decode-fit.ts';
import { readFit } from '../src/ingest/fit/read-fit.ts';
import { readActivityFile } from '../src/ingest/read-activity-file.ts';
import { peakRssMiB, writeBenchResult } from './report.ts';

if (process.argv.includes('--help')) {
  console.log('npx tsx bench/fit-decode.ts [--read-activity-file]  (see the header of bench/fit-decode.ts)');
  process.exit(0);
}
const onlyReadActivityFile = process.argv.includes('--read-activity-file');

const REAL_DIR = resolve(import.meta.dirname, '../../shared/fixtures/real');
const FIXTURES_DIR = resolve(import.meta.dirname, '../data/fixtures');
const SDK_ITERATIONS = 3;
const FAST_ITERATIONS = 15;

interface Workload {
  name: string;
  files: Uint8Array[];
  records: number;
}

/** The decoders and readFit per record, as described in the header. */
async function benchDecoders(): Promise<Record<string, unknown>[]> {
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
  return rows;
}

const READ_WARMUP_CALLS = 10;
const READ_ROUNDS = 6;

/**
 * readActivityFile per call with records into columns and through messages: warm-up calls first,
 * then rounds that alternate which path goes first, so drift in the machine's load hits both.
 */
function benchReadActivityFile(): Record<string, unknown>[] {
  const cases: { name: string; path: string; callsPerRound: number }[] = [
    {
      name: '6 h ride (misfits long.fit)',
      path: join(REAL_DIR, 'misfits/clean-cycling-6h/long.fit'),
      callsPerRound: 5,
    },
    { name: 'data/fixtures/ride-short.fit', path: join(FIXTURES_DIR, 'ride-short.fit'), callsPerRound: 200 },
  ];
  const paths = { columns: true, messages: false } as const;
  const rows: Record<string, unknown>[] = [];
  for (const { name, path, callsPerRound } of cases) {
    if (!existsSync(path)) {
      console.warn(`skipping ${name}: ${path} is absent`);
      continue;
    }
    const bytes = new Uint8Array(readFileSync(path));
    const read = (recordColumns: boolean): number =>
      readActivityFile(bytes, 'file.fit', { fit: { recordColumns } }).activities[0]!.samples.timestampS
        .length;
    // The same rows either way, or the comparison means nothing.
    if (read(true) !== read(false)) throw new Error(`${name}: the two paths disagree`);
    for (const recordColumns of Object.values(paths))
      for (let i = 0; i < READ_WARMUP_CALLS; i++) read(recordColumns);
    const cpuUs = { columns: 0, messages: 0 };
    for (let round = 0; round < READ_ROUNDS; round++) {
      const order = round % 2 === 0 ? (['columns', 'messages'] as const) : (['messages', 'columns'] as const);
      for (const path of order) {
        const start = process.cpuUsage();
        for (let i = 0; i < callsPerRound; i++) read(paths[path]);
        const used = process.cpuUsage(start);
        cpuUs[path] += used.user + used.system;
      }
    }
    const calls = READ_ROUNDS * callsPerRound;
    const columnsMs = cpuUs.columns / calls / 1000;
    const messagesMs = cpuUs.messages / calls / 1000;
    rows.push({
      readActivityFile: name,
      bytes: bytes.length,
      callsPerPath: calls,
      columnsCpuMsPerCall: Number(columnsMs.toFixed(3)),
      messagesCpuMsPerCall: Number(messagesMs.toFixed(3)),
      cpuRatio: Number((messagesMs / columnsMs).toFixed(2)),
    });
  }
  console.table(rows);
  return rows;
}

const loadBefore = loadavg();
const rows = onlyReadActivityFile ? [] : await benchDecoders();
const readActivityFileRows = benchReadActivityFile();
const load = {
  before: loadBefore.map((x) => Number(x.toFixed(2))),
  after: loadavg().map((x) => Number(x.toFixed(2))),
};
console.log(`load average (1, 5, 15 min): before ${load.before.join(' ')}, after ${load.after.join(' ')}`);
const peak = peakRssMiB();
console.log(`peak RSS: ${peak} MiB`);
const resultName = onlyReadActivityFile ? 'fit-decode-read-activity-file.local' : 'fit-decode';
console.log(
  `written to ${writeBenchResult(resultName, { rows, readActivityFileRows, loadAverage: load, peakRssMiB: peak })}`,
);
