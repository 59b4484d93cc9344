import { readFile } from 'node:fs/promises';
import { type Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  ActivityDataQuerySchema,
  IntensityDurationModelQuerySchema,
  LongitudinalAggregateQuerySchema,
  LongitudinalDataQuerySchema,
  LongitudinalMeanMaxQuerySchema,
  MeanMaxQuerySchema,
  ThresholdsSchema,
  TrainingLoadQuerySchema,
} from '../../src/domain/wire.ts';
import {
  type Activity,
  type ActivityDetail,
  PeakformApiError,
  PeakformClient,
  PeakformResponseError,
  type TableRow,
} from '../../src/sdk/index.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const fixture = (name: string) => readFile(new URL(`../../data/fixtures/${name}`, import.meta.url));

/** Catches what a promise rejects with, so a test can look at the error's fields. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Arrow rows as JSON rows: instants (epoch ms) as ISO 8601 with Z, as the JSON writer gives them. */
function arrowRows(table: Table): TableRow[] {
  return table.toArray().map((row) => {
    const object = row.toJSON() as TableRow;
    return { ...object, timestamp: new Date(Number(object.timestamp)).toISOString().replace('.000Z', 'Z') };
  });
}

describe('PeakformClient against a real server', () => {
  let server: TestServer;
  let client: PeakformClient;
  let rideId: string; // ride-short.fit: 120 s, 2 laps
  let longRideId: string; // ride-known-power.fit: 3965 s
  let csvRideId: string;
  let sourceId: string;

  beforeAll(async () => {
    server = await startTestServer();
    client = new PeakformClient({ baseUrl: server.url, token: await server.tokenFor('alice') });
    const sources = await client.upload(
      [
        { name: 'ride-short.fit', bytes: await fixture('ride-short.fit') },
        { name: 'ride-known-power.fit', bytes: new Blob([await fixture('ride-known-power.fit')]) },
        {
          name: 'run.csv',
          bytes: csvRide({ startIso: '2024-05-10T08:00:00Z', durationS: 90, sport: 'running' }),
        },
      ],
      { tags: ['sdk'] },
    );
    expect(sources.map((s) => s.status)).toEqual(['processed', 'processed', 'processed']);
    [rideId, longRideId, csvRideId] = sources.map((s) => s.activity_ids[0]!) as [string, string, string];
    sourceId = sources[0]!.id;
  });
  afterAll(() => server.close());

  it('upload() returns one source per file, and getSource() returns it again', async () => {
    const source = await client.getSource(sourceId);
    expect(source).toMatchObject({
      id: sourceId,
      status: 'processed',
      format: 'fit',
      file_name: 'ride-short.fit',
    });
    expect(source.activity_ids).toEqual([rideId]);
    const again = await client.upload([{ name: 'again.fit', bytes: await fixture('ride-short.fit') }]);
    expect(again.map((s) => [s.id, s.status])).toEqual([[sourceId, 'duplicate']]);
  });

  it('listActivities() filters by repeated sports, inclusive dates and tags, newest first', async () => {
    const ids = async (query: Parameters<PeakformClient['listActivities']>[0]) =>
      (await client.listActivities(query)).map((a) => a.id);
    expect(await ids({})).toEqual([csvRideId, rideId, longRideId]);
    expect(await ids({ sport: 'cycling' })).toEqual([rideId, longRideId]);
    expect(await ids({ sport: ['cycling.road', 'running'], tags: ['sdk'] })).toHaveLength(3);
    expect(await ids({ start: '2024-03-02', end: '2024-03-09' })).toEqual([rideId, longRideId]);
    expect(await ids({ limit: 1, offset: 1 })).toEqual([rideId]);
    expectTypeOf(client.listActivities).returns.resolves.toEqualTypeOf<Activity[]>();
  });

  it('latestActivity() returns the newest activity, optionally of one sport', async () => {
    expect((await client.latestActivity()).id).toBe(csvRideId);
    expect((await client.latestActivity({ sport: 'cycling' })).id).toBe(rideId);
    const none = await rejectionOf(client.latestActivity({ sport: 'rowing' }));
    expect(none).toBeInstanceOf(PeakformApiError);
    expect((none as PeakformApiError).code).toBe('ERR_ACTIVITY_NOT_FOUND');
  });

  it('getActivity() returns the activity with its laps, validated against the wire contract', async () => {
    const activity = await client.getActivity(rideId);
    expectTypeOf(activity).toEqualTypeOf<ActivityDetail>();
    expect(activity).toMatchObject({ id: rideId, sport: 'cycling.road', sample_count: 120, tags: ['sdk'] });
    expect(activity.start).toBe('2024-03-09T09:00:00Z');
    expect(activity.laps).toHaveLength(2);
  });

  it('activityData() gives the same values as an Arrow Table and as JSON rows', async () => {
    const table = await client.activityData(rideId, { format: 'arrow' });
    const rows = await client.activityData(rideId, { format: 'json' });
    expectTypeOf(table).toEqualTypeOf<Table>();
    expectTypeOf(rows).toEqualTypeOf<TableRow[]>();
    expect(table.numRows).toBe(120);
    expect(rows).toHaveLength(120);
    expect(table.schema.fields.map((f) => f.name)).toEqual(Object.keys(rows[0]!));
    expect(table.schema.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['timestamp', 'power', 'heart_rate', 'cadence', 'speed', 'distance']),
    );
    expect(rows[0]!.timestamp).toBe('2024-03-09T09:00:00Z');
    expect(arrowRows(table)).toEqual(rows);
  });

  it('activityData() chooses columns with repeated metrics keys, and reads CSV and Parquet', async () => {
    const rows = await client.activityData(rideId, { format: 'json', metrics: ['power', 'heart_rate'] });
    expect(Object.keys(rows[0]!)).toEqual(['timestamp', 'power', 'heart_rate']);
    const csv = await client.activityData(rideId, { format: 'csv', metrics: ['power', 'heart_rate'] });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('timestamp,power,heart_rate');
    expect(lines).toHaveLength(121);
    expect(lines[1]).toBe(`${rows[0]!.timestamp},${rows[0]!.power},${rows[0]!.heart_rate}`);
    const parquet = await client.activityData(rideId, { format: 'parquet', metrics: 'power' });
    expect(parquet).toBeInstanceOf(Uint8Array);
    const magic = new TextDecoder().decode(parquet.subarray(0, 4));
    expect([magic, new TextDecoder().decode(parquet.subarray(-4))]).toEqual(['PAR1', 'PAR1']);
  });

  it('activityDataStream() yields record batches whose rows add up to sample_count', async () => {
    const { sample_count } = await client.getActivity(longRideId);
    expect(sample_count).toBe(3965);
    let rows = 0;
    let batches = 0;
    for await (const batch of client.activityDataStream(longRideId, { metrics: ['power'] })) {
      expect(batch.schema.fields.map((f) => f.name)).toEqual(['timestamp', 'power']);
      rows += batch.numRows;
      batches += 1;
    }
    expect(rows).toBe(sample_count);
    expect(batches).toBeGreaterThan(1);
  });

  it('breaking out of activityDataStream() early cancels the download and leaves the client usable', async () => {
    // Its own server: after a cancelled download, undici's pool may keep a connection that never
    // sends a request, and Node's server.close() waits for such a connection until headersTimeout
    // (60 s). Closing every connection in the finally keeps that out of the other tests.
    const own = await startTestServer();
    try {
      let cancelled = false;
      const watching = new PeakformClient({
        baseUrl: own.url,
        token: await own.tokenFor('alice'),
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          const reader = response.body!.getReader();
          const body = new ReadableStream<Uint8Array>({
            async pull(controller) {
              const { done, value } = await reader.read();
              if (done) controller.close();
              else controller.enqueue(value);
            },
            cancel(reason) {
              cancelled = true;
              return reader.cancel(reason);
            },
          });
          return new Response(body, { status: response.status, headers: response.headers });
        },
      });
      const [source] = await watching.upload([
        { name: 'ride-known-power.fit', bytes: await fixture('ride-known-power.fit') },
      ]);
      const id = source!.activity_ids[0]!;
      for await (const batch of watching.activityDataStream(id)) {
        expect(batch.numRows).toBeGreaterThan(0);
        break;
      }
      expect(cancelled).toBe(true);
      expect((await watching.getActivity(id)).id).toBe(id);
    } finally {
      own.app.server.closeAllConnections();
      await own.close();
    }
  });

  it('activityDataStream() throws the problem on the first next() when the activity is unknown', async () => {
    const error = await rejectionOf(client.activityDataStream('act_unknown')[Symbol.asyncIterator]().next());
    expect(error).toBeInstanceOf(PeakformApiError);
    expect((error as PeakformApiError).status).toBe(404);
  });

  it('deleteActivity() removes it; getActivity() then throws PeakformApiError 404 ERR_ACTIVITY_NOT_FOUND', async () => {
    const [source] = await client.upload([
      { name: 'gone.csv', bytes: csvRide({ startIso: '2023-01-01T08:00:00Z', durationS: 30 }) },
    ]);
    const id = source!.activity_ids[0]!;
    await client.deleteActivity(id);
    const error = await rejectionOf(client.getActivity(id));
    expect(error).toBeInstanceOf(PeakformApiError);
    const problem = error as PeakformApiError;
    expect(problem).toMatchObject({ status: 404, code: 'ERR_ACTIVITY_NOT_FOUND' });
    expect(problem.detail.length).toBeGreaterThan(0);
    expect(problem.requestId).toMatch(/^req_/);
    expect(problem.problem).toMatchObject({
      status: 404,
      code: 'ERR_ACTIVITY_NOT_FOUND',
      request_id: problem.requestId,
    });
    expect(problem.message).toContain('ERR_ACTIVITY_NOT_FOUND');
  });

  it('a bad token throws PeakformApiError 401 ERR_AUTH_INVALID', async () => {
    const stranger = new PeakformClient({ baseUrl: server.url, token: 'pf_not-a-real-token' });
    for (const call of [
      () => stranger.listActivities(),
      () => stranger.activityData(rideId, { format: 'arrow' }),
    ]) {
      const error = await rejectionOf(call());
      expect(error).toBeInstanceOf(PeakformApiError);
      expect(error).toMatchObject({ status: 401, code: 'ERR_AUTH_INVALID' });
    }
  });

  it("another athlete's token cannot see the activity: 404, not the data", async () => {
    const bob = new PeakformClient({ baseUrl: server.url, token: await server.tokenFor('bob') });
    expect(await bob.listActivities()).toEqual([]);
    expect(await rejectionOf(bob.getActivity(rideId))).toMatchObject({ status: 404 });
  });

  it('a query the server rejects throws 400 ERR_REQUEST_INVALID naming the bad field', async () => {
    const error = await rejectionOf(client.listActivities({ limit: 5000 }));
    expect(error).toMatchObject({ status: 400, code: 'ERR_REQUEST_INVALID' });
    const fields = ((error as PeakformApiError).problem.errors ?? []).map((e) => e.path).join(' ');
    expect(fields).toContain('limit');
  });

  it('upload() of files that cannot be read throws 422 ERR_UPLOAD_UNREADABLE with the failed sources', async () => {
    const error = await rejectionOf(
      client.upload([{ name: 'noise.fit', bytes: new TextEncoder().encode('not an activity file') }]),
    );
    expect(error).toMatchObject({ status: 422, code: 'ERR_UPLOAD_UNREADABLE' });
    const sources = (error as PeakformApiError).problem.sources as { file_name: string; status: string }[];
    expect(sources).toEqual([expect.objectContaining({ file_name: 'noise.fit', status: 'failed' })]);
  });

  it('a network error propagates as it is', async () => {
    const closed = await startTestServer();
    const url = closed.url;
    await closed.close();
    const error = await rejectionOf(new PeakformClient({ baseUrl: url, token: 't' }).listActivities());
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(PeakformApiError);
  });
});

