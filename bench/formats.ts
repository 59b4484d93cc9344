/**
 * Rows/s of every format of longitudinal-data (Arrow, Parquet, CSV, JSON) over a seeded synthetic
 * athlete, power only and every metric:
 *   - in process: the writer consuming the engine's result, bytes counted and thrown away (Parquet:
 *     the finished file; Arrow: read straight from the lake by the worker pool), next to Arrow
 *     written from DuckDB's chunks (the previous path) and the staged Parquet path (every value
 *     through JS into a temporary table, the path a result without SQL takes) in the same run;
 *     CPU seconds are the whole process's (worker threads included);
 *   - over HTTP: a `peakform serve` child on loopback, the body read to the end (rows/s, time to
 *     first byte, the server's peak RSS), next to the same number of bytes sent from memory by a
 *     plain `node:http` server over the same loopback in the same run.
 *
 *   npx tsx bench/formats.ts [--years Y] [--end YYYY-MM-DD] [--skip-staged] [--skip-previous] [--in-process]
 *     [--data DIR --athlete ID] [--repeat 3] [--formats arrow,parquet,csv,json]
 * `--end` cuts the range (the previous paths are slow); `--in-process` skips the HTTP part;
 * `--data` uses a lake already built (e.g. by another checkout) instead of the cached one. In
 * process and over HTTP each case runs once to warm up, then `--repeat` times: the figures are the
 * median, `overLoopback` the ratio to the same bytes from memory (the issue's bar: within 2×).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WIRE_METRICS } from '../src/domain/metrics.ts';
import { Engine } from '../src/engine/engine.ts';
import { writeArrowIpcStream } from '../src/query/formats/arrow-ipc-stream.ts';
import { arrowSchemaMetadata } from '../src/query/formats/arrow-schema-metadata.ts';
import { writeCsv } from '../src/query/formats/csv.ts';
import { writeJsonRows } from '../src/query/formats/json-rows.ts';
import {
  type LakePlan,
  streamLakeArrow,
  streamLakeCsv,
  streamLakeJson,
} from '../src/query/formats/lake-arrow-stream.ts';
import { temporaryPathFor } from '../src/store/lake.ts';
import { previousWriteCsv, previousWriteJsonRows } from './previous-text-writers.ts';
import { writeBenchResult } from './report.ts';
import { waitForHealth } from './serve-child.ts';
import { LAKE_SEED, openSyntheticLake } from './synthetic-lake.ts';

const { values: args } = parseArgs({
  options: {
    years: { type: 'string' },
    end: { type: 'string' },
    'skip-staged': { type: 'boolean' },
    'skip-previous': { type: 'boolean' },
    'in-process': { type: 'boolean' },
    data: { type: 'string' },
    athlete: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    formats: { type: 'string' },
  },
});
/** The formats measured (`--formats`, default all); a case counts by its first word ("csv, …"). */
const ONLY = args.formats ? new Set(args.formats.split(',')) : undefined;
const measured = (format: string) => !ONLY || ONLY.has(format.split(',')[0]!);
const YEARS = Number(args.years ?? '1');
const REPEAT = Math.max(1, Number(args.repeat));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const PORT = 8951;
const ALL_METRICS = WIRE_METRICS.map((m) => m.name);
const CASES = [
  { name: 'power', metrics: ['power'] },
  { name: 'all metrics', metrics: ALL_METRICS },
] as const;
type Format = 'arrow' | 'parquet' | 'csv' | 'json';
const FORMATS: Format[] = ['arrow', 'parquet', 'csv', 'json'];

interface Row {
  where: string;
  metrics: string;
  format: string;
  rows: number;
  MB: number;
  seconds: number;
  cpuS?: number;
  mRowsPerS: number;
  firstByteMs?: number;
  loopbackSameBytesS?: number;
  serverPeakRssMiB?: number;
  firstRequestS?: number;
  overLoopback?: number;
}
const table: Row[] = [];
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

const { engine, athleteId, dataDir } = args.data
  ? {
      engine: await Engine.open({ dataDir: args.data }),
      athleteId: args.athlete ?? 'bench',
      dataDir: args.data,
    }
  : await openSyntheticLake({ seed: LAKE_SEED, years: YEARS, progress: true });
