import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRide } from '../helpers/csv-activity.ts';
import { get, makeTempDir, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';
import { xorshift32 } from '../helpers/xorshift.ts';

/**
 * Parquet of lake samples is assembled from the lake's files as the workers read them
 * (`streamLakeParquet`): a result of many files must arrive as the whole, valid file, the files
 * joined into row groups, with no temporary file made on the way.
 */
describe('Parquet streamed as it is assembled', () => {
  let server: TestServer;
  let token: string;
  const RIDES = 36;
  let expectedWatts = 0;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('parquet-stream');
    // 36 rides of an hour: 129,600 rows, more than one of DuckDB's 122,880-row row groups (short
    // rides: the helper's periodic heart rate is the exact mean-max search's slowest case).
    const next = xorshift32(7);
    const watts = Array.from({ length: 3600 }, () => 100 + Math.floor(next() * 300));
    expectedWatts = RIDES * watts.reduce((a, b) => a + b);
    const files = Array.from({ length: RIDES }, (_, i) => ({
      name: `ride-${i}.csv`,
      bytes: csvRide({
        startIso: new Date(Date.UTC(2024, 4, 1 + i, 6)).toISOString(),
        durationS: 3600,
        powerW: (s) => watts[s]!,
      }),
    }));
    // Ten files per request at most.
    for (let i = 0; i < files.length; i += 10)
      expect((await upload(server, token, files.slice(i, i + 10))).status).toBeLessThan(300);
  });
  afterAll(() => server?.close());

  it('arrives whole: every row, in order, rides joined into row groups, no temporary file made', async () => {
    const response = await get(
      server,
      token,
      '/api/v1/activities/longitudinal-data?format=parquet&metrics=power',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/parquet/);
    const bytes = Buffer.from(await response.arrayBuffer());
    const path = join(await makeTempDir('peakform-parquet-stream-'), 'body.parquet');
    await writeFile(path, bytes);
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS();
    const [summary] = await rows(`SELECT count(*) AS n, sum(power) AS watts,
        bool_and(timestamp > prev) AS ordered
      FROM (SELECT power, timestamp, lag(timestamp, 1, TIMESTAMPTZ '1970-01-01') OVER () AS prev
            FROM read_parquet('${path}'))`);
    expect(summary).toEqual({ n: BigInt(RIDES * 3600), watts: BigInt(expectedWatts), ordered: true });
    // Rides joined into row groups of at most DuckDB's 122,880 rows (a row group per ride read
    // 2.3× slower in pyarrow), the first ride alone so that its bytes come first.
    const groups = await rows(
      `SELECT row_group_id, max(row_group_num_rows) AS n FROM parquet_metadata('${path}') GROUP BY ALL ORDER BY 1`,
    );
    expect(groups.map((g) => Number(g.n))).toEqual([3600, 122_400, 3600]);
    // Every column chunk snappy, as the wire contract says (WIRE.md §1.8), whatever the lake's codec.
    const codecs = await rows(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`);
    expect(codecs).toEqual([{ compression: 'SNAPPY' }]);
    connection.closeSync();
    const exportsDir = server.engine.store.lake.fromStored('exports');
    const made = await stat(exportsDir).then(
      () => readdir(exportsDir),
      () => [],
    );
    expect(made).toEqual([]);
  });
});
