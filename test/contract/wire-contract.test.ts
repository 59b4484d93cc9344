import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperationId, ROUTES, type RouteSpec } from '../../src/contract/index.ts';
import { asJson, get, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The contract suite: every route of the route table called over real HTTP, its status, content
 * type, JSON body (against the declared schema, which carries WIRE.md's required fields) and
 * tabular columns (Parquet read by Polars with default headers, Arrow read by apache-arrow, JSON
 * and CSV of the same request) checked against the declaration.
 */

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');

interface Case {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  /** Multipart: an activity file, or these files (each a part named `files`, its path as filename). */
  multipart?: boolean | { name: string; body: string }[];
  /** A form-encoded body (application/x-www-form-urlencoded). */
  form?: Record<string, string>;
  /** Another bearer than the suite's personal key (e.g. an application token). */
  token?: string;
}

/** One request per operation; typed over every operation id, so a new route without a case fails typecheck. */
function casesFor(ids: {
  ride: string;
  run: string;
  source: string;
  app: string;
  secret: string;
  managed: string;
  managedToDelete: string;
  team: string;
  member: string;
  appToken: string;
  test: string;
  trace: string;
  metaToken: string;
  webhookEndpoint: string;
  page: string;
  pageApp: string;
  importJob: string;
}): Record<OperationId, Case> {
  const testBody = {
    sport: 'running',
    start: '2024-03-05T09:00:00+01:00',
    title: 'Lactate step test',
    end: null,
    results: { lt1: { speed: 3.6, heart_rate: 150, lactate: 2 }, vo2max: 4100, critical_speed: 4.4 },
    tags: ['lab'],
  };
  const traceBody = {
    timestamp: '2024-03-05T09:30:00+01:00',
    test_id: ids.test,
    lactate: 2.4,
    rpe: 13,
    notes: null,
    power: null,
    speed: 3.8,
    heart_rate: 156,
    vo2: null,
    tags: null,
    sport: 'running',
  };
  return {
    listActivities: { query: 'limit=10' },
    getLatestActivity: { query: 'sport=cycling' },
    getActivity: { params: { id: ids.ride } },
    getActivityData: { params: { id: ids.ride }, query: 'metrics=power&metrics=heart_rate&metrics=duration' },
    getActivityMeanMax: { params: { id: ids.ride }, query: 'metric=power&durations=1,5,60,300' },
    getActivityAccumulatedWorkDuration: { params: { id: ids.ride }, query: 'metric=power' },
    deleteActivity: { params: { id: ids.run } },
    uploadActivities: { multipart: true },
    getBackfillStatus: {},
    getSource: { params: { id: ids.source } },
    listImports: { query: 'limit=10' },
    createImport: { multipart: true },
    getImport: { params: { id: ids.importJob } },
    cancelImport: { params: { id: ids.importJob } },
    getLongitudinalMeanMax: { query: 'sport=cycling&metric=power&durations=5,60,300&after=0&after=250.0' },
    getLongitudinalData: { query: 'sport=cycling&start=2020-01-01&metrics=power&metrics=duration' },
    getLongitudinalAccumulatedWorkDuration: { query: 'sport=cycling&metric=power&start=2020-01-01' },
    getLongitudinalAggregate: { query: 'interval=month' },
    getProfileStatus: {},
    listProfileSports: { query: 'only_root=true' },
    listProfileTags: {},
    getIntensityDurationModel: { query: 'start=2020-01-01&end=2030-01-01' },
    getTrainingLoad: { query: 'start=2024-01-01&end=2024-01-31' },
    listThresholds: {},
    setThresholds: { body: { sport: 'cycling', effective_from: '2020-01-01', ftp_w: 250 } },
    getMetabolicProfile: { query: 'sport=cycling&date=2024-06-01' },
    listProfileMarkers: {},
    setProfileMarker: {
      params: { name: 'lt2' },
      body: { sport: 'cycling', value: 280, metric: 'power', effective_from: '2029-01-01' },
    },
    deleteProfileMarker: { params: { name: 'lt2' }, query: 'sport=cycling&metric=power' },
    getRecomputeStatus: {},
    listDailies: {
      params: { measure: 'body_mass' },
      query: 'start=2024-01-01&end=2024-01-31&interpolate=true',
    },
    setDaily: { params: { measure: 'body_mass' }, body: { date: '2024-01-10', value: 71.5 } },
    deleteDaily: { params: { measure: 'body_mass' }, query: 'date=2024-01-10' },
    listTests: { query: 'start=2024-01-01&sport=running&limit=50' },
    createTest: { body: testBody },
    getTest: { params: { id: ids.test }, query: 'traces=auto', token: ids.metaToken },
    replaceTest: { params: { id: ids.test }, body: { ...testBody, title: 'Renamed' } },
    deleteTest: { params: { id: ids.test } },
    listTraces: { query: 'limit=100', token: ids.metaToken },
    createTrace: { body: traceBody },
    getTrace: { params: { id: ids.trace } },
    replaceTrace: { params: { id: ids.trace }, body: { ...traceBody, rpe: 14 } },
    deleteTrace: { params: { id: ids.trace } },
    setActivityAppMetadata: { params: { id: ids.ride }, body: { plan: 'base' }, token: ids.metaToken },
    deleteActivityAppMetadata: { params: { id: ids.ride }, token: ids.metaToken },
    setTestAppMetadata: { params: { id: ids.test }, body: { step: 3 }, token: ids.metaToken },
    deleteTestAppMetadata: { params: { id: ids.test }, token: ids.metaToken },
    setTraceAppMetadata: { params: { id: ids.trace }, body: { sample: 'A1' }, token: ids.metaToken },
    deleteTraceAppMetadata: { params: { id: ids.trace }, token: ids.metaToken },
    getProfileAppMetadata: { token: ids.metaToken },
    setProfileAppMetadata: { body: { units: 'metric' }, token: ids.metaToken },
    deleteProfileAppMetadata: { token: ids.metaToken },
    getHealth: {},
    getUserInfo: {},
    listApplications: {},
    createApplication: {
      body: { name: 'Wire app', redirect_uris: ['https://app.example/callback'], generate_secret: true },
    },
    getApplication: { params: { id: ids.app } },
    updateApplication: { params: { id: ids.app }, body: { description: 'Checks the wire.' } },
    deleteApplication: { params: { id: ids.app } },
    listApplicationSecrets: { params: { id: ids.app } },
    createApplicationSecret: { params: { id: ids.app }, body: { label: 'rotation' } },
    deleteApplicationSecret: { params: { id: ids.app, secret_id: ids.secret } },
    ensureApplicationPage: { params: { id: ids.app }, body: { slug: 'wire-app-page' } },
    createPage: { form: { application_id: ids.pageApp, slug: 'wire-created-page' } },
    getPage: { params: { slug: ids.page } },
    deployPage: {
      params: { slug: ids.page },
      multipart: [
        { name: 'index.html', body: '<!doctype html><script src="js/app.js"></script>' },
        { name: 'js/app.js', body: 'document.title = "wire";' },
      ],
    },
    rollbackPage: { params: { slug: ids.page } },
    deletePage: { params: { slug: ids.page } },
    listWebhookEndpoints: { params: { id: ids.app } },
    createWebhookEndpoint: {
      params: { id: ids.app },
      body: { url: 'https://hooks.example/peakform', scheme: 'standard' },
    },
    deleteWebhookEndpoint: { params: { id: ids.app, endpoint_id: ids.webhookEndpoint } },
    enableWebhookEndpoint: { params: { id: ids.app, endpoint_id: ids.webhookEndpoint } },
    rotateWebhookSecret: { params: { id: ids.app }, body: { overlap_seconds: 60 } },
    listWebhookDeliveries: { params: { id: ids.app, endpoint_id: ids.webhookEndpoint }, query: 'limit=10' },
    replayWebhookEvents: {
      params: { id: ids.app, endpoint_id: ids.webhookEndpoint },
      body: { start: '2020-01-01T00:00:00Z' },
    },
    listEvents: { query: 'limit=10', token: ids.appToken },
    listUsers: { query: 'include_shared=false&name=' },
    createUser: { body: { first_name: 'Wire', last_name: null } },
    getUser: { params: { user_id: ids.managed } },
    updateUser: { params: { user_id: ids.managed }, form: { first_name: 'Renamed' } },
    deleteUser: { params: { user_id: ids.managedToDelete } },
    listTeams: {},
    createTeam: { body: { name: 'Wire team', description: 'Checks the wire.' } },
    listAuthorizedTeams: {},
    listTeamUsers: { params: { team_id: ids.team } },
    addTeamMember: { params: { team_id: ids.team }, body: { user_id: ids.member, role: 'member' } },
    removeTeamMember: { params: { team_id: ids.team, user_id: ids.member } },
    authorizeTeam: { params: { team_id: ids.team }, body: { scopes: ['data:read'] } },
    withdrawTeamAuthorization: { params: { team_id: ids.team } },
    createDelegatedToken: { body: { sub: ids.managed, scopes: ['data:read'] } },
    getPrincipalToken: {},
    createPortalSession: {
      token: ids.appToken,
      body: { destination: 'manage-teams', return_url: 'https://app.example/callback/done' },
    },
  };
}

/** How Polars names each declared column type after reading our Parquet (durations come back in ms). */
const POLARS_TYPES: Record<string, string> = {
  int16: 'Int16',
  int32: 'Int32',
  int64: 'Int64',
  float32: 'Float32',
  float64: 'Float64',
  utf8: 'String',
  timestamp: 'Datetime(us,UTC)',
  timestamp_local: 'Datetime(us,)',
  duration: 'Duration(',
  bool: 'Boolean',
};

/** How apache-arrow prints each declared type. */
const ARROW_TYPES: Record<string, RegExp> = {
  int16: /^Int16$/,
  int32: /^Int32$/,
  int64: /^Int64$/,
  float32: /^Float32$/,
  float64: /^Float64$/,
  utf8: /^Utf8$/,
  timestamp: /^Timestamp<MICROSECOND, UTC>$/,
  timestamp_local: /^Timestamp<MICROSECOND>$/,
  duration: /^Duration<SECOND>$/,
  bool: /^Bool$/,
};

function pathOf(route: RouteSpec, c: Case): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => c.params?.[name] ?? 'missing');
}