// ---- Contract tests with a fake fetch: what each method sends, and how it reads the answer ----

interface Sent {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Headers;
  body: string;
}

/** A client whose fetch records each request and answers with `respond`. */
function fakeClient(respond: (sent: Sent) => Response) {
  const sent: Sent[] = [];
  const client = new PeakformClient({
    baseUrl: 'http://peakform.test/',
    token: 'pf_test',
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      const query: Record<string, string | string[]> = {};
      for (const [key, value] of url.searchParams) {
        const seen = query[key];
        query[key] = seen === undefined ? value : [...[seen].flat(), value];
      }
      const one = {
        method: request.method,
        path: url.pathname,
        query,
        headers: request.headers,
        body: await request.text(),
      };
      sent.push(one);
      return respond(one);
    },
  });
  return { client, sent };
}

const json = (body: unknown, status = 200, type = 'application/json; charset=utf-8') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

const arrowTable = () =>
  tableFromArrays({ duration_s: Int32Array.from([5, 60]), value: Float64Array.from([900, 500]) });
const arrow = () =>
  new Response(tableToIPC(arrowTable(), 'stream'), {
    headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
  });

/** Answers a table route in the format asked for (JSON rows or Arrow). */
const tableAnswer = (sent: Sent) =>
  sent.query.format === 'arrow'
    ? arrow()
    : json(
        arrowTable()
          .toArray()
          .map((r) => r.toJSON()),
      );

