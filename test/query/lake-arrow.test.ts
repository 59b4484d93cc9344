import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Table, tableFromIPC } from 'apache-arrow';
import pl from 'nodejs-polars';
import { readParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIRE_METRICS } from '../../src/domain/metrics.ts';
import type { TabularResult } from '../../src/engine/engine.ts';
import { compileActivitySamples } from '../../src/query/activity-sql.ts';
import { writeArrowIpcStream } from '../../src/query/formats/arrow-ipc-stream.ts';
import { writeCsv } from '../../src/query/formats/csv.ts';
import { writeJsonRows } from '../../src/query/formats/json-rows.ts';
import {
  lakeArrowColumns,
  streamLakeArrow,
  streamLakeCsv,
  streamLakeJson,
  streamLakeParquet,
} from '../../src/query/formats/lake-arrow-stream.ts';
import { readLakeParquet } from '../../src/query/formats/lake-parquet.ts';
import { withColumnTypes } from '../../src/services/tabular-result.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { get, makeTempDir, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

/**
 * Arrow, CSV, JSON and Parquet read straight from the lake's files by the worker pool hold the
 * same values, schema and metadata as the same formats written from DuckDB's chunks of the same
 * query (Parquet: DuckDB's own export of them), for every filter the data routes take; and the
 * reader copes with files ingest does not write today (rows out of time order, several row
 * groups, a column missing, another codec).
 */

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');
const ALL_METRICS = WIRE_METRICS.map((m) => m.name);
const ATHLETE = 'lake-arrow';

let server: TestServer;
let token: string;
let activityIds: string[];

beforeAll(async () => {
  server = await startTestServer();
  token = await server.tokenFor(ATHLETE);
  const files: { name: string; bytes: Uint8Array }[] = await Promise.all(
    ['ride-short.fit', 'ride-pauses.fit', 'run-devfield-power.fit', 'multisport-run-bike.fit'].map(
      async (name) => ({ name, bytes: new Uint8Array(await readFile(join(FIXTURES, name))) }),
    ),
  );
  files.push(
    { name: 'a.csv', bytes: csvRide({ startIso: '2024-03-01T07:00:00Z', durationS: 5000 }) },
    {
      name: 'b.csv',
      bytes: csvRide({ startIso: '2024-03-02T23:30:00Z', durationS: 3000, sport: 'cycling.gravel' }),
    },
  );
  for (const file of files) expect((await upload(server, token, [file])).status, file.name).toBeLessThan(300);
  activityIds = (
    await server.engine.store.all<{ id: string }>(
      `SELECT id FROM activities WHERE athlete_id = '${ATHLETE}' ORDER BY start_utc, id`,
    )
  ).map((r) => r.id);
}, 120_000);
afterAll(() => server?.close());

async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

const json = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);

/** Schema (fields with their metadata, the schema's metadata) and rows of a table, as text. */
function contents(table: Table): string {
  const schema = {
    fields: table.schema.fields.map((f) => [f.name, String(f.type), f.nullable, [...f.metadata]]),
    metadata: [...table.schema.metadata],
  };
  return JSON.stringify({ schema, rows: table.toArray().map((row) => row.toJSON()) }, json);
}

/** The same result as Arrow through DuckDB's chunks and straight from the lake. */
async function bothWays(make: () => Promise<TabularResult>): Promise<{ sql: Table; lake: Table }> {
  const viaSql = await make();
  const sql = tableFromIPC(await bytesOf(writeArrowIpcStream(viaSql.batches, viaSql.columns)));
  const viaLake = await make();
  await viaLake.batches.return(undefined);
  expect(viaLake.lake).toBeDefined();
  const lake = tableFromIPC(await bytesOf(streamLakeArrow(viaLake.lake!)));
  return { sql, lake };
}

