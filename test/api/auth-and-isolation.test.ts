import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, get, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

describe('authentication and athlete isolation', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let aliceActivity: string;
  let aliceSource: string;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await server.tokenFor('alice');
    bob = await server.tokenFor('bob');
    const body = await (
      await upload(server, alice, [
        { name: 'a.csv', bytes: csvRide({ startIso: '2024-01-01T10:00:00Z', durationS: 30 }) },
      ])
    )
      .json()
      .then(asJson);
    aliceSource = body.sources[0].id;
    aliceActivity = body.sources[0].activity_ids[0];
  });
  afterAll(() => server.close());

  it('answers 401 problem+json without a key and with an unknown key', async () => {
    for (const token of [undefined, 'pf_not-a-real-token']) {
      const response = await get(server, token, '/api/v1/activities');
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      const body = await response.json().then(asJson);
      expect(body.code).toMatch(/^ERR_AUTH_/);
      expect(body.request_id).toMatch(/^req_/);
      expect(response.headers.get('x-request-id')).toBe(body.request_id);
    }
  });

  it('answers 403 ERR_AUTH_SCOPE when the key lacks the scope a route needs', async () => {
    const readOnly = (await server.engine.tokens.create('alice', { name: 'ro', scopes: ['data:read'] }))
      .token;
    expect((await get(server, readOnly, '/api/v1/activities')).status).toBe(200);
    const response = await upload(server, readOnly, [
      { name: 'b.csv', bytes: csvRide({ startIso: '2024-01-02T10:00:00Z', durationS: 30 }) },
    ]);
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((await response.json().then(asJson)).code).toBe('ERR_AUTH_SCOPE');
    const del = await fetch(`${server.url}/api/v1/activities/${aliceActivity}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${readOnly}` },
    });
    expect(del.status).toBe(403);
    expect((await get(server, alice, `/api/v1/activities/${aliceActivity}`)).status).toBe(200);
  });

  it("never shows one athlete another's activity through any route", async () => {
    for (const path of [
      `/api/v1/activities/${aliceActivity}`,
      `/api/v1/activities/${aliceActivity}/data`,
      `/api/v1/activities/${aliceActivity}/data?format=parquet`,
      `/api/v1/activities/${aliceActivity}/mean-max?metric=power`,
      `/api/v1/sources/${aliceSource}`,
    ]) {
      const response = await get(server, bob, path);
      expect(response.status, path).toBe(404);
      expect((await response.json().then(asJson)).code).toMatch(/NOT_FOUND/);
    }
    expect(await (await get(server, bob, '/api/v1/activities')).json().then(asJson)).toEqual([]);
    const latest = await get(server, bob, '/api/v1/activities/latest');
    expect(latest.status).toBe(200);
    expect(await latest.json()).toBeNull();
    const del = await fetch(`${server.url}/api/v1/activities/${aliceActivity}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bob}` },
    });
    expect(del.status).toBe(404);
    expect((await get(server, alice, `/api/v1/activities/${aliceActivity}`)).status).toBe(200);
  });

  it('gives the same bytes uploaded by two athletes separate ids', async () => {
    const bytes = csvRide({ startIso: '2024-01-01T10:00:00Z', durationS: 30 });
    const body = await (await upload(server, bob, [{ name: 'a.csv', bytes }])).json().then(asJson);
    expect(body.sources[0].status).toBe('processed');
    expect(body.sources[0].activity_ids[0]).not.toBe(aliceActivity);
  });
});