const MODEL = {
  metric: 'power',
  model: 'cp2',
  sport: 'cycling',
  start: '2024-01-01',
  end: '2024-03-31',
  activity_count: 12,
  ok: true,
  reason: null,
  parameters: { cp_w: 280, w_prime_j: 20000 },
  rmse: 4.2,
  r2: 0.99,
  window_s: [120, 1200],
  binding_durations_s: [180, 720],
  curve: [{ duration_s: 300, value: 350, modelled: 346.7, activity_id: 'act_a' }],
};

describe('PeakformClient longitudinal methods (the request each sends, checked against the wire schemas)', () => {
  it('activityMeanMax() sends metric, durations as a comma list and envelope as true', async () => {
    const { client, sent } = fakeClient(tableAnswer);
    const rows = await client.activityMeanMax('act_abc', {
      metric: 'power',
      durations: [300, 5, 60],
      envelope: true,
    });
    expect(rows).toEqual([
      { duration_s: 5, value: 900 },
      { duration_s: 60, value: 500 },
    ]);
    expect(sent[0]).toMatchObject({
      method: 'GET',
      path: '/api/v1/activities/act_abc/mean-max',
      query: { metric: 'power', durations: '300,5,60', envelope: 'true', format: 'json' },
    });
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer pf_test');
    expect(MeanMaxQuerySchema.parse(sent[0]!.query)).toEqual({
      metric: 'power',
      durations: [5, 60, 300],
      envelope: true,
      format: 'json',
    });
  });

  it('longitudinalMeanMax() sends repeated sport and after keys, durations=all, and reads Arrow', async () => {
    const { client, sent } = fakeClient(tableAnswer);
    const table = await client.longitudinalMeanMax({
      sport: ['cycling', 'running+stationary'],
      start: '2024-01-01',
      end: '2024-03-31',
      durations: 'all',
      after: [500, 1000],
      format: 'arrow',
    });
    expectTypeOf(table).toEqualTypeOf<Table>();
    expect(table.numRows).toBe(2);
    expect(sent[0]).toMatchObject({
      path: '/api/v1/activities/longitudinal-mean-max',
      query: {
        sport: ['cycling', 'running+stationary'],
        durations: 'all',
        after: ['500', '1000'],
        format: 'arrow',
      },
    });
    expect(sent[0]!.headers.get('accept')).toBe('application/vnd.apache.arrow.stream');
    expect(LongitudinalMeanMaxQuerySchema.parse(sent[0]!.query)).toMatchObject({
      sport: ['cycling', 'running+stationary'],
      durations: 'all',
      after: [500, 1000],
    });
  });

  it('longitudinalData() and longitudinalAggregate() send repeated metrics and the interval', async () => {
    const { client, sent } = fakeClient(tableAnswer);
    await client.longitudinalData({
      sport: 'cycling',
      metrics: ['power', 'heart_rate'],
      start: '2024-03-01',
    });
    await client.longitudinalAggregate({ interval: 'month', metrics: ['power'] });
    expect(sent.map((s) => s.path)).toEqual([
      '/api/v1/activities/longitudinal-data',
      '/api/v1/activities/longitudinal-aggregate',
    ]);
    expect(LongitudinalDataQuerySchema.parse(sent[0]!.query)).toEqual({
      sport: ['cycling'],
      metrics: ['power', 'heart_rate'],
      start: '2024-03-01',
      format: 'json',
    });
    expect(LongitudinalAggregateQuerySchema.parse(sent[1]!.query)).toEqual({
      interval: 'month',
      metrics: ['power'],
      format: 'json',
    });
  });

  it('trainingLoad() is a table route; intensityDurationModel() returns the validated model', async () => {
    const { client, sent } = fakeClient((s) =>
      s.path.endsWith('/training-load') ? tableAnswer(s) : json(MODEL),
    );
    const load = await client.trainingLoad({ start: '2024-01-01', end: '2024-03-31' });
    expect(load).toHaveLength(2);
    const model = await client.intensityDurationModel({ metric: 'power', model: 'cp2', sport: 'cycling' });
    expect(model.parameters.cp_w).toBe(280);
    expect(sent.map((s) => s.path)).toEqual([
      '/api/v1/profile/training-load',
      '/api/v1/profile/intensity-duration-model',
    ]);
    expect(TrainingLoadQuerySchema.parse(sent[0]!.query)).toEqual({
      start: '2024-01-01',
      end: '2024-03-31',
      format: 'json',
    });
    expect(IntensityDurationModelQuerySchema.parse(sent[1]!.query)).toEqual({
      metric: 'power',
      model: 'cp2',
      sport: 'cycling',
    });
  });

  it('putThresholds() sends the thresholds as a JSON body; both thresholds methods return the list', async () => {
    const thresholds = { sport: 'cycling', effective_from: '2024-01-01', ftp_w: 280, weight_kg: 70 };
    const { client, sent } = fakeClient(() => json({ data: [thresholds] }));
    expect(await client.putThresholds(thresholds)).toEqual([thresholds]);
    expect(await client.getThresholds()).toEqual([thresholds]);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual([
      'PUT /api/v1/profile/thresholds',
      'GET /api/v1/profile/thresholds',
    ]);
    expect(sent[0]!.headers.get('content-type')).toBe('application/json');
    expect(ThresholdsSchema.parse(JSON.parse(sent[0]!.body))).toEqual(thresholds);
  });

  it('activityData() sends format and repeated metrics that the data route schema accepts', async () => {
    const { client, sent } = fakeClient(tableAnswer);
    await client.activityData('act_abc', { format: 'json', metrics: ['power', 'heart_rate'] });
    expect(ActivityDataQuerySchema.parse(sent[0]!.query)).toEqual({
      metrics: ['power', 'heart_rate'],
      format: 'json',
    });
  });
});