const rowCounts = new Map<string, number>();

/** The result's plan for reading the lake's files directly, as the data routes take it. */
async function lakePlan(query: Parameters<typeof engine.longitudinal.data>[1]): Promise<LakePlan> {
  const result = await engine.longitudinal.data(athleteId, query);
  await result.batches.return(undefined);
  return result.lake!;
}
try {
  for (const c of CASES) {
    const query = { metrics: [...c.metrics], ...(args.end ? { end: args.end } : {}) } as Parameters<
      typeof engine.longitudinal.data
    >[1];
    let rows = 0;
    for await (const batch of (await engine.longitudinal.data(athleteId, query)).batches)
      rows += batch.rowCount;
    rowCounts.set(c.name, rows);
    const timings: [string, () => Promise<number>][] = [
      ['arrow', async () => drain(streamLakeArrow(await lakePlan(query)))],
      [
        'arrow, DuckDB chunks (previous)',
        async () => drain(writeArrowIpcStream(...resultOf(await engine.longitudinal.data(athleteId, query)))),
      ],
      ['parquet', async () => drain(engine.streamParquet(await engine.longitudinal.data(athleteId, query)))],
      ['csv', async () => drain(streamLakeCsv(await lakePlan(query)))],
      [
        'csv, DuckDB chunks (previous)',
        async () => drain(writeCsv((await engine.longitudinal.data(athleteId, query)).batches)),
      ],
      ['json', async () => drain(streamLakeJson(await lakePlan(query)))],
      [
        'json, DuckDB chunks (previous)',
        async () => drain(writeJsonRows((await engine.longitudinal.data(athleteId, query)).batches)),
      ],
    ];
    if (!args['skip-previous']) {
      timings.push(
        [
          'csv, previous writer',
          async () => drain(previousWriteCsv((await engine.longitudinal.data(athleteId, query)).batches)),
        ],
        [
          'json, previous writer',
          async () =>
            drain(previousWriteJsonRows((await engine.longitudinal.data(athleteId, query)).batches)),
        ],
      );
    }
    if (!args['skip-staged']) {
      timings.push([
        'parquet, staged through JS',
        async () => {
          const result = await engine.longitudinal.data(athleteId, query);
          const path = temporaryPathFor(join(engine.store.lake.fromStored('exports'), 'bench.parquet'));
          await engine.store.batchesToParquet(result.batches, path, {
            compression: 'snappy',
            keyValueMetadata: { 'ARROW:schema': arrowSchemaMetadata(result.columns) },
          });
          const size = statSync(path).size;
          rmSync(path, { force: true });
          return size;
        },
      ]);
    }
    for (const [format, run] of timings.filter(([format]) => measured(format))) {
      // As over HTTP: once untimed (a server's worker pool and code paths are warm), then the
      // median of --repeat runs.
      await run();
      const runs: { seconds: number; cpuS: number; bytes: number }[] = [];
      for (let r = 0; r < REPEAT; r++) {
        const started = performance.now();
        const cpuStarted = process.cpuUsage();
        const bytes = await run();
        const cpu = process.cpuUsage(cpuStarted);
        runs.push({
          seconds: (performance.now() - started) / 1000,
          cpuS: (cpu.user + cpu.system) / 1e6,
          bytes,
        });
      }
      const seconds = median(runs.map((x) => x.seconds));
      table.push({
        where: 'in process',
        metrics: c.name,
        format,
        rows,
        MB: round(runs[0]!.bytes / 1e6, 1),
        seconds: round(seconds),
        cpuS: round(median(runs.map((x) => x.cpuS))),
        mRowsPerS: round(rows / seconds / 1e6),
      });
      console.table([table.at(-1)]);
    }
  }
} finally {
  engine.close();
}

if (args['in-process']) {
  console.table(table);
  console.log(
    `wrote ${writeBenchResult(`formats-${YEARS}y-in-process`, { years: YEARS, end: args.end, rows: table })}`,
  );
  process.exit(0);
}

