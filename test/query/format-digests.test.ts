import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIRE_METRICS } from '../../src/domain/metrics.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { get, makeTempDir, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

/**
 * The bytes of every format of the data routes, pinned by digest on a fixture lake (FIT rides and
 * runs with pauses, developer fields and local offsets; CSV rides in two sports), so a faster
 * writer must produce exactly what the previous one did. Parquet is pinned by its schema, its
 * key-value metadata and its rows as DuckDB reads them (the file's own bytes carry the writer's
 * version). A digest changes only with a deliberate change of output: then update it here.
 */

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');
const ALL_METRICS = WIRE_METRICS.map((m) => m.name);

const EXPECTED: Record<string, string> = {
  'longitudinal-data, default metrics, arrow': '513c1cbec1e759fe',
  'longitudinal-data, default metrics, parquet': 'bc7b18df2a59c4ad',
  'longitudinal-data, default metrics, csv': '2519d8a44ca9e166',
  'longitudinal-data, default metrics, json': '44fccfe405bdb53f',
  'longitudinal-data, every metric, arrow': '53ccd733afa988ad',
  'longitudinal-data, every metric, parquet': 'f6e66456e57abfea',
  'longitudinal-data, every metric, csv': '18b14f2957ff9925',
  'longitudinal-data, every metric, json': '43b308bde3bc1ddd',
  'activity data, arrow': '7e672fab5fed875a',
  'activity data, parquet': '981e57d04f8f47b0',
  'activity data, csv': '2b99338ecb67f53e',
  'activity data, json': '80a8b8c70f79299a',
  'activity mean-max, arrow': '44eb1b4a3d6b1a21',
  'activity mean-max, parquet': '7429b72027a509a9',
  'activity mean-max, csv': 'fcb55d25cdbcd89e',
  'activity mean-max, json': '74aa3cbba3862ed5',
};

let server: TestServer;
let token: string;
let rideId: string;

beforeAll(async () => {
  server = await startTestServer();
  token = await server.tokenFor('digest');
  const files: { name: string; bytes: Uint8Array }[] = [
    ...['ride-short.fit', 'ride-pauses.fit', 'run-devfield-power.fit', 'multisport-run-bike.fit'].map(
      (name) => ({
        name,
        bytes: new Uint8Array([]),
      }),
    ),
  ];
  for (const file of files) file.bytes = new Uint8Array(await readFile(join(FIXTURES, file.name)));
  files.push(
    { name: 'a.csv', bytes: csvRide({ startIso: '2024-03-01T07:00:00Z', durationS: 5000 }) },
    {
      name: 'b.csv',
      bytes: csvRide({ startIso: '2024-03-02T23:30:00Z', durationS: 3000, sport: 'cycling.gravel' }),
    },
  );
  for (const file of files) {
    const response = await upload(server, token, [file]);
    expect(response.status, file.name).toBeLessThan(300);
  }
  const [longest] = await server.engine.store.all<{ id: string }>(
    `SELECT id FROM activities WHERE athlete_id = 'digest' ORDER BY sample_count DESC, id LIMIT 1`,
  );
  rideId = longest!.id;
});
afterAll(() => server?.close());

const json = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

async function digest(path: string, format: string): Promise<string> {
  const response = await get(server, token, `${path}${path.includes('?') ? '&' : '?'}format=${format}`);
  expect(response.status).toBe(200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (format === 'arrow') {
    // Batch boundaries follow DuckDB's chunks, which vary from run to run: pin the schema and rows.
    const table = tableFromIPC(bytes);
    const schema = table.schema.fields.map((f) => [f.name, String(f.type), f.nullable, [...f.metadata]]);
    const rows = table.toArray().map((row) => row.toJSON());
    return sha(JSON.stringify({ schema, rows }, json));
  }
  if (format !== 'parquet') return sha(bytes);
  const dir = await makeTempDir('peakform-digest-');
  const file = join(dir, 'x.parquet');
  try {
    await writeFile(file, bytes);
    const source = `read_parquet('${file}')`;
    const schema = await server.engine.store.all(
      `SELECT name, type, converted_type, logical_type FROM parquet_schema('${file}')`,
    );
    const kv = await server.engine.store.all(
      `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${file}')`,
    );
    const rows = await server.engine.store.all(`SELECT * FROM ${source}`);
    return sha(JSON.stringify({ schema, kv, rows }, json));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ROUTES: [string, () => string][] = [
  ['longitudinal-data, default metrics', () => '/api/v1/activities/longitudinal-data'],
  [
    'longitudinal-data, every metric',
    () => `/api/v1/activities/longitudinal-data?${ALL_METRICS.map((m) => `metrics=${m}`).join('&')}`,
  ],
  ['activity data', () => `/api/v1/activities/${rideId}/data`],
  ['activity mean-max', () => `/api/v1/activities/${rideId}/mean-max?metric=power`],
];

describe('data route formats are pinned by digest', () => {
  for (const [name, path] of ROUTES) {
    for (const format of ['arrow', 'parquet', 'csv', 'json']) {
      it(`${name}, ${format}`, async () => {
        const got = await digest(path(), format);
        expect(got).toBe(EXPECTED[`${name}, ${format}`]);
      });
    }
  }
});
