import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asJson, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

/**
 * App metadata (WIRE.md §3.4, §7.8): only application tokens write it, only the writing
 * application sees it (on every read of the record), personal keys see nothing; limits exactly
 * at their boundary (1024 / 4096 bytes of compact UTF-8 JSON, 32 levels).
 */

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');
const ATHLETE = 'meta-athlete';

describe('app metadata', () => {
  let server: TestServer;
  let personal: string;
  let appA: string;
  let appB: string;
  let activityId: string;
  let testId: string;
  let traceId: string;

  async function call(method: string, path: string, bearer: string, body?: unknown, raw?: string) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    return { status: response.status, body: text ? asJson(JSON.parse(text)) : undefined };
  }

  /** A JSON object whose compact UTF-8 form is exactly `bytes` long (multi-byte characters included). */
  function objectOfBytes(bytes: number): Record<string, string> {
    const base = JSON.stringify({ k: 'é', v: '' }); // é is two bytes
    const size = Buffer.byteLength(base, 'utf8');
    const value = { k: 'é', v: 'x'.repeat(bytes - size) };
    expect(Buffer.byteLength(JSON.stringify(value), 'utf8')).toBe(bytes);
    return value;
  }

  /** An object nested `depth` levels deep (the object itself is level 1). */
  function objectOfDepth(depth: number): Record<string, unknown> {
    let value: Record<string, unknown> = { leaf: true };
    for (let level = 1; level < depth; level++) value = { n: value };
    return value;
  }

  beforeAll(async () => {
    server = await startTestServer();
    personal = await server.tokenFor(ATHLETE);
    const a = await server.engine.identity.applications.create(ATHLETE, { name: 'App A' });
    const b = await server.engine.identity.applications.create('someone-else', { name: 'App B' });
    appA = (await server.engine.tokens.create(ATHLETE, { clientId: a.application.id })).token;
    appB = (await server.engine.tokens.create(ATHLETE, { clientId: b.application.id })).token;
    const response = await upload(server, personal, [
      { name: 'ride.fit', bytes: await readFile(join(FIXTURES, 'ride-known-power.fit')) },
    ]);
    activityId = asJson(await response.json()).sources[0].activity_ids[0];
    const ride = (await call('GET', `/api/v1/activities/${activityId}`, personal)).body;
    testId = (
      await call('POST', '/api/v1/tests/', personal, {
        sport: 'cycling',
        start: ride.start.replace('Z', '+00:00'),
        end: ride.end.replace('Z', '+00:00'),
      })
    ).body.id;
    const at = new Date((Date.parse(ride.start) + Date.parse(ride.end)) / 2).toISOString();
    traceId = (await call('POST', '/api/v1/traces/', personal, { timestamp: at, lactate: 2.5 })).body.id;
  });
  afterAll(() => server.close());

  it('is visible only to the writing application, on every read of the record', async () => {
    const paths = {
      activity: `/api/v1/activities/${activityId}/app-metadata`,
      test: `/api/v1/tests/${testId}/app-metadata`,
      trace: `/api/v1/traces/${traceId}/app-metadata`,
      profile: '/api/v1/profile/app-metadata',
    };
    for (const [kind, path] of Object.entries(paths)) {
      const stored = await call('PUT', path, appA, { owner: 'A', kind });
      expect(stored, kind).toEqual({ status: 200, body: { message: expect.any(String) } });
    }
    await call('PUT', paths.activity, appB, { owner: 'B' });

    const readAs = async (bearer: string) => ({
      list: (await call('GET', '/api/v1/activities/', bearer)).body[0].app_metadata,
      get: (await call('GET', `/api/v1/activities/${activityId}`, bearer)).body.app_metadata,
      latest: (await call('GET', '/api/v1/activities/latest', bearer)).body.app_metadata,
      tests: (await call('GET', '/api/v1/tests/', bearer)).body[0].app_metadata,
      test: (await call('GET', `/api/v1/tests/${testId}`, bearer)).body,
      traces: (await call('GET', '/api/v1/traces/', bearer)).body[0],
      trace: (await call('GET', `/api/v1/traces/${traceId}`, bearer)).body.app_metadata,
    });

    const a = await readAs(appA);
    expect(a.list).toEqual({ owner: 'A', kind: 'activity' });
    expect(a.get).toEqual({ owner: 'A', kind: 'activity' });
    expect(a.latest).toEqual({ owner: 'A', kind: 'activity' });
    expect(a.tests).toEqual({ owner: 'A', kind: 'test' });
    expect(a.test.app_metadata).toEqual({ owner: 'A', kind: 'test' });
    // Nested records carry it too: the test's traces and activities, the trace's activity and test.
    expect(a.test.traces[0].app_metadata).toEqual({ owner: 'A', kind: 'trace' });
    expect(a.test.activities[0].app_metadata).toEqual({ owner: 'A', kind: 'activity' });
    expect(a.traces.app_metadata).toEqual({ owner: 'A', kind: 'trace' });
    expect(a.traces.activity.app_metadata).toEqual({ owner: 'A', kind: 'activity' });
    expect(a.traces.test.app_metadata).toEqual({ owner: 'A', kind: 'test' });
    expect(a.trace).toEqual({ owner: 'A', kind: 'trace' });
    expect((await call('GET', paths.profile, appA)).body).toEqual({ owner: 'A', kind: 'profile' });

    const b = await readAs(appB);
    expect(b.get).toEqual({ owner: 'B' });
    expect(b.tests).toBeNull();
    expect(b.test.app_metadata).toBeNull();
    expect(b.test.traces[0].app_metadata).toBeNull();
    expect(b.trace).toBeNull();
    expect((await call('GET', paths.profile, appB)).body).toBeNull();

    const p = await readAs(personal);
    for (const value of [
      p.list,
      p.get,
      p.latest,
      p.tests,
      p.test.app_metadata,
      p.trace,
      p.traces.app_metadata,
    ])
      expect(value).toBeNull();
    expect(p.test.activities[0].app_metadata).toBeNull();

    // PUT replaces (no merge); DELETE removes, once.
    await call('PUT', paths.test, appA, { fresh: 1 });
    expect((await call('GET', `/api/v1/tests/${testId}`, appA)).body.app_metadata).toEqual({ fresh: 1 });
    expect((await call('DELETE', paths.test, appA)).status).toBe(204);
    expect((await call('DELETE', paths.test, appA)).status).toBe(404);
    expect((await call('GET', `/api/v1/tests/${testId}`, appA)).body.app_metadata).toBeNull();
    expect((await call('DELETE', paths.profile, appA)).status).toBe(204);
    expect((await call('GET', paths.profile, appA)).body).toBeNull();
    // B's object on the activity is untouched by A's delete.
    expect((await call('DELETE', paths.activity, appA)).status).toBe(204);
    expect((await call('GET', `/api/v1/activities/${activityId}`, appB)).body.app_metadata).toEqual({
      owner: 'B',
    });
  });

  it('refuses tokens that are not an application’s (403), unknown records (404) and missing scopes', async () => {
    for (const [method, path] of [
      ['PUT', `/api/v1/activities/${activityId}/app-metadata`],
      ['DELETE', `/api/v1/activities/${activityId}/app-metadata`],
      ['PUT', '/api/v1/profile/app-metadata'],
      ['GET', '/api/v1/profile/app-metadata'],
    ] as const) {
      const refused = await call(method, path, personal, method === 'PUT' ? { a: 1 } : undefined);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.code).toBe('ERR_APP_METADATA_APP_TOKEN');
    }
    expect((await call('PUT', '/api/v1/activities/act_unknown/app-metadata', appA, { a: 1 })).status).toBe(
      404,
    );
    expect((await call('PUT', '/api/v1/tests/tst_unknown/app-metadata', appA, { a: 1 })).status).toBe(404);
    expect((await call('PUT', '/api/v1/traces/trc_unknown/app-metadata', appA, { a: 1 })).status).toBe(404);
    // Another athlete's record is unknown to this athlete's app token.
    const stranger = await server.tokenFor('meta-stranger');
    const test = (
      await call('POST', '/api/v1/tests/', stranger, { sport: 'running', start: '2024-01-01T00:00:00Z' })
    ).body;
    expect((await call('PUT', `/api/v1/tests/${test.id}/app-metadata`, appA, { a: 1 })).status).toBe(404);
    const { application } = await server.engine.identity.applications.create(ATHLETE, { name: 'Reader' });
    const readOnly = (
      await server.engine.tokens.create(ATHLETE, { clientId: application.id, scopes: ['data:read'] })
    ).token;
    const lacking = await call('PUT', '/api/v1/profile/app-metadata', readOnly, { a: 1 });
    expect(lacking.status).toBe(403);
    expect(lacking.body.code).toBe('ERR_AUTH_SCOPE');
  });

  it('holds the limits exactly at their boundaries', async () => {
    const path = `/api/v1/traces/${traceId}/app-metadata`;
    expect((await call('PUT', path, appA, objectOfBytes(1024))).status).toBe(200);
    expect((await call('GET', `/api/v1/traces/${traceId}`, appA)).body.app_metadata).toEqual(
      objectOfBytes(1024),
    );
    const tooLarge = await call('PUT', path, appA, objectOfBytes(1025));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.code).toBe('ERR_APP_METADATA_TOO_LARGE');
    // Size is of the compact form: whitespace in the request does not count.
    const padded = JSON.stringify(objectOfBytes(1024), null, 8);
    expect(Buffer.byteLength(padded)).toBeGreaterThan(1024);
    expect((await call('PUT', path, appA, undefined, padded)).status).toBe(200);

    expect((await call('PUT', path, appA, objectOfDepth(32))).status).toBe(200);
    const tooDeep = await call('PUT', path, appA, objectOfDepth(33));
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body.code).toBe('ERR_APP_METADATA_TOO_DEEP');
    // Arrays count as levels too.
    let arrays: unknown = 1;
    for (let i = 0; i < 32; i++) arrays = [arrays];
    expect((await call('PUT', path, appA, { a: arrays })).status).toBe(422);

    for (const notObject of ['[1, 2]', '"text"', '42', 'null']) {
      const refused = await call('PUT', path, appA, undefined, notObject);
      expect(refused.status, notObject).toBe(422);
      expect(refused.body.code).toBe('ERR_APP_METADATA_INVALID');
    }

    const profile = '/api/v1/profile/app-metadata';
    expect((await call('PUT', profile, appA, objectOfBytes(4096))).status).toBe(200);
    expect((await call('GET', profile, appA)).body).toEqual(objectOfBytes(4096));
    expect((await call('PUT', profile, appA, objectOfBytes(4097))).status).toBe(413);
    expect(
      (await call('PUT', `/api/v1/activities/${activityId}/app-metadata`, appA, objectOfBytes(1025))).status,
    ).toBe(413);
    expect(
      (await call('PUT', `/api/v1/tests/${testId}/app-metadata`, appA, objectOfBytes(1024))).status,
    ).toBe(200);
  });

  it('goes with its record', async () => {
    const trace = (
      await call('POST', '/api/v1/traces/', personal, { timestamp: '2024-02-02T10:00:00+01:00' })
    ).body;
    await call('PUT', `/api/v1/traces/${trace.id}/app-metadata`, appA, { x: 1 });
    expect((await call('DELETE', `/api/v1/traces/${trace.id}`, personal)).status).toBe(204);
    const rows = await server.engine.store.all('SELECT * FROM app_metadata WHERE record_id = $1', [trace.id]);
    expect(rows).toEqual([]);

    const response = await upload(server, personal, [
      { name: 'short.fit', bytes: await readFile(join(FIXTURES, 'ride-short.fit')) },
    ]);
    const short = asJson(await response.json()).sources[0].activity_ids[0];
    await call('PUT', `/api/v1/activities/${short}/app-metadata`, appA, { x: 2 });
    expect((await call('DELETE', `/api/v1/activities/${short}`, personal)).status).toBe(204);
    expect(await server.engine.store.all('SELECT * FROM app_metadata WHERE record_id = $1', [short])).toEqual(
      [],
    );
  });

  it('goes with its application', async () => {
    const { application } = await server.engine.identity.applications.create(ATHLETE, {
      name: 'Short-lived',
    });
    const bearer = (await server.engine.tokens.create(ATHLETE, { clientId: application.id })).token;
    expect((await call('PUT', '/api/v1/profile/app-metadata', bearer, { y: 1 })).status).toBe(200);
    await server.engine.identity.deleteApplication(ATHLETE, application.id);
    expect(
      await server.engine.store.all('SELECT * FROM app_metadata WHERE client_id = $1', [application.id]),
    ).toEqual([]);
  });
});
