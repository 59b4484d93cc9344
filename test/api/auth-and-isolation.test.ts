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
    }
  });

  it("never shows one athlete another's activity through any route", async () => {
    for (const path of [
      `/api/v1/activities/${aliceActivity}`,
      `/api/v1/activities/${aliceActivity}/data`,
      `/api/v1/activities/${aliceActivity}/data?format=parquet`,
      `/api/v1/sources/${aliceSource}`,
    ]) {
      const response = await get(server, bob, path);
      expect(response.status, path).toBe(404);
      expect((await response.json().then(asJson)).code).toMatch(/NOT_FOUND/);
    }
    expect((await (await get(server, bob, '/api/v1/activities')).json().then(asJson)).data).toEqual([]);
    expect((await get(server, bob, '/api/v1/activities/latest')).status).toBe(404);
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
