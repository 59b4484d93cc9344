import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asJson, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

/**
 * Tests and traces over real HTTP (WIRE.md §2.2, §2.3, §3.5, §3.6, §7.5, §7.6, §7.11): full
 * replace, `auto` vs `linked` resolution, overlapping activities, the trace's activity and lap,
 * lists and filters, and app-owned tests.
 */

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');
const ATHLETE = 'tt-athlete';

describe('tests and traces', () => {
  let server: TestServer;
  let token: string;
  let ride: { id: string; sport: string; start: string; end: string; laps: { start: string; end: string }[] };

  async function call(method: string, path: string, body?: unknown, bearer = token) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? asJson(JSON.parse(text)) : undefined };
  }

  /** A full TestCreate body as the SDK sends it: all six keys. */
  const testBody = (overrides: Record<string, unknown> = {}) => ({
    sport: 'cycling',
    start: '2024-06-01T08:00:00+02:00',
    title: null,
    end: null,
    results: null,
    tags: null,
    ...overrides,
  });

  /** A full TraceCreateOrUpdate body as the SDK sends it: every key, null included. */
  const traceBody = (overrides: Record<string, unknown> = {}) => ({
    timestamp: '2024-06-01T08:30:00+02:00',
    test_id: null,
    lactate: null,
    rpe: null,
    notes: null,
    power: null,
    speed: null,
    heart_rate: null,
    vo2: null,
    tags: null,
    sport: null,
    ...overrides,
  });

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor(ATHLETE);
    const response = await upload(server, token, [
      { name: 'ride.fit', bytes: await readFile(join(FIXTURES, 'ride-known-power.fit')) },
    ]);
    const id = asJson(await response.json()).sources[0].activity_ids[0];
    ride = (await call('GET', `/api/v1/activities/${id}`)).body;
  });
  afterAll(() => server.close());

  it('stores a test (end defaults to start + 3 h) and answers TestSummary with wall-clock twins', async () => {
    const created = await call(
      'POST',
      '/api/v1/tests/',
      testBody({
        title: 'Ramp',
        results: {
          first_threshold: { power: 210, heart_rate: 148, lactate: 2.0, speed: null, vo2: null },
          second_threshold: { power: 285, heart_rate: 171, lactate: 4.0 },
          vo2max: 4350.5,
          critical_power: 290,
          w_prime: 18.5,
          heart_rate_max: 190,
        },
        tags: ['lab', 'ramp'],
      }),
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      sport: 'cycling',
      start: '2024-06-01T06:00:00Z',
      end: '2024-06-01T09:00:00Z',
      start_local: '2024-06-01T08:00:00',
      end_local: '2024-06-01T11:00:00',
      title: 'Ramp',
      tags: ['lab', 'ramp'],
      created_by: null,
      app_metadata: null,
    });
    expect(created.body.id).toMatch(/^tst_/);
    expect(created.body.results.first_threshold).toMatchObject({ power: 210, heart_rate: 148, lactate: 2 });
    expect(created.body.results.critical_power).toBe(290);
    const fetched = await call('GET', `/api/v1/tests/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.results.w_prime).toBe(18.5);
    // The profile's tags include those of tests (WIRE.md §3.8).
    expect((await call('GET', '/api/v1/profile/tags/')).body).toEqual(
      expect.arrayContaining(['lab', 'ramp']),
    );
  });

  it('refuses naive timestamps (422), bad values, a window that ends before it starts, and unknown ids', async () => {
    const naive = await call('POST', '/api/v1/tests/', testBody({ start: '2024-06-01T08:00:00' }));
    expect(naive.status).toBe(422);
    expect(naive.body.code).toBe('ERR_TIMESTAMP_NAIVE');
    const naiveTrace = await call('POST', '/api/v1/traces/', traceBody({ timestamp: '2024-06-01T08:00:00' }));
    expect(naiveTrace.status).toBe(422);
    const backwards = await call('POST', '/api/v1/tests/', testBody({ end: '2024-06-01T07:00:00+02:00' }));
    expect(backwards.status).toBe(422);
    expect((await call('POST', '/api/v1/traces/', traceBody({ rpe: 7.5 }))).status).toBe(400);
    expect((await call('POST', '/api/v1/traces/', traceBody({ power: -1 }))).status).toBe(400);
    expect((await call('POST', '/api/v1/traces/', traceBody({ rpe: 7.0 }))).status).toBe(200);
    const unknownTest = await call('POST', '/api/v1/traces/', traceBody({ test_id: 'tst_nope' }));
    expect(unknownTest.status).toBe(404);
    expect(unknownTest.body.code).toBe('ERR_TEST_NOT_FOUND');
    expect((await call('GET', '/api/v1/tests/tst_nope')).status).toBe(404);
    expect((await call('PUT', '/api/v1/tests/tst_nope', testBody())).status).toBe(404);
    expect((await call('DELETE', '/api/v1/tests/tst_nope')).status).toBe(404);
    expect((await call('PUT', '/api/v1/traces/trc_nope', traceBody())).status).toBe(404);
    expect((await call('DELETE', '/api/v1/traces/trc_nope')).status).toBe(404);
  });

  it('full replace clears every field left out or null, a trace’s test_id included (§7.6)', async () => {
    const test = (
      await call(
        'POST',
        '/api/v1/tests/',
        testBody({
          start: '2024-07-01T10:00:00+02:00',
          end: '2024-07-01T11:00:00+02:00',
          title: 'Field test',
          results: { critical_power: 300 },
          tags: ['field'],
        }),
      )
    ).body;
    const replaced = await call('PUT', `/api/v1/tests/${test.id}`, {
      sport: 'running',
      start: '2024-07-01T10:00:00+02:00',
    });
    expect(replaced).toEqual({ status: 200, body: { message: expect.any(String) } });
    const after = (await call('GET', `/api/v1/tests/${test.id}`)).body;
    expect(after).toMatchObject({
      sport: 'running',
      title: null,
      results: null,
      tags: null,
      // end is cleared back to its default, start + 3 h
      end: '2024-07-01T11:00:00Z',
    });

    const trace = (
      await call(
        'POST',
        '/api/v1/traces/',
        traceBody({
          timestamp: '2024-08-01T12:00:00-04:00',
          test_id: test.id,
          lactate: 3.1,
          rpe: 15,
          notes: 'stage 4',
          power: 250,
          speed: 9.5,
          heart_rate: 160,
          vo2: 3500,
          tags: ['stage'],
          sport: 'cycling.road',
        }),
      )
    ).body;
    expect(trace).toMatchObject({
      timestamp: '2024-08-01T16:00:00Z',
      timestamp_local: '2024-08-01T12:00:00',
      test_id: test.id,
      test_match: 'explicit',
      lactate: 3.1,
      rpe: 15,
      notes: 'stage 4',
      power: 250,
      speed: 9.5,
      heart_rate: 160,
      vo2: 3500,
      tags: ['stage'],
      sport: 'cycling.road',
    });
    expect(trace.test.id).toBe(test.id);
    const put = await call('PUT', `/api/v1/traces/${trace.id}`, {
      timestamp: '2024-08-01T12:00:00.250-04:00',
      lactate: 2.2,
    });
    expect(put).toEqual({ status: 200, body: { message: expect.any(String) } });
    const cleared = (await call('GET', `/api/v1/traces/${trace.id}`)).body;
    expect(cleared).toMatchObject({
      timestamp: '2024-08-01T16:00:00.250Z',
      timestamp_local: '2024-08-01T12:00:00.250',
      test_id: null,
      test: null,
      test_match: null,
      lactate: 2.2,
      rpe: null,
      notes: null,
      power: null,
      speed: null,
      heart_rate: null,
      vo2: null,
      tags: null,
      sport: null,
    });
    const linked = (await call('GET', `/api/v1/tests/${test.id}?traces=linked`)).body;
    expect(linked.traces).toEqual([]);
  });

  it('resolves traces auto vs linked on the cases of §7.5', async () => {
    const A = (
      await call(
        'POST',
        '/api/v1/tests/',
        testBody({ start: '2024-09-10T09:00:00+00:00', end: '2024-09-10T10:00:00+00:00', title: 'A' }),
      )
    ).body;
    const B = (
      await call(
        'POST',
        '/api/v1/tests/',
        testBody({ start: '2024-09-11T09:00:00+00:00', end: '2024-09-11T10:00:00+00:00', title: 'B' }),
      )
    ).body;
    const post = async (timestamp: string, testId: string | null, notes: string) =>
      (await call('POST', '/api/v1/traces/', traceBody({ timestamp, test_id: testId, notes }))).body;
    // 1. inside A's window, unlinked: A holds it under auto only, matched by window.
    const inside = await post('2024-09-10T09:15:00Z', null, 'inside');
    // 2. inside A's window, linked to A: A holds it under both, explicit.
    const insideLinked = await post('2024-09-10T09:30:00+00:00', A.id, 'inside-linked');
    // 3. outside A's window, linked to A: A holds it under both (its time does not matter).
    const outsideLinked = await post('2024-09-12T12:00:00Z', A.id, 'outside-linked');
    // 4. inside A's window but linked to B: A never holds it; B does under both.
    const insideOther = await post('2024-09-10T09:45:00Z', B.id, 'inside-other');
    // 5. outside every window, unlinked: no test holds it.
    const outside = await post('2024-09-10T11:00:01Z', null, 'outside');
    // 6. on A's end, inclusive.
    const onEnd = await post('2024-09-10T10:00:00Z', null, 'on-end');

    const idsOf = (test: { traces: { id: string }[] }) => test.traces.map((t) => t.id).sort();
    const autoA = (await call('GET', `/api/v1/tests/${A.id}`)).body;
    expect(idsOf(autoA)).toEqual([inside.id, insideLinked.id, outsideLinked.id, onEnd.id].sort());
    const match = Object.fromEntries(
      autoA.traces.map((t: { id: string; test_match: string }) => [t.id, t.test_match]),
    );
    expect(match).toEqual({
      [inside.id]: 'window',
      [insideLinked.id]: 'explicit',
      [outsideLinked.id]: 'explicit',
      [onEnd.id]: 'window',
    });
    expect(autoA.traces.map((t: { timestamp: string }) => t.timestamp)).toEqual(
      [...autoA.traces.map((t: { timestamp: string }) => t.timestamp)].sort(),
    );
    const explicitAuto = (await call('GET', `/api/v1/tests/${A.id}?traces=auto`)).body;
    expect(idsOf(explicitAuto)).toEqual(idsOf(autoA));
    const linkedA = (await call('GET', `/api/v1/tests/${A.id}?traces=linked`)).body;
    expect(idsOf(linkedA)).toEqual([insideLinked.id, outsideLinked.id].sort());
    expect(linkedA.traces.every((t: { test_match: string }) => t.test_match === 'explicit')).toBe(true);
    const autoB = (await call('GET', `/api/v1/tests/${B.id}`)).body;
    expect(idsOf(autoB)).toEqual([insideOther.id]);
    expect(idsOf((await call('GET', `/api/v1/tests/${B.id}?traces=linked`)).body)).toEqual([insideOther.id]);

    // On the trace itself: its test and how it matched.
    const traces = (await call('GET', '/api/v1/traces/?start=2024-09-10&end=2024-09-12')).body as {
      id: string;
      test: { id: string } | null;
      test_match: string | null;
    }[];
    const byId = new Map(traces.map((t) => [t.id, t]));
    expect(byId.get(inside.id)).toMatchObject({ test: { id: A.id }, test_match: 'window' });
    expect(byId.get(outsideLinked.id)).toMatchObject({ test: { id: A.id }, test_match: 'explicit' });
    expect(byId.get(insideOther.id)).toMatchObject({ test: { id: B.id }, test_match: 'explicit' });
    expect(byId.get(outside.id)).toMatchObject({ test: null, test_match: null });
    expect((await call('GET', '/api/v1/traces/?start=2024-09-13')).body).toEqual([]);

    // Deleting a test unlinks its traces; they stay.
    expect(await call('DELETE', `/api/v1/tests/${B.id}`)).toEqual({
      status: 200,
      body: { message: expect.any(String) },
    });
    expect((await call('GET', `/api/v1/traces/${insideOther.id}`)).body).toMatchObject({
      test_id: null,
      test: { id: A.id },
      test_match: 'window',
    });
    expect((await call('GET', `/api/v1/tests/${B.id}`)).status).toBe(404);
  });

  it('finds the activities a test overlaps, and the activity and lap a trace falls in', async () => {
    const start = Date.parse(ride.start);
    const end = Date.parse(ride.end);
    const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
    const around = (
      await call(
        'POST',
        '/api/v1/tests/',
        testBody({ start: iso(start - 600_000), end: iso(start + 60_000) }),
      )
    ).body;
    const detail = (await call('GET', `/api/v1/tests/${around.id}`)).body;
    expect(detail.activities.map((a: { id: string }) => a.id)).toEqual([ride.id]);
    expect(detail.activities[0]).toMatchObject({ id: ride.id, sport: ride.sport });
    expect(detail.activities[0].traces).toBeNull();
    const before = (
      await call(
        'POST',
        '/api/v1/tests/',
        testBody({ start: iso(start - 7_200_000), end: iso(start - 1000) }),
      )
    ).body;
    expect((await call('GET', `/api/v1/tests/${before.id}`)).body.activities).toEqual([]);
    const after = (await call('POST', '/api/v1/tests/', testBody({ start: iso(end + 1000) }))).body;
    expect((await call('GET', `/api/v1/tests/${after.id}`)).body.activities).toEqual([]);

    const lap = ride.laps[ride.laps.length - 1]!;
    const at = Math.floor((Date.parse(lap.start) + Date.parse(lap.end)) / 2 / 1000) * 1000;
    const trace = (await call('POST', '/api/v1/traces/', traceBody({ timestamp: iso(at), lactate: 5.5 })))
      .body;
    expect(trace.activity).toMatchObject({ id: ride.id, traces: null });
    expect(trace.lap).toMatchObject({ start: lap.start, end: lap.end });
    const outside = (await call('POST', '/api/v1/traces/', traceBody({ timestamp: iso(end + 60_000) }))).body;
    expect(outside).toMatchObject({ activity: null, lap: null });
  });

  it('lists newest first with limit and offset, and filters by date, sport, tags and creating app', async () => {
    const other = 'tt-lists';
    const own = await server.tokenFor(other);
    const { application } = await server.engine.identity.applications.create(other, { name: 'Lab app' });
    const appToken = (await server.engine.tokens.create(other, { clientId: application.id })).token;
    const made: string[] = [];
    for (let day = 1; day <= 7; day++) {
      const body = testBody({
        sport: day % 2 ? 'cycling.road' : 'running',
        start: `2023-05-0${day}T07:00:00+02:00`,
        tags: day <= 3 ? ['block', 'a'] : ['block'],
      });
      made.push((await call('POST', '/api/v1/tests/', body, day === 7 ? appToken : own)).body.id);
    }
    const newestFirst = [...made].reverse();
    const page1 = (await call('GET', '/api/v1/tests/?limit=3', undefined, own)).body;
    const page2 = (await call('GET', '/api/v1/tests/?limit=3&offset=3', undefined, own)).body;
    const page3 = (await call('GET', '/api/v1/tests/?limit=3&offset=6', undefined, own)).body;
    expect([...page1, ...page2, ...page3].map((t: { id: string }) => t.id)).toEqual(newestFirst);
    expect(page3).toHaveLength(1);
    expect((await call('GET', '/api/v1/tests/?limit=51', undefined, own)).status).toBe(400);
    const ids = async (query: string) =>
      (await call('GET', `/api/v1/tests/?${query}`, undefined, own)).body.map((t: { id: string }) => t.id);
    expect(await ids('start=2023-05-02&end=2023-05-03')).toEqual([made[2], made[1]]);
    expect(await ids('sport=cycling')).toEqual([made[6], made[4], made[2], made[0]]);
    expect(await ids('sport=running&sport=cycling.road')).toEqual(newestFirst);
    expect(await ids('tags=block&tags=a')).toEqual([made[2], made[1], made[0]]);
    expect(await ids(`created_by=${application.id}`)).toEqual([made[6]]);
    const appMade = (await call('GET', `/api/v1/tests/${made[6]}`, undefined, own)).body;
    expect(appMade.created_by).toBe(application.id);
    // Another athlete sees none of it.
    expect((await call('GET', '/api/v1/tests/')).body.map((t: { id: string }) => t.id)).not.toContain(
      made[0],
    );
    expect((await call('GET', `/api/v1/tests/${made[0]}`)).status).toBe(404);

    for (let minute = 10; minute < 15; minute++)
      await call(
        'POST',
        '/api/v1/traces/',
        traceBody({ timestamp: `2023-05-01T07:${minute}:00+02:00`, sport: 'running', tags: ['t'] }),
        own,
      );
    const traces = (await call('GET', '/api/v1/traces/?limit=2&offset=1', undefined, own)).body;
    expect(traces.map((t: { timestamp: string }) => t.timestamp)).toEqual([
      '2023-05-01T05:13:00Z',
      '2023-05-01T05:12:00Z',
    ]);
    expect((await call('GET', '/api/v1/traces/?sport=cycling', undefined, own)).body).toEqual([]);
    expect((await call('GET', '/api/v1/traces/?tags=t&sport=running', undefined, own)).body).toHaveLength(5);
    expect(
      (await call('GET', '/api/v1/traces/', undefined, token)).body.map((t: { id: string }) => t.id),
    ).not.toContain(traces[0].id);
  });

  it('lets only the creating application change or delete an app-made test', async () => {
    const { application: lab } = await server.engine.identity.applications.create(ATHLETE, { name: 'Lab' });
    const { application: other } = await server.engine.identity.applications.create(ATHLETE, {
      name: 'Other',
    });
    const labToken = (await server.engine.tokens.create(ATHLETE, { clientId: lab.id })).token;
    const otherToken = (await server.engine.tokens.create(ATHLETE, { clientId: other.id })).token;
    const test = (await call('POST', '/api/v1/tests/', testBody({ title: 'Lab made' }), labToken)).body;
    expect(test.created_by).toBe(lab.id);
    for (const bearer of [otherToken, token]) {
      const put = await call('PUT', `/api/v1/tests/${test.id}`, testBody({ title: 'Hijacked' }), bearer);
      expect(put.status).toBe(403);
      expect(put.body.code).toBe('ERR_TEST_OWNED_BY_APP');
      expect((await call('DELETE', `/api/v1/tests/${test.id}`, undefined, bearer)).status).toBe(403);
    }
    // Everyone of the athlete may still read it.
    expect((await call('GET', `/api/v1/tests/${test.id}`, undefined, otherToken)).body.title).toBe(
      'Lab made',
    );
    expect((await call('PUT', `/api/v1/tests/${test.id}`, testBody({ title: 'v2' }), labToken)).status).toBe(
      200,
    );
    expect((await call('GET', `/api/v1/tests/${test.id}`)).body).toMatchObject({
      title: 'v2',
      created_by: lab.id,
    });
    // A test made with a personal key is anyone's (of the athlete) to change.
    const personal = (await call('POST', '/api/v1/tests/', testBody({ title: 'Mine' }))).body;
    expect((await call('PUT', `/api/v1/tests/${personal.id}`, testBody(), otherToken)).status).toBe(200);
    expect((await call('DELETE', `/api/v1/tests/${test.id}`, undefined, labToken)).status).toBe(200);
    expect((await call('DELETE', `/api/v1/tests/${test.id}`, undefined, labToken)).status).toBe(404);
    // Each change wrote its webhook event in its own transaction (to every app the athlete uses).
    const events = await server.engine.store.all<{ event_type: string }>(
      `SELECT event_type FROM webhook_events WHERE resource_id = $1 AND application_id = $2 ORDER BY seq`,
      [test.id, lab.id],
    );
    expect(events.map((e) => e.event_type)).toEqual(['test_created', 'test_updated', 'test_deleted']);
  });

  it('needs data:read to read and data:write to write', async () => {
    const readOnly = (await server.engine.tokens.create(ATHLETE, { scopes: ['data:read'] })).token;
    const writeOnly = (await server.engine.tokens.create(ATHLETE, { scopes: ['data:write'] })).token;
    expect((await call('GET', '/api/v1/tests/', undefined, readOnly)).status).toBe(200);
    expect((await call('POST', '/api/v1/tests/', testBody(), readOnly)).status).toBe(403);
    expect((await call('GET', '/api/v1/traces/', undefined, writeOnly)).status).toBe(403);
    expect((await call('POST', '/api/v1/traces/', traceBody(), writeOnly)).status).toBe(200);
  });
});
