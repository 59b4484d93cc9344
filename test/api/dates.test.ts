import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asJson, get, startTestServer, type TestServer } from '../helpers/test-server.ts';

describe('dates in requests', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('dates');
  });
  afterAll(() => server.close());

  // Each route with the query it needs besides the dates.
  const routes = [
    '/api/v1/activities/?limit=10',
    '/api/v1/activities/longitudinal-mean-max?format=json',
    '/api/v1/activities/longitudinal-data?format=json',
    '/api/v1/activities/longitudinal-aggregate?format=json',
    '/api/v1/profile/training-load?format=json',
  ];

  it('rejects dates that are not on the calendar with 400 on every route that takes them', async () => {
    for (const route of routes) {
      for (const date of ['2024-02-30', '2023-02-29', '2024-04-31', '2024-13-01']) {
        const response = await get(server, token, `${route}&start=${date}`);
        expect(response.status, `${route} ${date}`).toBe(400);
        expect(asJson(await response.json()).code).toBe('ERR_REQUEST_INVALID');
      }
    }
  });

  it('answers a range longer than 20 years with 400 ERR_DATE_RANGE_TOO_LONG', async () => {
    for (const route of routes) {
      const response = await get(server, token, `${route}&start=1990-01-01&end=2024-12-31`);
      expect(response.status, route).toBe(400);
      expect(asJson(await response.json()).code).toBe('ERR_DATE_RANGE_TOO_LONG');
    }
  });

  it('keeps years 0000–0099 as written and accepts a leap day', async () => {
    const early = await get(server, token, '/api/v1/activities/?start=0050-01-01&end=0060-12-31');
    expect(early.status).toBe(200);
    expect(await early.json()).toEqual([]);
    const load = await get(
      server,
      token,
      '/api/v1/profile/training-load?start=0052-02-28&end=0052-03-01&format=json',
    );
    expect(asJson(await load.json()).map((r: { date: string }) => r.date)).toEqual([
      '0052-02-28',
      '0052-02-29',
      '0052-03-01',
    ]);
  });
});