/** The same result as CSV and JSON text through DuckDB's chunks and straight from the lake. */
async function textBothWays(make: () => Promise<TabularResult>): Promise<{ sql: string; lake: string }[]> {
  const texts: { sql: string; lake: string }[] = [];
  for (const [writeSql, streamLake] of [
    [writeCsv, streamLakeCsv],
    [writeJsonRows, streamLakeJson],
  ] as const) {
    let sql = '';
    for await (const chunk of writeSql((await make()).batches)) sql += chunk;
    const viaLake = await make();
    await viaLake.batches.return(undefined);
    texts.push({ sql, lake: Buffer.from(await bytesOf(streamLake(viaLake.lake!))).toString('utf8') });
  }
  return texts;
}

/**
 * A Parquet file as its readers see it: DuckDB's schema (types and annotations), key-value
 * metadata and rows, parquet-wasm's Arrow table (types restored from `ARROW:schema`), polars'.
 */
async function parquetContents(bytes: Uint8Array): Promise<string> {
  const path = join(await makeTempDir('peakform-lake-parquet-'), 'x.parquet');
  await writeFile(path, bytes);
  try {
    const schema = await server.engine.store.all(
      `SELECT name, type, repetition_type, converted_type, logical_type FROM parquet_schema('${path}')`,
    );
    const kv = await server.engine.store.all(
      `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${path}')`,
    );
    const rows = await server.engine.store.all(`SELECT * FROM read_parquet('${path}')`);
    const arrow = contents(tableFromIPC(readParquet(bytes).intoIPCStream()));
    const polars = pl.readParquet(path);
    const polarsRows = JSON.stringify(polars.toRecords(), json);
    return JSON.stringify({ schema, kv, rows, arrow, polars: [polars.dtypes.map(String), polarsRows] }, json);
  } finally {
    await rm(dirname(path), { recursive: true, force: true });
  }
}

/** Asserts two long texts equal, showing where they first differ rather than both whole. */
function expectSameLongText(actual: string, expected: string, label = ''): void {
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const around = (text: string) => text.slice(Math.max(0, at - 200), at + 200);
  expect({ length: actual.length, around: around(actual) }, label).toEqual({
    length: expected.length,
    around: around(expected),
  });
}

/** The same result as Parquet written by DuckDB from its batches and assembled from the lake. */
async function parquetBothWays(make: () => Promise<TabularResult>): Promise<{ sql: string; lake: string }> {
  const viaSql = await make();
  delete viaSql.lake;
  const sql = await parquetContents(await bytesOf(server.engine.streamParquet(viaSql)));
  const viaLake = await make();
  expect(viaLake.lake).toBeDefined();
  const lake = await parquetContents(await bytesOf(server.engine.streamParquet(viaLake)));
  return { sql, lake };
}