// Over HTTP: a server child of this checkout, and the same bytes from memory for comparison.
const peakform = resolve(import.meta.dirname, '../bin/peakform.mjs');
const token = execFileSync('node', [peakform, 'token', 'create', '--data', dataDir, '--athlete', athleteId], {
  encoding: 'utf8',
}).trim();
const server: ChildProcess = spawn(
  'node',
  [peakform, 'serve', '--data', dataDir, '--port', String(PORT), '--rate-limit', '1000000'],
  { stdio: 'ignore' },
);
try {
  await waitForHealth(`http://127.0.0.1:${PORT}`);
  // The first Arrow request starts the server's worker pool: timed apart, on one week.
  const cold = await timedFetch(
    `http://127.0.0.1:${PORT}/api/v1/activities/longitudinal-data?format=arrow&metrics=power&start=2020-01-06&end=2020-01-12`,
    { authorization: `Bearer ${token}` },
  );
  console.log(`first Arrow request (worker pool start): first byte ${Math.round(cold.firstByteMs)} ms`);
  for (const c of CASES) {
    for (const format of FORMATS.filter(measured)) {
      const params = new URLSearchParams([
        ['format', format],
        ...(args.end ? [['end', args.end] as [string, string]] : []),
        ...c.metrics.map((m): [string, string] => ['metrics', m]),
      ]);
      const url = `http://127.0.0.1:${PORT}/api/v1/activities/longitudinal-data?${params}`;
      // A server answers many requests: the first of each kind warms its code paths (timed and
      // shown apart), the median of the next --repeat is the figure, each next to the same bytes
      // sent from memory right after it.
      const first = await timedFetch(url, { authorization: `Bearer ${token}` });
      const runs: { seconds: number; firstByteMs: number; loopback: number }[] = [];
      for (let i = 0; i < REPEAT; i++) {
        const got = await timedFetch(url, { authorization: `Bearer ${token}` });
        runs.push({ ...got, loopback: await sameBytesFromMemory(got.bytes) });
      }
      const seconds = median(runs.map((r) => r.seconds));
      const loopback = median(runs.map((r) => r.loopback));
      const rows = rowCounts.get(c.name)!;
      table.push({
        where: 'HTTP',
        metrics: c.name,
        format,
        rows,
        MB: round(first.bytes / 1e6, 1),
        seconds: round(seconds),
        firstRequestS: round(first.seconds),
        mRowsPerS: round(rows / seconds / 1e6),
        firstByteMs: Math.round(median(runs.map((r) => r.firstByteMs))),
        loopbackSameBytesS: round(loopback, 3),
        overLoopback: round(seconds / loopback),
        serverPeakRssMiB: peakRssOf(server.pid!),
      });
      console.table([table.at(-1)]);
    }
  }
} finally {
  server.kill('SIGTERM');
}
console.table(table);
console.log(`wrote ${writeBenchResult(`formats-${YEARS}y`, { years: YEARS, end: args.end, rows: table })}`);

function resultOf(result: Awaited<ReturnType<typeof engine.longitudinal.data>>) {
  return [result.batches, result.columns] as const;
}

async function drain(chunks: AsyncIterable<string | Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of chunks)
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  return bytes;
}

async function timedFetch(url: string, headers: Record<string, string>) {
  const started = performance.now();
  const response = await fetch(url, { headers });
  if (!response.ok || !response.body) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  let firstByteMs = 0;
  let bytes = 0;
  for await (const chunk of response.body) {
    if (bytes === 0) firstByteMs = performance.now() - started;
    bytes += chunk.byteLength;
  }
  return { bytes, firstByteMs, seconds: (performance.now() - started) / 1000 };
}

/** Seconds to fetch `size` bytes from a plain HTTP server that holds them in memory (64 KiB writes). */
async function sameBytesFromMemory(size: number): Promise<number> {
  const piece = Buffer.alloc(64 * 1024, 7);
  const plain = createServer((_request, response) => {
    let left = size;
    const write = () => {
      while (left > 0) {
        const n = Math.min(left, piece.length);
        left -= n;
        if (!response.write(n === piece.length ? piece : piece.subarray(0, n)))
          return void response.once('drain', write);
      }
      response.end();
    };
    write();
  });
  await new Promise<void>((done) => plain.listen(PORT + 1, '127.0.0.1', done));
  try {
    return (await timedFetch(`http://127.0.0.1:${PORT + 1}/`, {})).seconds;
  } finally {
    plain.close();
  }
}

function peakRssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}