describe('PeakformClient when the answer breaks the wire contract', () => {
  it('throws PeakformResponseError naming the field when a body fails its schema', async () => {
    const { client } = fakeClient(() => json({ ...MODEL, ok: 'yes' }));
    const error = await rejectionOf(client.intensityDurationModel());
    expect(error).toBeInstanceOf(PeakformResponseError);
    expect((error as PeakformResponseError).message).toContain(
      'GET /api/v1/profile/intensity-duration-model',
    );
    expect((error as PeakformResponseError).issues.map((i) => i.path.join('.'))).toEqual(['ok']);
  });

  it('throws PeakformResponseError with the status for an error answer without a problem body', async () => {
    const { client } = fakeClient(
      () =>
        new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }),
    );
    const error = await rejectionOf(client.listActivities());
    expect(error).toBeInstanceOf(PeakformResponseError);
    expect(error).toMatchObject({ status: 502 });
    expect((error as Error).message).toContain('Bad Gateway');
  });

  it('throws PeakformResponseError when a table arrives in another format than asked', async () => {
    const { client } = fakeClient(() => json([{ duration_s: 5, value: 900 }]));
    const error = await rejectionOf(client.longitudinalMeanMax({ format: 'arrow' }));
    expect(error).toBeInstanceOf(PeakformResponseError);
    expect((error as Error).message).toContain('application/vnd.apache.arrow.stream');
  });

  it('reads a problem body from any route as PeakformApiError', async () => {
    const problem = {
      type: 'https://peakform.dev/problems/err-route-not-found',
      title: 'Not Found',
      status: 404,
      code: 'ERR_ROUTE_NOT_FOUND',
      detail: 'No route GET /api/v1/profile/training-load. See /docs for the API.',
      request_id: 'req_1',
    };
    const { client } = fakeClient(() => json(problem, 404, 'application/problem+json; charset=utf-8'));
    const error = await rejectionOf(client.trainingLoad());
    expect(error).toBeInstanceOf(PeakformApiError);
    expect(error).toMatchObject({ status: 404, code: 'ERR_ROUTE_NOT_FOUND', requestId: 'req_1', problem });
  });
});

