import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, get, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

describe('activities API', () => {
  let server: TestServer;
  let token: string;
  let rideId: string;
  let sourceId: string;
  const ride = csvRide({ startIso: '2024-05-10T08:00:00Z', durationS: 600 });

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('alice');
    const response = await upload(server, token, [{ name: 'ride.csv', bytes: ride }], ['race']);
    expect(response.status).toBe(201);
    const body = await response.json().then(asJson);
    sourceId = body.sources[0].id;
    rideId = body.sources[0].activity_ids[0];
  });
  afterAll(() => server.close());

  it('upload returns one processed source per file with its activity ids', async () => {
    const source = await (await get(server, token, `/api/v1/sources/${sourceId}`)).json().then(asJson);
    expect(source).toMatchObject({
      id: sourceId,
      status: 'processed',
      type: 'csv',
      origin: 'manual_upload',
      filename: 'ride.csv',
      error: null,
      duplicate: false,
      size_bytes: ride.byteLength,
      issues: [],
    });
    expect(source.activity_ids).toEqual([rideId]);
    expect(source.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  });

  it('lists activities newest first with sport, dates and summary', async () => {
    const older = csvRide({ startIso: '2024-05-01T08:00:00Z', durationS: 120, sport: 'running.trail' });
    await upload(server, token, [{ name: 'run.csv', bytes: older }]);
    const body = await (await get(server, token, '/api/v1/activities')).json().then(asJson);
    expect(Array.isArray(body)).toBe(true);
    expect(body.map((a: { sport: string }) => a.sport)).toEqual(['cycling.road', 'running.trail']);
    // The SweatStack path with its trailing slash answers the same list, without a redirect.
    const slashed = await get(server, token, '/api/v1/activities/');
    expect(slashed.status).toBe(200);
    expect(await slashed.json()).toEqual(body);
    const [first] = body;
    expect(first).toMatchObject({
      id: rideId,
      start: '2024-05-10T08:00:00Z',
      end: '2024-05-10T08:09:59Z',
      start_local: '2024-05-10T08:00:00',
      end_local: '2024-05-10T08:09:59',
      duration: 'PT10M',
      source_id: sourceId,
      sample_count: 600,
      elapsed_s: 600,
      utc_offset_s: 0,
      tags: ['race'],
      laps: null,
      traces: null,
      app_metadata: null,
    });
    expect(first.summary.power.mean).toBeCloseTo(229.5, 6);
    expect(first.summary.power.max).toBe(259);
    expect(first.summary.heart_rate).toMatchObject({ min: 120, max: 149, start: 120, end: 149 });
    expect(first.summary.heart_rate.mean).toBeCloseTo(134.5, 6);
    expect(first.analysis.avg_power_w).toBeCloseTo(229.5, 6);
    expect(first.metrics).toEqual(
      expect.arrayContaining(['power', 'heart_rate', 'cadence', 'speed', 'distance']),
    );
  });

  it('filters by sport hierarchy, inclusive local dates and tags', async () => {
    const ids = async (query: string) =>
      (await (await get(server, token, `/api/v1/activities?${query}`)).json().then(asJson)).map(
        (a: { id: string }) => a.id,
      );
    expect(await ids('sport=cycling')).toEqual([rideId]);
    expect(await ids('sport=cycling.road')).toEqual([rideId]);
    expect(await ids('sport=cycling.mountain')).toEqual([]);
    expect(await ids('sport=cycling&sport=running')).toHaveLength(2);
    expect(await ids('start=2024-05-10&end=2024-05-10')).toEqual([rideId]);
    expect(await ids('end=2024-05-09')).toHaveLength(1);
    expect(await ids('tags=race')).toEqual([rideId]);
    expect(await ids('limit=1&offset=1')).toHaveLength(1);
  });

  it('returns the latest activity, optionally of one sport', async () => {
    expect((await (await get(server, token, '/api/v1/activities/latest')).json().then(asJson)).id).toBe(
      rideId,
    );
    const run = await (await get(server, token, '/api/v1/activities/latest?sport=running'))
      .json()
      .then(asJson);
    expect(run.sport).toBe('running.trail');
    const none = await get(server, token, '/api/v1/activities/latest?sport=rowing');
    expect(none.status).toBe(200);
    expect(await none.json()).toBeNull();
  });

  it('serves the samples as an Arrow IPC stream that apache-arrow reads', async () => {
    const response = await get(server, token, `/api/v1/activities/${rideId}/data`, {
      accept: 'application/vnd.apache.arrow.stream',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
    expect(table.numRows).toBe(600);
    expect(table.schema.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['timestamp', 'power', 'heart_rate', 'cadence', 'speed', 'distance']),
    );
    expect(table.getChild('power')!.get(0)).toBe(200);
    expect(table.getChild('power')!.get(59)).toBe(259);
    expect(Number(table.getChild('timestamp')!.get(0))).toBe(Date.parse('2024-05-10T08:00:00Z'));
  });

  it('serves the samples as Parquet that DuckDB reads, CSV and JSON, all with the same values', async () => {
    const parquet = await get(
      server,
      token,
      `/api/v1/activities/${rideId}/data?format=parquet&metrics=power&metrics=heart_rate`,
    );
    expect(parquet.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const path = join(server.dataDir, 'downloaded.parquet');
    await writeFile(path, new Uint8Array(await parquet.arrayBuffer()));
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const rows = (
      await connection.runAndReadAll(`SELECT power, heart_rate FROM '${path}' ORDER BY timestamp`)
    ).getRowObjectsJS();
    connection.closeSync();
    db.closeSync();

    const csv = await (
      await get(server, token, `/api/v1/activities/${rideId}/data?metrics=power&metrics=heart_rate`, {
        accept: 'text/csv',
      })
    ).text();
    const csvLines = csv.trim().split('\n');
    expect(csvLines[0]).toBe('timestamp,timestamp_local,power,heart_rate');
    expect(csvLines[1]).toBe('2024-05-10T08:00:00Z,2024-05-10T08:00:00,200,120');

    const json = await (
      await get(
        server,
        token,
        `/api/v1/activities/${rideId}/data?metrics=power&metrics=heart_rate&format=json`,
      )
    )
      .json()
      .then(asJson);
    expect(json).toHaveLength(600);
    expect(rows).toHaveLength(600);
    for (let i = 0; i < 600; i++) {
      const [, , power, hr] = csvLines[i + 1]!.split(',');
      expect(json[i].power).toBe(rows[i]!.power);
      expect(json[i].heart_rate).toBe(rows[i]!.heart_rate);
      expect(Number(power)).toBe(json[i].power);
      expect(Number(hr)).toBe(json[i].heart_rate);
    }
  });

  it('re-uploading the same bytes changes nothing and returns the same ids', async () => {
    const before = await server.engine.activities.count('alice', {});
    const body = await (await upload(server, token, [{ name: 'again.csv', bytes: ride }]))
      .json()
      .then(asJson);
    expect(body.sources[0]).toMatchObject({
      id: sourceId,
      status: 'processed',
      duplicate: true,
      activity_ids: [rideId],
    });
    expect(await server.engine.activities.count('alice', {})).toBe(before);
  });

  it('deletes an activity; it is then gone from every route, and a re-upload restores it', async () => {
    const bytes = csvRide({ startIso: '2024-06-01T06:00:00Z', durationS: 60 });
    const created = (await (await upload(server, token, [{ name: 'del.csv', bytes }])).json().then(asJson))
      .sources[0];
    const id = created.activity_ids[0];
    const del = await fetch(`${server.url}/api/v1/activities/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(204);
    expect((await get(server, token, `/api/v1/activities/${id}`)).status).toBe(404);
    expect((await get(server, token, `/api/v1/activities/${id}/data`)).status).toBe(404);
    const again = (await (await upload(server, token, [{ name: 'del.csv', bytes }])).json().then(asJson))
      .sources[0];
    expect(again).toMatchObject({ status: 'processed', duplicate: false, activity_ids: [id] });
  });

  it('gives an activity with its laps', async () => {
    const detail = await (await get(server, token, `/api/v1/activities/${rideId}`)).json().then(asJson);
    expect(detail.id).toBe(rideId);
    expect(Array.isArray(detail.laps)).toBe(true);
    expect(detail).toMatchObject({ duration: 'PT10M', distance: 5070, distance_m: 5070 });
    expect(detail).toHaveProperty('devices');
    const latest = await (await get(server, token, '/api/v1/activities/latest')).json().then(asJson);
    expect(Array.isArray(latest.laps)).toBe(true);
  });

  it('publishes OpenAPI 3.1 generated from the schemas and an interactive docs page', async () => {
    const spec = await (await fetch(`${server.url}/openapi.json`)).json().then(asJson);
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/activities/',
        '/api/v1/activities/latest',
        '/api/v1/activities/{id}',
        '/api/v1/activities/{id}/data',
        '/api/v1/activities/upload',
        '/api/v1/sources/{id}',
        '/health',
      ]),
    );
    expect(spec.paths['/api/v1/activities/'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['start', 'end', 'sport', 'tags', 'limit', 'offset']),
    );
    const docs = await fetch(`${server.url}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    expect(await (await fetch(`${server.url}/health`)).json().then(asJson)).toMatchObject({ status: 'ok' });
  });
});