describe('the wire contract, route by route', () => {
  let server: TestServer;
  let token: string;
  let cases: Record<OperationId, Case>;
  const rideBytes = readFile(join(FIXTURES, 'ride-known-power.fit'));

  async function call(
    route: RouteSpec,
    c: Case,
    headers: Record<string, string> = {},
    path = pathOf(route, c),
  ) {
    const url = `${server.url}${path}${c.query ? `?${c.query}` : ''}`;
    const init: RequestInit = {
      method: route.method,
      headers: { authorization: `Bearer ${c.token ?? token}`, ...headers },
    };
    if (Array.isArray(c.multipart)) {
      const form = new FormData();
      for (const file of c.multipart) form.append('files', new Blob([file.body]), file.name);
      init.body = form;
    } else if (c.multipart) {
      const form = new FormData();
      form.append('files', new Blob([await readFile(join(FIXTURES, 'ride-short.tcx'))]), 'ride-short.tcx');
      init.body = form;
    } else if (c.form !== undefined) {
      init.body = new URLSearchParams(c.form).toString();
      (init.headers as Record<string, string>)['content-type'] = 'application/x-www-form-urlencoded';
    } else if (c.body !== undefined) {
      init.body = JSON.stringify(c.body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    return fetch(url, init);
  }

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('wire');
    const form = new FormData();
    form.append('files', new Blob([await rideBytes]), 'ride-known-power.fit');
    form.append('files', new Blob([await readFile(join(FIXTURES, 'run-devfield-power.fit'))]), 'run.fit');
    const response = await fetch(`${server.url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const body = await response.json().then(asJson);
    const { application, secret } = await server.engine.identity.applications.create('wire', {
      name: 'Contract app',
      redirectUris: ['https://app.example/callback'],
      confidential: true,
    });
    const managed = await server.engine.users.createManaged('wire', { firstName: 'Managed', lastName: null });
    const doomed = await server.engine.users.createManaged('wire', { firstName: 'Doomed', lastName: null });
    const team = await server.engine.teams.create('wire', { name: 'Contract team' });
    await server.engine.tokens.create('wire-member');
    const appToken = (await server.engine.tokens.create('wire', { clientId: application.id })).token;
    const metaApp = await server.engine.identity.applications.create('wire', { name: 'Metadata app' });
    const metaToken = (await server.engine.tokens.create('wire', { clientId: metaApp.application.id })).token;
    const test = await server.engine.tests.create(
      'wire',
      { sport: 'running', start: '2024-03-05T09:00:00+01:00', end: '2024-03-05T10:00:00+01:00' },
      null,
    );
    const trace = await server.engine.traces.create('wire', {
      timestamp: '2024-03-05T09:20:00+01:00',
      lactate: 1.8,
    });
    // A page deployed twice, so that a rollback has a version to go back to.
    const pageApp = await server.engine.identity.applications.create('wire', { name: 'Page app' });
    await server.engine.pages.ensure('wire', pageApp.application.id, 'wire-page', server.url);
    for (const title of ['first', 'second']) {
      await server.engine.pages.deploy(
        'wire',
        'wire-page',
        (async function* () {
          yield {
            path: 'index.html',
            chunks: (async function* () {
              yield Buffer.from(`<title>${title}</title>`);
            })(),
          };
        })(),
      );
    }
    const createdPageApp = await server.engine.identity.applications.create('wire', {
      name: 'Created page app',
    });
    const importForm = new FormData();
    importForm.append('files', new Blob([await rideBytes]), 'ride-known-power.fit');
    const importJob = await fetch(`${server.url}/api/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: importForm,
    })
      .then((r) => r.json())
      .then(asJson);
    cases = casesFor({
      importJob: importJob.id,
      page: 'wire-page',
      pageApp: createdPageApp.application.id,
      ride: body.sources[0].activity_ids[0],
      run: body.sources[1].activity_ids[0],
      source: body.sources[0].id,
      app: application.id,
      secret: secret!.id,
      managed: managed.id,
      managedToDelete: doomed.id,
      team: team.id,
      member: 'wire-member',
      appToken,
      test: test.id,
      trace: trace.id,
      metaToken,
      webhookEndpoint: (
        await server.engine.webhooks.addEndpoint('wire', application.id, { url: 'http://127.0.0.1:9/hook' })
      ).id,
    });
  });
  afterAll(() => server.close());

  const routes = Object.entries(ROUTES) as [OperationId, RouteSpec][];
  // Deletes last (an application after its secret): the other cases use what they delete.
  const deletesLast = [
    'deleteActivityAppMetadata',
    'deleteTestAppMetadata',
    'deleteTraceAppMetadata',
    'deleteProfileAppMetadata',
    'deleteTrace',
    'deleteTest',
    'deleteActivity',
    'deleteWebhookEndpoint',
    'deleteApplicationSecret',
    'deleteApplication',
    'deletePage',
    'withdrawTeamAuthorization',
    'deleteUser',
  ];
  const ordered = [
    ...routes.filter(([id]) => !deletesLast.includes(id)),
    ...deletesLast.map((id) => routes.find(([routeId]) => routeId === id)!),
  ];

  for (const [operationId, route] of ordered) {
    it(`${operationId}: ${route.method} ${route.path} answers as declared`, async () => {
      const c = cases[operationId];
      const response = await call(route, c, { accept: '*/*' });
      expect(response.headers.get('x-request-id')).toMatch(/^req_/);
      const response_ = route.response;
      if (response_.kind === 'json') {
        expect(response.status, await response.clone().text()).toBe(response_.status);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const parsed = response_.schema.safeParse(await response.json());
        expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3))).toBe(true);
      } else if (response_.kind === 'empty') {
        expect(response.status).toBe(204);
        expect((await call(route, c)).status).toBe(404);
      } else if (response_.kind === 'ndjson') {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
        const lines = (await response.text()).split('\n').filter((l) => l.trim());
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) expect(response_.schema.safeParse(JSON.parse(line)).success).toBe(true);
      } else {
        // Parquet for */*, as the official clients ask, read by Polars.
        expect(response.status, await response.clone().text()).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/vnd.apache.parquet');
        const parquet = pl.readParquet(Buffer.from(await response.arrayBuffer()));
        const declared = new Map(response_.table.columns.map((col) => [col.name, col]));
        for (const col of response_.table.columns.filter((x) => x.required))
          expect(parquet.columns).toContain(col.name);
        parquet.columns.forEach((name, i) => {
          const spec = declared.get(name);
          expect(spec, `column ${name} is not declared`).toBeDefined();
          expect(String(parquet.dtypes[i])).toContain(POLARS_TYPES[spec!.type]!);
        });
        // Arrow by Accept: the same columns with the declared Arrow types.
        const arrow = tableFromIPC(
          new Uint8Array(
            await (await call(route, c, { accept: 'application/vnd.apache.arrow.stream' })).arrayBuffer(),
          ),
        );
        expect(arrow.schema.fields.map((f) => f.name)).toEqual(parquet.columns);
        for (const field of arrow.schema.fields) {
          expect(String(field.type)).toMatch(ARROW_TYPES[declared.get(field.name)!.type]!);
        }
        expect(arrow.numRows).toBe(parquet.height);
        // JSON and CSV of the same request agree.
        const rows = (await (await call(route, c, { accept: 'application/json' })).json()) as Record<
          string,
          unknown
        >[];
        expect(rows.length).toBe(parquet.height);
        if (rows.length > 0) expect(Object.keys(rows[0]!)).toEqual(parquet.columns);
        const csv = await (await call(route, c, { accept: 'text/csv' })).text();
        if (rows.length > 0) expect(csv.split('\n')[0]).toBe(parquet.columns.join(','));
      }
    });
  }

  it('serves every path with and without its trailing slash, never redirecting', async () => {
    // The route-by-route cases deleted their application: these read a fresh one.
    const { application } = await server.engine.identity.applications.create('wire', { name: 'Slash app' });
    const endpoint = await server.engine.webhooks.addEndpoint('wire', application.id, {
      url: 'http://127.0.0.1:9/hook',
    });
    // …and so did their test and trace.
    const test = await server.engine.tests.create(
      'wire',
      { sport: 'running', start: '2024-03-06T09:00:00Z' },
      null,
    );
    const trace = await server.engine.traces.create('wire', { timestamp: '2024-03-06T09:10:00Z' });
    // …and their page.
    const pageApp = await server.engine.identity.applications.create('wire', { name: 'Slash page app' });
    await server.engine.pages.ensure('wire', pageApp.application.id, 'slash-page', server.url);
    const fresh: Record<string, string> = {
      '/api/v1/applications/{id}': application.id,
      '/api/v1/tests/{id}': test.id,
      '/api/v1/traces/{id}': trace.id,
    };
    for (const [operationId, route] of routes) {
      if (route.method !== 'GET') continue;
      const prefix = Object.keys(fresh).find((p) => route.path.startsWith(p));
      const freshParams = {
        id: fresh[prefix ?? '']!,
        ...(cases[operationId].params?.endpoint_id ? { endpoint_id: endpoint.id } : {}),
      };
      const c = route.path.startsWith('/api/v1/pages/')
        ? { ...cases[operationId], params: { slug: 'slash-page' } }
        : prefix
          ? { ...cases[operationId], params: freshParams }
          : cases[operationId];
      const path = pathOf(route, c);
      const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
      const [a, b] = await Promise.all([call(route, c, {}, path), call(route, c, {}, other)]);
      expect(b.status, `${operationId} ${other}`).toBe(a.status);
      expect(a.status, `${operationId} ${path}`).toBeLessThan(300);
      await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
    }
  });

  it('answers 401 without a token and 403 without the route’s scope, as problem+json', async () => {
    const profileOnly = (await server.engine.tokens.create('wire', { scopes: ['profile'] })).token;
    const readOnly = (await server.engine.tokens.create('wire', { scopes: ['data:read'] })).token;
    for (const [operationId, route] of routes) {
      if (!route.scope) continue;
      const c = cases[operationId];
      const anonymous = await fetch(`${server.url}${pathOf(route, c)}`, { method: route.method });
      expect(anonymous.status, operationId).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await anonymous.json()) as { code: string }).code).toBe('ERR_AUTH_MISSING');
      const lacking = route.scope === 'data:read' ? profileOnly : readOnly;
      const forbidden = await fetch(`${server.url}${pathOf(route, c)}`, {
        method: route.method,
        headers: { authorization: `Bearer ${lacking}` },
      });
      expect(forbidden.status, operationId).toBe(403);
      expect(((await forbidden.json()) as { code: string }).code).toBe('ERR_AUTH_SCOPE');
    }
  });

  it('refuses tampered, foreign, unsigned, expired and revoked keys with 401', async () => {
    const created = await server.engine.tokens.create('wire');
    const [header, payload, signature] = created.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const expired = (await server.engine.tokens.create('wire', { expiresInS: 1 })).token;
    const revoked = await server.engine.tokens.create('wire');
    await server.engine.tokens.revoke('wire', revoked.id);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (const bad of [`${header}.${forged}.${signature}`, unsigned, expired, revoked.token, 'not-a-jwt']) {
      const response = await get(server, bad, '/api/v1/activities/');
      expect(response.status).toBe(401);
      await response.arrayBuffer();
    }
    expect((await get(server, created.token, '/api/v1/activities/')).status).toBe(200);
  });

  it('publishes an OpenAPI document with every operation of the route table', async () => {
    const document = asJson(await (await fetch(`${server.url}/openapi.json`)).json());
    const operations = Object.values(document.paths).flatMap((p) => Object.values(p as object)) as {
      operationId: string;
    }[];
    expect(operations.map((o) => o.operationId).sort()).toEqual(Object.keys(ROUTES).sort());
    const meanMax = document.paths['/api/v1/activities/{id}/mean-max'].get;
    expect(meanMax.responses['200']['x-table'].columns.map((col: { name: string }) => col.name)).toContain(
      'duration',
    );
    expect(document.components.schemas.ActivitySummary.required).toEqual(
      expect.arrayContaining([
        'id',
        'sport',
        'start',
        'end',
        'start_local',
        'end_local',
        'duration',
        'metrics',
        'source_id',
      ]),
    );
  });
});
