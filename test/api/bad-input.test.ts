import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, get, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

describe('bad input gets a clear 4xx and the server stays up', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('carol');
  });
  afterAll(() => server.close());

  async function expectProblem(response: Response, status: number, code: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const body = await response.json().then(asJson);
    expect(body).toMatchObject({ status, code });
    expect(body.detail.length).toBeGreaterThan(10);
    return body;
  }

  async function expectFailedSources(response: Response) {
    // An unreadable file is reported in its source, never as an HTTP error.
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = await response.json().then(asJson);
    for (const source of body.sources) {
      expect(source).toMatchObject({ status: 'failed', activity_ids: [], duplicate: false });
      expect(source.error.code).toBe('ERR_INGEST_UNREADABLE');
      expect(source.error.message.length).toBeGreaterThan(10);
    }
    return body;
  }

  it('reports an empty file and random bytes as failed sources and records them', async () => {
    const body = await expectFailedSources(
      await upload(server, token, [
        { name: 'empty.fit', bytes: new Uint8Array() },
        { name: 'noise.fit', bytes: randomBytes(4096) },
      ]),
    );
    expect(body.sources.map((s: { status: string }) => s.status)).toEqual(['failed', 'failed']);
    expect(body.sources.map((s: { filename: string }) => s.filename)).toEqual(['empty.fit', 'noise.fit']);
    expect(body.sources.map((s: { size_bytes: number }) => s.size_bytes)).toEqual([0, 4096]);
    const source = await (await get(server, token, `/api/v1/sources/${body.sources[1].id}`))
      .json()
      .then(asJson);
    expect(source).toMatchObject({ id: body.sources[1].id, status: 'failed', filename: 'noise.fit' });
    expect(source.error.code).toBe('ERR_INGEST_UNREADABLE');
    expect(await server.engine.activities.count('carol', {})).toBe(0);
  });

  it('rejects a 50 MB garbage upload with 413', async () => {
    const response = await upload(server, token, [
      { name: 'huge.fit', bytes: new Uint8Array(50 * 1024 * 1024).fill(7) },
    ]);
    await expectProblem(response, 413, 'ERR_UPLOAD_TOO_LARGE');
  });

  it('rejects more than 10 files in one upload with 413', async () => {
    const files = Array.from({ length: 11 }, (_, i) => ({
      name: `r${i}.csv`,
      bytes: csvRide({ startIso: `2024-07-${String(i + 1).padStart(2, '0')}T10:00:00Z`, durationS: 5 }),
    }));
    await expectProblem(await upload(server, token, files), 413, 'ERR_UPLOAD_TOO_MANY_FILES');
  });

  it('reads a file by its content when its extension is wrong', async () => {
    const response = await upload(server, token, [
      { name: 'ride.gpx', bytes: csvRide({ startIso: '2024-02-02T10:00:00Z', durationS: 10 }) },
    ]);
    expect(response.status).toBe(201);
    expect((await response.json().then(asJson)).sources[0]).toMatchObject({
      type: 'csv',
      status: 'processed',
      filename: 'ride.gpx',
    });
  });

  it('rejects a CSV whose timestamps have no time zone, saying how to fix it', async () => {
    const csv = new TextEncoder().encode(
      'timestamp,sport,power\n2024-01-01T10:00:00,cycling,200\n2024-01-01T10:00:01,,210\n',
    );
    const body = await expectFailedSources(await upload(server, token, [{ name: 'naive.csv', bytes: csv }]));
    expect(body.sources).toHaveLength(1);
    expect(body.sources[0].error.message).toMatch(/time zone/i);
    expect(body.sources[0].error.message).toMatch(/offset|`Z`/);
  });

  it('rejects unknown and malformed parameters with 400 and lists what is wrong', async () => {
    await expectProblem(
      await get(server, token, '/api/v1/activities?colour=red'),
      400,
      'ERR_REQUEST_INVALID',
    );
    await expectProblem(
      await get(server, token, '/api/v1/activities?start=2024-13-45'),
      400,
      'ERR_REQUEST_INVALID',
    );
    await expectProblem(await get(server, token, '/api/v1/activities?limit=0'), 400, 'ERR_REQUEST_INVALID');
    await expectProblem(
      await get(server, token, '/api/v1/activities?sport=Cycling!'),
      400,
      'ERR_REQUEST_INVALID',
    );
    await expectProblem(
      await get(server, token, '/api/v1/activities?start=2024-05-02&end=2024-05-01'),
      400,
      'ERR_DATE_RANGE_INVALID',
    );
    await expectProblem(await get(server, token, '/api/v1/activities/not-an-id'), 400, 'ERR_REQUEST_INVALID');
    await expectProblem(
      await get(server, token, '/api/v1/activities/act_0000/data?metrics=watts'),
      400,
      'ERR_REQUEST_INVALID',
    );
    await expectProblem(
      await get(server, token, '/api/v1/activities/act_0000'),
      404,
      'ERR_ACTIVITY_NOT_FOUND',
    );
    await expectProblem(await get(server, token, '/api/v1/nowhere'), 404, 'ERR_ROUTE_NOT_FOUND');
  });

  it('answers 406 when no acceptable format can be produced', async () => {
    const id = (
      await (
        await upload(server, token, [
          { name: 'x.csv', bytes: csvRide({ startIso: '2024-03-03T10:00:00Z', durationS: 5 }) },
        ])
      )
        .json()
        .then(asJson)
    ).sources[0].activity_ids[0];
    await expectProblem(
      await get(server, token, `/api/v1/activities/${id}/data`, { accept: 'image/png' }),
      406,
      'ERR_FORMAT_NOT_ACCEPTABLE',
    );
  });

  it('rejects an upload that is not multipart and one with no file', async () => {
    const notMultipart = await fetch(`${server.url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect([400, 415]).toContain(notMultipart.status);
    const form = new FormData();
    form.append('tags', 'x');
    const empty = await fetch(`${server.url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    await expectProblem(empty, 400, 'ERR_UPLOAD_EMPTY');
  });

  it('is still healthy after all of that', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
