/**
 * The longitudinal hot paths over a seeded 5-year synthetic athlete (~1,500 activities, ~8 M
 * samples), each against its naive alternative in the same run:
 *   - longitudinal mean-max (default set and `all`) from stored curves vs recomputed from raw
 *     samples in DuckDB SQL, in process and over HTTP on loopback;
 *   - weekly aggregate over 5 years vs recomputed from raw samples;
 *   - longitudinal-data as an Arrow IPC stream of every row: rows/s and the server's peak RSS for
 *     1 year vs 5 years of rows (it must not grow with the result);
 *   - 50 concurrent clients (autocannon) mixing these endpoints.
 * The HTTP parts run against `peakform serve` in a child process, so client and server do not
 * share a heap.
 *
 *   npx tsx bench/longitudinal.ts            (builds the lake into bench/.cache on first use)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RecordBatchReader } from 'apache-arrow';
import autocannon from 'autocannon';
import { Bench } from 'tinybench';
import { DEFAULT_DURATIONS_S } from '../src/domain/durations.ts';
import type { TabularResult } from '../src/engine/engine.ts';
import { naiveLongitudinalMeanMax, naiveWeeklyAggregate } from './naive-baselines.ts';
import { writeBenchResult } from './report.ts';
import { LAKE_SEED, openSyntheticLake } from './synthetic-lake.ts';

const YEARS = 5;
const PORT = 8931;
const CONCURRENT_CLIENTS = 50;
const LOAD_SECONDS = 15;
const RANGE = { start: '2020-01-01', end: '2024-12-31' };
const ONE_YEAR = { start: '2024-01-01', end: '2024-12-31' };

async function drain(result: TabularResult): Promise<number> {
  let rows = 0;
  for await (const batch of result.batches) rows += batch.rowCount;
  return rows;
}

function stats(task: Bench['tasks'][number]) {
  const r = task.result;
  if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
  return {
    meanMs: round(r.latency.mean),
    p50Ms: round(r.latency.p50),
    p99Ms: round(r.latency.p99),
    samples: r.latency.samplesCount,
  };
}

function round(x: number, digits = 2): number {
  return Number(x.toFixed(digits));
}

// ---- in process ----
const lake = await openSyntheticLake({ seed: LAKE_SEED, years: YEARS, progress: true });
const { engine, athleteId } = lake;
console.log(
  `lake: ${lake.activities} activities, ${lake.samples} samples, ${lake.activityHours} h (${lake.reused ? 'cached' : 'built'})`,
);
const curveQuery = (durations?: 'all') => ({
  metric: 'power' as const,
  sport: ['cycling'],
  ...RANGE,
  ...(durations ? { durations } : {}),
});

const fast = new Bench({ time: 2000, warmupTime: 300 });
fast
  .add('longitudinal mean-max, default set, 5 y (stored curves)', async () => {
    await drain(await engine.longitudinal.meanMax(athleteId, curveQuery()));
  })
  .add('longitudinal mean-max, all, 5 y (stored curves)', async () => {
    await drain(await engine.longitudinal.meanMax(athleteId, curveQuery('all')));
  })
  .add('weekly aggregate, 5 y (catalog totals)', async () => {
    await drain(await engine.longitudinal.aggregate(athleteId, { ...RANGE, interval: 'week' }));
  });
await fast.run();

const naive = new Bench({ iterations: 2, time: 0, warmupIterations: 0 });
naive
  .add('naive mean-max, default set, 5 y (raw samples in SQL)', async () => {
    await naiveLongitudinalMeanMax(engine, athleteId, {
      durationsS: DEFAULT_DURATIONS_S,
      sport: 'cycling',
      ...RANGE,
    });
  })
  .add('naive weekly aggregate, 5 y (raw samples in SQL)', async () => {
    await naiveWeeklyAggregate(engine, athleteId, RANGE);
  });
await naive.run();

const { token } = await engine.tokens.create(athleteId, { name: 'bench' });
engine.close();

// ---- over HTTP, against `peakform serve` in a child process ----
const server = await startServer(lake.dataDir);
const base = `http://127.0.0.1:${PORT}`;
const headers = { authorization: `Bearer ${token}` };
const get = async (path: string) => {
  const response = await fetch(`${base}${path}`, { headers });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response;
};
const http = new Bench({ time: 2000, warmupTime: 300 });
http
  .add('HTTP longitudinal mean-max, default set, 5 y (JSON)', async () => {
    await (
      await get(
        `/api/v1/activities/longitudinal-mean-max?sport=cycling&start=${RANGE.start}&end=${RANGE.end}`,
      )
    ).arrayBuffer();
  })
  .add('HTTP longitudinal mean-max, all, 5 y (JSON)', async () => {
    await (
      await get(
        `/api/v1/activities/longitudinal-mean-max?sport=cycling&durations=all&start=${RANGE.start}&end=${RANGE.end}`,
      )
    ).arrayBuffer();
  })
  .add('HTTP weekly aggregate, 5 y (JSON)', async () => {
    await (
      await get(
        `/api/v1/activities/longitudinal-aggregate?interval=week&start=${RANGE.start}&end=${RANGE.end}`,
      )
    ).arrayBuffer();
  });
await http.run();

/** Streams longitudinal-data as Arrow, counting rows batch by batch without keeping them. */
async function streamRows(range: { start: string; end: string }) {
  const started = performance.now();
  const response = await get(
    `/api/v1/activities/longitudinal-data?format=arrow&start=${range.start}&end=${range.end}`,
  );
  const reader = await RecordBatchReader.from(response.body as unknown as AsyncIterable<Uint8Array>);
  let rows = 0;
  for await (const batch of reader) rows += batch.numRows;
  const seconds = (performance.now() - started) / 1000;
  return {
    rows,
    seconds: round(seconds, 3),
    rowsPerS: Math.round(rows / seconds),
    serverPeakRssMiB: peakRssMiB(server.pid!),
  };
}
const dataOneYear = await streamRows(ONE_YEAR);
const dataFiveYears = await streamRows(RANGE);

