import { serializerCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/contract/index.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, get, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

/**
 * The list answers a personal key from the catalog view's shared records, each encoded once; the
 * bytes must be the route serializer's, and every write must show in the next list.
 */
describe('the activity list over HTTP', () => {
  let server: TestServer;
  let token: string;
  const serialize = serializerCompiler({
    schema: ROUTES.listActivities.response.schema,
    method: 'GET',
    url: '/api/v1/activities/',
    httpStatus: '200',
  } as never) as (data: unknown) => string;
  const expected = async (query: { limit?: number; offset?: number } = {}) =>
    serialize(await server.engine.activities.list('alice', { limit: 50, offset: 0, ...query }));

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('alice');
  });
  afterAll(() => server.close());

  it('sends the bytes the route serializer writes, before and after writes', async () => {
    const list = async (query = '') => {
      const response = await get(server, token, `/api/v1/activities/${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      return response.text();
    };
    expect(await list()).toBe('[]');
    const first = await upload(server, token, [
      { name: 'a.csv', bytes: csvRide({ startIso: '2024-05-10T08:00:00Z', durationS: 300 }) },
    ]);
    const a = asJson(await first.json()).sources[0].activity_ids[0];
    // Twice: the second answer reuses the encoded record.
    expect(await list()).toBe(await expected());
    expect(await list()).toBe(await expected());
    const second = await upload(
      server,
      token,
      [{ name: 'b.csv', bytes: csvRide({ startIso: '2024-05-12T08:00:00Z', durationS: 300 }) }],
      ['race'],
    );
    const b = asJson(await second.json()).sources[0].activity_ids[0];
    const body = await list();
    expect(JSON.parse(body).map((r: { id: string }) => r.id)).toEqual([b, a]);
    expect(body).toBe(await expected());
    expect(await list('?limit=1&offset=1')).toBe(await expected({ limit: 1, offset: 1 }));
    expect(JSON.parse(await list('?tags=race')).map((r: { id: string }) => r.id)).toEqual([b]);

    const deleted = await fetch(`${server.url}/api/v1/activities/${b}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleted.status).toBe(204);
    expect(JSON.parse(await list()).map((r: { id: string }) => r.id)).toEqual([a]);
    expect((await get(server, token, `/api/v1/activities/${b}/data?format=json`)).status).toBe(404);
  });

  it('answers a repeated longitudinal mean-max from memory until a write', async () => {
    const curve = async () => {
      const response = await get(
        server,
        token,
        '/api/v1/activities/longitudinal-mean-max?sport=cycling&format=json&durations=60',
      );
      expect(response.status).toBe(200);
      return asJson(await response.json()) as { duration: number; power: number; activity_id: string }[];
    };
    const before = await curve();
    expect(await curve()).toEqual(before);
    const harder = await upload(server, token, [
      {
        name: 'hard.csv',
        bytes: csvRide({ startIso: '2024-06-01T08:00:00Z', durationS: 300, powerW: () => 900 }),
      },
    ]);
    const id = asJson(await harder.json()).sources[0].activity_ids[0];
    const after = await curve();
    expect(after[0]!.activity_id).toBe(id);
    expect(after[0]!.power).toBe(900);
    expect(before[0]!.power).toBeLessThan(900);
  });
});