describe('Arrow from the lake equals Arrow from DuckDB', () => {
  const longitudinal: [string, Record<string, unknown>][] = [
    ['default metrics', {}],
    ['every metric', { metrics: ALL_METRICS }],
    ['power only', { metrics: ['power'] }],
    ['a date range', { start: '2024-03-02', end: '2024-03-31', metrics: ['power', 'heart_rate'] }],
    ['one sport', { sport: ['cycling'], metrics: ['speed', 'altitude', 'lap'] }],
    ['metrics never recorded', { metrics: ['notes', 'rpe', 'lactate', 'duration'] }],
  ];
  for (const [name, query] of longitudinal) {
    it(`longitudinal data, ${name}`, async () => {
      const { sql, lake } = await bothWays(() =>
        server.engine.longitudinal.data(
          ATHLETE,
          query as Parameters<typeof server.engine.longitudinal.data>[1],
        ),
      );
      expect(lake.numRows).toBeGreaterThan(0);
      expect(lake.numRows).toBe(sql.numRows);
      expect(contents(lake)).toBe(contents(sql));
    });

    it(`longitudinal data as Parquet, ${name}`, async () => {
      const { sql, lake } = await parquetBothWays(() =>
        server.engine.longitudinal.data(
          ATHLETE,
          query as Parameters<typeof server.engine.longitudinal.data>[1],
        ),
      );
      expect(lake.length).toBeGreaterThan(1000);
      expectSameLongText(lake, sql);
    });

    it(`longitudinal data as CSV and JSON, ${name}`, async () => {
      const texts = await textBothWays(() =>
        server.engine.longitudinal.data(
          ATHLETE,
          query as Parameters<typeof server.engine.longitudinal.data>[1],
        ),
      );
      for (const { sql, lake } of texts) {
        expect(lake.length).toBeGreaterThan(100);
        expect(lake).toBe(sql);
      }
    });
  }

  it('no file to read: the same empty CSV and JSON as an empty result', async () => {
    const empty = () =>
      server.engine.longitudinal.data(ATHLETE, { start: '2001-01-01', end: '2001-01-31' } as never);
    const viaSql = { csv: '', json: '' };
    for await (const chunk of writeCsv((await empty()).batches)) viaSql.csv += chunk;
    for await (const chunk of writeJsonRows((await empty()).batches)) viaSql.json += chunk;
    const { columns } = await bothWays(() => server.engine.longitudinal.data(ATHLETE, {} as never)).then(
      async () => {
        const result = await server.engine.longitudinal.data(ATHLETE, {} as never);
        await result.batches.return(undefined);
        return result.lake!;
      },
    );
    const text = async (stream: typeof streamLakeCsv) =>
      Buffer.from(await bytesOf(stream({ columns, files: [] }))).toString('utf8');
    expect({ csv: await text(streamLakeCsv), json: await text(streamLakeJson) }).toEqual(viaSql);
  });

  it('every activity, its own metrics and every metric', async () => {
    expect(activityIds.length).toBeGreaterThanOrEqual(6);
    for (const id of activityIds) {
      for (const metrics of [undefined, ALL_METRICS]) {
        const { sql, lake } = await bothWays(() =>
          server.engine.activities.data(ATHLETE, id, metrics ? { metrics } : {}),
        );
        expect(lake.numRows, id).toBe(sql.numRows);
        expect(contents(lake), id).toBe(contents(sql));
        for (const text of await textBothWays(() =>
          server.engine.activities.data(ATHLETE, id, metrics ? { metrics } : {}),
        ))
          expect(text.lake, id).toBe(text.sql);
        const parquet = await parquetBothWays(() =>
          server.engine.activities.data(ATHLETE, id, metrics ? { metrics } : {}),
        );
        expectSameLongText(parquet.lake, parquet.sql, id);
      }
    }
  });

  it("reads every samples file ingest wrote with the lake's own Parquet reader", async () => {
    const rows = await server.engine.store.all<{ samples_path: string }>(
      `SELECT samples_path FROM activities WHERE athlete_id = '${ATHLETE}'`,
    );
    expect(rows.length).toBe(activityIds.length);
    for (const { samples_path } of rows) {
      const read = readLakeParquet(server.engine.store.lake.fromStored(samples_path), [
        'timestamp',
        ...ALL_METRICS,
      ]);
      expect(read, samples_path).toBeDefined();
      expect(read!.length, samples_path).toBeGreaterThan(0);
    }
  });

  it('is what the route sends', async () => {
    const response = await get(server, token, '/api/v1/activities/longitudinal-data?format=arrow');
    expect(response.status).toBe(200);
    const sent = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
    const { sql } = await bothWays(() => server.engine.longitudinal.data(ATHLETE, {} as never));
    expect(contents(sent)).toBe(contents(sql));
  });
});

