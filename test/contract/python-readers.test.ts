import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The readers the official Python client uses (pyarrow, pandas and Polars; WIRE.md §1.8) read our
 * Parquet with the declared types: durations as durations, instants in UTC, `timestamp_local`
 * without a zone. Skips when python3 has no pyarrow, pandas and polars (`.ci/run` installs them
 * from the machine's local wheels when it can).
 */

const READ_ALL = `
import json, sys, pyarrow.parquet as pq, pandas as pd, polars as pl
out = {}
for path in sys.argv[1:]:
    table = pq.read_table(path)
    frame = pd.read_parquet(path)
    polars = pl.read_parquet(path)
    out[path] = {
        "arrow": {f.name: str(f.type) for f in table.schema},
        "pandas": {name: str(dtype) for name, dtype in frame.dtypes.items()},
        "polars": {name: str(dtype) for name, dtype in polars.schema.items()},
        "rows": table.num_rows,
    }
print(json.dumps(out))
`;

function pythonHasReaders(): boolean {
  try {
    execFileSync('python3', ['-c', 'import pyarrow, pandas, polars'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!pythonHasReaders())('Parquet as the official Python client reads it', () => {
  let server: TestServer;
  let dir: string;
  let token: string;
  let rideId: string;

  beforeAll(async () => {
    server = await startTestServer();
    dir = await makeTempDir('peakform-python-');
    token = await server.tokenFor('py');
    const bytes = await readFile(join(import.meta.dirname, '../../data/fixtures/ride-known-power.fit'));
    rideId = (await server.engine.sources.ingest('py', bytes, { fileName: 'ride.fit' })).activity_ids[0]!;
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads every time-series and curve table with durations, UTC instants and naive local times', async () => {
    const requests = {
      data: `/api/v1/activities/${rideId}/data?metrics=duration&metrics=power&metrics=speed`,
      meanMax: `/api/v1/activities/${rideId}/mean-max?metric=power`,
      awd: `/api/v1/activities/${rideId}/accumulated-work-duration?metric=power`,
      longitudinalMeanMax:
        '/api/v1/activities/longitudinal-mean-max?sport=cycling&metric=power&after=0&after=250',
      longitudinalData: '/api/v1/activities/longitudinal-data?sport=cycling&start=2010-01-01',
    };
    const paths: Record<string, string> = {};
    for (const [name, path] of Object.entries(requests)) {
      // No Accept header at all, as httpx sends it (`*/*`).
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.headers.get('content-type'), await response.clone().text()).toBe(
        'application/vnd.apache.parquet',
      );
      paths[name] = join(dir, `${name}.parquet`);
      await writeFile(paths[name]!, new Uint8Array(await response.arrayBuffer()));
    }
    const read = JSON.parse(
      execFileSync('python3', ['-c', READ_ALL, ...Object.values(paths)], { encoding: 'utf8' }),
    );
    const of = (name: string) => read[paths[name]!];

    expect(of('data').arrow).toMatchObject({
      timestamp: 'timestamp[us, tz=UTC]',
      timestamp_local: 'timestamp[us]',
      duration: 'duration[s]',
      power: 'int16',
      speed: 'float',
    });
    expect(of('data').pandas).toMatchObject({
      timestamp: 'datetime64[us, UTC]',
      timestamp_local: 'datetime64[us]',
      duration: 'timedelta64[s]',
    });
    expect(of('data').polars).toMatchObject({ timestamp_local: "Datetime(time_unit='us', time_zone=None)" });
    expect(of('data').rows).toBeGreaterThan(0);
    expect(of('meanMax').arrow).toEqual({
      duration: 'duration[s]',
      power: 'double',
      start: 'timestamp[us, tz=UTC]',
    });
    expect(of('awd').arrow).toEqual({ power: 'double', duration: 'duration[s]' });
    expect(of('longitudinalMeanMax').arrow).toEqual({
      duration: 'duration[s]',
      power: 'double',
      start: 'timestamp[us, tz=UTC]',
      activity_id: 'string',
      sport: 'string',
      after: 'double',
    });
    expect(Object.keys(of('longitudinalData').arrow)).toEqual([
      'timestamp',
      'timestamp_local',
      'activity_id',
      'sport',
      'duration',
      'power',
      'heart_rate',
      'speed',
    ]);
  });
});