/** The longitudinal routes against the real server; expected values come from data/fixtures/README.md (ride-known-power.fit). */
describe('PeakformClient longitudinal routes against a real server', () => {
  let server: TestServer;
  let client: PeakformClient;
  let rideId: string;
  const BEST_W: [number, number][] = [
    [1, 900],
    [5, 900],
    [60, 500],
    [300, 350],
    [1200, 290],
  ];
  const valueAt = (rows: TableRow[], durationS: number) =>
    rows.find((r) => r.duration_s === durationS)?.value;

  beforeAll(async () => {
    server = await startTestServer();
    client = new PeakformClient({ baseUrl: server.url, token: await server.tokenFor('alice') });
    const [source] = await client.upload([
      { name: 'ride-known-power.fit', bytes: await fixture('ride-known-power.fit') },
    ]);
    rideId = source!.activity_ids[0]!;
  });
  afterAll(() => server.close());

  it('activityMeanMax() gives the known power curve of ride-known-power.fit, as JSON and as Arrow', async () => {
    const durations = BEST_W.map(([d]) => d);
    const rows = await client.activityMeanMax(rideId, { durations });
    for (const [d, w] of BEST_W) expect(valueAt(rows, d)).toBeCloseTo(w, 6);
    const table = await client.activityMeanMax(rideId, { durations, format: 'arrow' });
    expect(table.numRows).toBe(rows.length);
  });

  it('longitudinalMeanMax() over the ride date gives the same curve', async () => {
    const rows = await client.longitudinalMeanMax({
      sport: 'cycling',
      start: '2024-03-02',
      end: '2024-03-02',
      durations: BEST_W.map(([d]) => d),
    });
    for (const [d, w] of BEST_W) expect(valueAt(rows, d)).toBeCloseTo(w, 6);
  });

  it('longitudinalData() as Arrow holds every sample of the range', async () => {
    const table = await client.longitudinalData({ start: '2024-03-02', end: '2024-03-02', format: 'arrow' });
    expect(table.numRows).toBe(3965);
  });

  it('longitudinalAggregate() gives one day bucket for one ride', async () => {
    const rows = await client.longitudinalAggregate({
      interval: 'day',
      start: '2024-03-02',
      end: '2024-03-02',
    });
    expect(rows).toHaveLength(1);
  });

  it('putThresholds() stores a threshold set that getThresholds() returns', async () => {
    const thresholds = { sport: 'cycling', effective_from: '2024-01-01', ftp_w: 280 };
    expect(await client.putThresholds(thresholds)).toEqual([expect.objectContaining(thresholds)]);
    expect(await client.getThresholds()).toEqual([expect.objectContaining(thresholds)]);
  });

  it('intensityDurationModel() and trainingLoad() answer with contract-valid bodies', async () => {
    const model = await client.intensityDurationModel({
      sport: 'cycling',
      start: '2024-01-01',
      end: '2024-03-31',
    });
    expect(model).toMatchObject({ metric: 'power', model: 'cp2', sport: 'cycling' });
    const load = await client.trainingLoad({ start: '2024-03-01', end: '2024-03-05' });
    expect(load.length).toBeGreaterThan(0);
  });
});

// Keeps the inferred query types honest: wire encodings (unknown, 'true'|'false', comma strings)
// must not leak into the SDK's signatures.
expectTypeOf<Parameters<PeakformClient['longitudinalMeanMax']>[0]>()
  .exclude<undefined>()
  .toHaveProperty('durations')
  .toEqualTypeOf<number[] | number | 'all' | undefined>();
expectTypeOf<Parameters<PeakformClient['activityMeanMax']>[1]>()
  .exclude<undefined>()
  .toHaveProperty('envelope')
  .toEqualTypeOf<boolean | undefined>();
expectTypeOf<Parameters<PeakformClient['listActivities']>[0]>()
  .exclude<undefined>()
  .toHaveProperty('sport')
  .toEqualTypeOf<string[] | string | undefined>();