describe('lake files that ingest does not write today', () => {
  const metrics = ['power', 'heart_rate', 'speed', 'distance', 'lap'];

  /** A samples file written by DuckDB from an activity's file, through `select` and COPY options. */
  async function rewrite(
    select: (source: string) => string,
    options: string,
    format = 'COMPRESSION zstd, PARQUET_VERSION V2',
  ): Promise<string> {
    const [row] = await server.engine.store.all<{ samples_path: string }>(
      `SELECT samples_path FROM activities WHERE athlete_id = '${ATHLETE}' ORDER BY sample_count DESC LIMIT 1`,
    );
    const dir = await makeTempDir('peakform-lake-arrow-');
    const path = join(dir, 'samples.parquet');
    const source = server.engine.store.parquetSource([row!.samples_path]);
    await server.engine.store.all(
      `COPY (${select(source)}) TO '${path}' (FORMAT parquet, ${format}${options})`,
    );
    return path;
  }

  async function viaSql(path: string, offsetUs: number): Promise<Table> {
    const columns = [
      { name: 'timestamp', type: 'timestamp' as const },
      { name: 'timestamp_local', type: 'timestamp_local' as const },
      ...metrics.map((name) => ({ name, type: WIRE_METRICS.find((m) => m.name === name)!.type })),
    ];
    const sql = compileActivitySamples(`read_parquet('${path}')`, metrics, offsetUs / 1e6);
    const batches = withColumnTypes(
      server.engine.store.stream(sql),
      new Map(columns.map((c) => [c.name, c.type])),
    );
    return tableFromIPC(await bytesOf(writeArrowIpcStream(batches, columns)));
  }

  function viaLake(
    path: string,
    offsetUs: number,
    names = metrics,
    stream = streamLakeArrow,
  ): Promise<Uint8Array> {
    const columns = lakeArrowColumns([
      { name: 'timestamp', type: 'timestamp' },
      { name: 'timestamp_local', type: 'timestamp_local' },
      ...names.map((name) => ({ name, type: WIRE_METRICS.find((m) => m.name === name)!.type })),
    ]);
    return bytesOf(
      stream({
        columns,
        files: [{ path, activityId: 'x', sport: 'y', utcOffsetUs: offsetUs, rows: 1 }],
      }),
    );
  }

  /** CSV and JSON of the file through DuckDB and straight from it. */
  async function expectSameText(path: string, offsetUs: number): Promise<void> {
    const sql = compileActivitySamples(`read_parquet('${path}')`, metrics, offsetUs / 1e6);
    for (const [write, stream] of [
      [writeCsv, streamLakeCsv],
      [writeJsonRows, streamLakeJson],
    ] as const) {
      let expected = '';
      for await (const chunk of write(server.engine.store.stream(sql))) expected += chunk;
      const lake = Buffer.from(await viaLake(path, offsetUs, metrics, stream)).toString('utf8');
      expect(lake).toBe(expected);
    }
  }

  /** The file's Parquet export, as parquet-wasm reads it back, against Arrow through DuckDB. */
  async function expectSameParquet(path: string, offsetUs: number): Promise<void> {
    const bytes = await viaLake(path, offsetUs, metrics, streamLakeParquet);
    const lake = contents(tableFromIPC(readParquet(bytes).intoIPCStream()));
    expectSameLongText(lake, contents(await viaSql(path, offsetUs)));
  }

  it('rows out of time order come sorted, as ORDER BY timestamp sorts them', async () => {
    const path = await rewrite((source) => `SELECT * FROM ${source} ORDER BY hash(timestamp)`, '');
    const lake = tableFromIPC(await viaLake(path, -18_000_000_000));
    expect(contents(lake)).toBe(contents(await viaSql(path, -18_000_000_000)));
    await expectSameText(path, -18_000_000_000);
    await expectSameParquet(path, -18_000_000_000);
  });

  it('Parquet of files in other codecs and page versions (copied, or decoded and written plain)', async () => {
    for (const format of ['COMPRESSION snappy', 'COMPRESSION uncompressed, PARQUET_VERSION V1']) {
      const path = await rewrite((source) => `SELECT * FROM ${source}`, '', format);
      await expectSameParquet(path, 3_600_000_000);
    }
  });

  it('several row groups with nulls across their edges', async () => {
    const path = await rewrite(
      (source) =>
        `SELECT * REPLACE (CASE WHEN epoch(timestamp)::BIGINT % 7 = 0 THEN NULL ELSE power END AS power) FROM ${source}`,
      ', ROW_GROUP_SIZE 1000',
    );
    const lake = tableFromIPC(await viaLake(path, 7_200_000_000));
    expect(contents(lake)).toBe(contents(await viaSql(path, 7_200_000_000)));
    expect(lake.getChild('power')!.nullCount).toBeGreaterThan(0);
    await expectSameText(path, 7_200_000_000);
    await expectSameParquet(path, 7_200_000_000);
  });

  it('Parquet of files of every kind in one plan: joined where they can be, in order, as Arrow has them', async () => {
    const stored = await server.engine.store.all<{ samples_path: string }>(
      `SELECT samples_path FROM activities WHERE athlete_id = '${ATHLETE}' ORDER BY start_utc, id`,
    );
    const lake = stored.map((r) => server.engine.store.lake.fromStored(r.samples_path));
    const odd = [
      await rewrite((source) => `SELECT * FROM ${source} ORDER BY hash(timestamp)`, ''),
      await rewrite((source) => `SELECT * FROM ${source}`, ', ROW_GROUP_SIZE 1000'),
      await rewrite((source) => `SELECT * EXCLUDE (lap) FROM ${source}`, ''),
      await rewrite((source) => `SELECT * FROM ${source}`, '', 'COMPRESSION snappy'),
    ];
    const paths = [lake[0]!, odd[0]!, ...lake.slice(1, 3), odd[1]!, odd[2]!, ...lake.slice(3), odd[3]!];
    const columns = lakeArrowColumns([
      { name: 'timestamp', type: 'timestamp' },
      { name: 'timestamp_local', type: 'timestamp_local' },
      { name: 'activity_id', type: 'utf8' },
      { name: 'sport', type: 'utf8' },
      { name: 'duration', type: 'duration' },
      ...[...metrics, 'cadence', 'notes'].map((name) => ({
        name,
        type: WIRE_METRICS.find((m) => m.name === name)!.type,
      })),
    ]);
    const plan = {
      columns,
      files: paths.map((path, i) => ({
        path,
        activityId: `a${i}`,
        sport: i % 3 === 0 ? 'cycling.road' : 'running',
        utcOffsetUs: (i - 4) * 1_800_000_000,
        rows: 3000,
      })),
    };
    const parquet = await bytesOf(streamLakeParquet(plan));
    const arrow = tableFromIPC(await bytesOf(streamLakeArrow(plan)));
    expectSameLongText(contents(tableFromIPC(readParquet(parquet).intoIPCStream())), contents(arrow));
    const polars = pl.readParquet(Buffer.from(parquet));
    expect(polars.height).toBe(arrow.numRows);
    expect(polars.getColumn('activity_id').toArray()).toEqual(arrow.getChild('activity_id')!.toArray());
    // Fewer row groups than files: runs of files joined.
    const path = join(await makeTempDir('peakform-lake-joined-'), 'x.parquet');
    await writeFile(path, parquet);
    const [groups] = await server.engine.store.all<{ n: bigint }>(
      `SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${path}')`,
    );
    expect(Number(groups!.n)).toBeLessThan(paths.length);
    // Each joined chunk's statistics hold its rows' least and greatest value and its nulls.
    const chunks = await server.engine.store.all<Record<string, string | bigint | null>>(
      `SELECT path_in_schema AS name, row_group_id, stats_min_value, stats_max_value, stats_null_count,
         sum(row_group_num_rows) OVER (ORDER BY row_group_id ROWS UNBOUNDED PRECEDING) / count(*) OVER (PARTITION BY row_group_id) AS upto
       FROM parquet_metadata('${path}') WHERE path_in_schema IN ('power', 'heart_rate', 'speed', 'distance')`,
    );
    const sizes = await server.engine.store.all<{ row_group_id: bigint; n: bigint }>(
      `SELECT DISTINCT row_group_id, row_group_num_rows AS n FROM parquet_metadata('${path}') ORDER BY 1`,
    );
    let first = 0;
    const from = new Map<number, [number, number]>();
    for (const { row_group_id, n } of sizes) {
      from.set(Number(row_group_id), [first, first + Number(n)]);
      first += Number(n);
    }
    expect(chunks.length).toBe(4 * sizes.length);
    for (const chunk of chunks) {
      const [lo, hi] = from.get(Number(chunk.row_group_id))!;
      const [actual] = await server.engine.store.all<Record<string, string | bigint | null>>(
        `SELECT CAST(min(${chunk.name}) AS VARCHAR) AS lo, CAST(max(${chunk.name}) AS VARCHAR) AS hi,
           count(*) - count(${chunk.name}) AS nulls
         FROM read_parquet('${path}', file_row_number = true) WHERE file_row_number >= ${lo} AND file_row_number < ${hi}`,
      );
      const label = `${chunk.name} in row group ${chunk.row_group_id}`;
      expect(Number(chunk.stats_null_count), label).toBe(Number(actual!.nulls));
      expect([chunk.stats_min_value, chunk.stats_max_value], label).toEqual([actual!.lo, actual!.hi]);
    }
  });

  it('a column the file lacks comes as nulls', async () => {
    const path = await rewrite((source) => `SELECT * EXCLUDE (lap) FROM ${source}`, '');
    const lake = tableFromIPC(await viaLake(path, 0));
    expect(lake.numRows).toBeGreaterThan(0);
    expect(lake.getChild('lap')!.nullCount).toBe(lake.numRows);
    expect(lake.getChild('power')!.nullCount).toBeLessThan(lake.numRows);
  });

  it('a lake file gone missing is a clean error over HTTP, not a truncated 200', async () => {
    const csv = csvRide({ startIso: '2023-06-01T06:00:00Z', durationS: 600 });
    const other = await server.tokenFor('lake-arrow-missing');
    expect((await upload(server, other, [{ name: 'c.csv', bytes: csv }])).status).toBeLessThan(300);
    const [row] = await server.engine.store.all<{ id: string; samples_path: string }>(
      `SELECT id, samples_path FROM activities WHERE athlete_id = 'lake-arrow-missing'`,
    );
    await rm(server.engine.store.lake.fromStored(row!.samples_path));
    for (const path of ['/api/v1/activities/longitudinal-data', `/api/v1/activities/${row!.id}/data`]) {
      // Parquet too: it streams as DuckDB writes, but a COPY that fails before any byte is an error.
      for (const format of ['arrow', 'parquet']) {
        const response = await get(server, other, `${path}?format=${format}`);
        expect(response.status, `${path} ${format}`).toBe(500);
        expect(response.headers.get('content-type'), `${path} ${format}`).toMatch(/problem\+json/);
      }
    }
  });

  it('files a recompute replaced after the plan are read from where the catalog names them now', async () => {
    const plans = async () => {
      const results = await Promise.all([
        server.engine.longitudinal.data(ATHLETE, { metrics: ['power', 'heart_rate'] } as never),
        server.engine.activities.data(ATHLETE, activityIds[0]!, {}),
      ]);
      for (const result of results) await result.batches.return(undefined);
      return results.map((r) => r.lake!);
    };
    const before = await plans();
    await server.engine.sources.recompute(ATHLETE);
    const after = await plans();
    // Every file of the old plans is gone: the recompute wrote new generations.
    for (const file of before.flatMap((p) => p.files))
      await expect(readFile(file.path), file.path).rejects.toThrow(/ENOENT/);
    for (const [i, stream] of [streamLakeArrow, streamLakeParquet, streamLakeCsv].entries()) {
      for (const [p, plan] of before.entries()) {
        const stale = Buffer.from(await bytesOf(stream(plan)));
        expect(stale.equals(Buffer.from(await bytesOf(stream(after[p]!)))), `${i} ${p}`).toBe(true);
      }
    }
    // Without a way to ask the catalog again, the stale plan fails cleanly.
    await expect(bytesOf(streamLakeArrow({ ...before[0]!, current: undefined }))).rejects.toThrow(/ENOENT/);
  });

  it('a file that cannot be read fails the stream', async () => {
    await expect(viaLake('/nonexistent/samples.parquet', 0)).rejects.toThrow(/ENOENT|no such file/);
  });
});