const load = await autocannon({
  url: base,
  connections: CONCURRENT_CLIENTS,
  duration: LOAD_SECONDS,
  headers,
  requests: [
    {
      method: 'GET',
      path: `/api/v1/activities/longitudinal-mean-max?sport=cycling&start=${RANGE.start}&end=${RANGE.end}`,
    },
    {
      method: 'GET',
      path: `/api/v1/activities/longitudinal-aggregate?interval=week&start=${RANGE.start}&end=${RANGE.end}`,
    },
    { method: 'GET', path: '/api/v1/activities?limit=20' },
    {
      method: 'GET',
      path: `/api/v1/activities/longitudinal-mean-max?durations=all&start=2024-01-01&end=2024-03-31`,
    },
    { method: 'GET', path: '/api/v1/profile/training-load?start=2024-01-01&end=2024-12-31' },
  ],
});
server.kill('SIGTERM');

// ---- report ----
const byName = (b: Bench, name: string) => stats(b.tasks.find((t) => t.name === name)!);
const inProcess = Object.fromEntries(fast.tasks.map((t) => [t.name, stats(t)]));
const naiveStats = Object.fromEntries(naive.tasks.map((t) => [t.name, stats(t)]));
const overHttp = Object.fromEntries(http.tasks.map((t) => [t.name, stats(t)]));
const naiveMeanMax = byName(naive, 'naive mean-max, default set, 5 y (raw samples in SQL)').meanMs;
const naiveWeekly = byName(naive, 'naive weekly aggregate, 5 y (raw samples in SQL)').meanMs;
const ratios = {
  'mean-max default: naive / stored': round(
    naiveMeanMax / byName(fast, 'longitudinal mean-max, default set, 5 y (stored curves)').meanMs,
    0,
  ),
  'mean-max all: naive (default set only) / stored (all)': round(
    naiveMeanMax / byName(fast, 'longitudinal mean-max, all, 5 y (stored curves)').meanMs,
    0,
  ),
  'weekly aggregate: naive / catalog': round(
    naiveWeekly / byName(fast, 'weekly aggregate, 5 y (catalog totals)').meanMs,
    0,
  ),
};
const concurrency = {
  connections: CONCURRENT_CLIENTS,
  durationS: LOAD_SECONDS,
  requestsPerS: Math.round(load.requests.average),
  latencyP50Ms: load.latency.p50,
  latencyP99Ms: load.latency.p99,
  errors: load.errors,
  non2xx: load.non2xx,
  timeouts: load.timeouts,
};
console.table(inProcess);
console.table(naiveStats);
console.table(overHttp);
console.table(ratios);
console.table({ '1 year': dataOneYear, '5 years': dataFiveYears });
console.table(concurrency);
const path = writeBenchResult('longitudinal', {
  lake: { activities: lake.activities, samples: lake.samples, activityHours: lake.activityHours },
  inProcess,
  naive: naiveStats,
  overHttp,
  ratios,
  longitudinalDataArrow: { oneYear: dataOneYear, fiveYears: dataFiveYears },
  concurrency,
});
console.log(`written to ${path}`);
process.exit(0);

async function startServer(dataDir: string): Promise<ChildProcess> {
  const bin = resolve(import.meta.dirname, '../bin/peakform.mjs');
  const child = spawn(process.execPath, [bin, 'serve', '--data', dataDir, '--port', String(PORT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolveReady, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Peakform API on')) resolveReady();
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return child;
}

/** Peak resident set size of a process (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}
