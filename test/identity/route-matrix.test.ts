import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperationId, ROUTES, type RouteSpec } from '../../src/contract/index.ts';
import { asJson, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Generated from the route table: every route that declares a scope is called with every kind of
 * bad bearer (401), with a key that lacks its scope (403), and with athlete B's key on athlete
 * A's resources (404; lists answer B's own data, never A's ids).
 */

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');
const SCOPES = ['data:read', 'data:write', 'profile'] as const;

interface AthleteResources {
  activity: string;
  source: string;
  application: string;
  secret: string;
  managedUser: string;
  team: string;
  test: string;
  trace: string;
  endpoint: string;
  page: string;
  importJob: string;
}

/** A valid body for each route that needs one, so that a 404 is about the id, not the body. */
const BODIES: Partial<Record<OperationId, unknown>> = {
  setThresholds: { sport: 'cycling', effective_from: '2024-01-01', ftp_w: 250 },
  setDaily: { date: '2024-01-10', value: 70 },
  createApplication: { name: 'Matrix app' },
  updateApplication: { description: 'changed' },
  createApplicationSecret: { label: 'matrix' },
  createUser: { first_name: 'Matrix', last_name: null },
  updateUser: { first_name: 'Renamed' },
  createTeam: { name: 'Matrix team', description: 'matrix' },
  addTeamMember: { user_id: 'athlete-b', role: 'member' },
  authorizeTeam: { scopes: ['data:read'] },
  createPortalSession: { destination: 'manage-teams' },
  replaceTest: { sport: 'cycling', start: '2024-06-01T08:00:00+02:00' },
  replaceTrace: { timestamp: '2024-06-01T08:30:00+02:00', lactate: 2.1 },
  setActivityAppMetadata: { k: 1 },
  setTestAppMetadata: { k: 1 },
  setTraceAppMetadata: { k: 1 },
  createWebhookEndpoint: { url: 'http://127.0.0.1:9/hook' },
  replayWebhookEvents: { start: '2024-01-01T00:00:00Z' },
  ensureApplicationPage: { slug: 'matrix-page' },
  createPage: { application_id: 'not-an-app-of-yours', slug: 'matrix-created' },
};

/** App metadata routes refuse a personal key (403) before they look the record up. */
const APP_TOKEN_ONLY: readonly OperationId[] = [
  'setActivityAppMetadata',
  'deleteActivityAppMetadata',
  'setTestAppMetadata',
  'deleteTestAppMetadata',
  'setTraceAppMetadata',
  'deleteTraceAppMetadata',
];

/** Path parameters that name a word of the vocabulary (a measure, a marker), not anyone's record. */
const VOCABULARY_PARAMS = ['{measure}', '{name}'];

/** Routes on the caller's own relation to another's resource (authorising a coach's team). */
const OWN_RELATION: readonly OperationId[] = ['authorizeTeam', 'withdrawTeamAuthorization'];

/** A value for each path parameter: A's own resource of the kind the route names. */
function paramsFor(
  route: RouteSpec,
  a: AthleteResources,
  extra: Record<string, string>,
): Record<string, string> {
  const values: Record<string, string> = {
    measure: 'body_mass',
    name: 'ftp',
    secret_id: a.secret,
    endpoint_id: a.endpoint,
    user_id: a.managedUser,
    team_id: a.team,
    slug: a.page,
    ...extra,
  };
  if (route.path.startsWith('/api/v1/activities/')) values.id = a.activity;
  if (route.path.startsWith('/api/v1/sources/')) values.id = a.source;
  if (route.path.startsWith('/api/v1/applications/')) values.id = a.application;
  if (route.path.startsWith('/api/v1/tests/')) values.id = a.test;
  if (route.path.startsWith('/api/v1/traces/')) values.id = a.trace;
  if (route.path.startsWith('/api/v1/imports/')) values.id = a.importJob;
  return values;
}

function pathOf(route: RouteSpec, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? 'unknown');
}

describe('every route refuses bad, unscoped and foreign bearers', () => {
  let server: TestServer;
  let a: AthleteResources;
  let extraParams: Record<string, string> = {};
  let tokenB: string;
  const badTokens: Record<string, string> = {};
  const routes = (Object.entries(ROUTES) as [OperationId, RouteSpec][]).filter(([, route]) => route.scope);

  async function call(
    operationId: OperationId,
    route: RouteSpec,
    token: string | undefined,
    params: Record<string, string>,
  ) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (route.method === 'POST' || route.method === 'PUT') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(BODIES[operationId] ?? {});
    }
    return fetch(`${server.url}${pathOf(route, params)}`, { method: route.method, headers, body });
  }

  beforeAll(async () => {
    server = await startTestServer();
    const tokenA = await server.tokenFor('athlete-a');
    tokenB = await server.tokenFor('athlete-b');
    const form = new FormData();
    form.append('files', new Blob([await readFile(join(FIXTURES, 'ride-known-power.fit'))]), 'ride.fit');
    const upload = asJson(
      await (
        await fetch(`${server.url}/api/v1/activities/upload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokenA}` },
          body: form,
        })
      ).json(),
    );
    const { application, secret } = await server.engine.identity.applications.create('athlete-a', {
      name: 'A’s app',
      confidential: true,
    });
    const managed = await server.engine.users.createManaged('athlete-a', {
      firstName: 'Kid',
      lastName: null,
    });
    const team = await server.engine.teams.create('athlete-a', { name: 'A’s squad' });
    const postAsA = async (path: string, body: unknown) =>
      asJson(
        await (
          await fetch(`${server.url}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json(),
      );
    const test = await postAsA('/api/v1/tests/', { sport: 'cycling', start: '2024-06-01T08:00:00+02:00' });
    const trace = await postAsA('/api/v1/traces/', { timestamp: '2024-06-01T08:30:00+02:00', lactate: 2 });
    const endpoint = await postAsA(`/api/v1/applications/${application.id}/webhook-endpoints`, {
      url: 'http://127.0.0.1:9/hook',
    });
    expect([test.id, trace.id, endpoint.id].every((id) => typeof id === 'string')).toBe(true);
    const page = asJson(
      await (
        await fetch(`${server.url}/api/v1/applications/${application.id}/page`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
          body: JSON.stringify({ slug: 'page-of-a' }),
        })
      ).json(),
    );
    expect(page.slug).toBe('page-of-a');
    const importForm = new FormData();
    importForm.append('files', new Blob([await readFile(join(FIXTURES, 'ride-short.tcx'))]), 'ride.tcx');
    const importJob = asJson(
      await (
        await fetch(`${server.url}/api/v1/imports`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokenA}` },
          body: importForm,
        })
      ).json(),
    );
    a = {
      importJob: importJob.id,
      activity: upload.sources[0].activity_ids[0],
      source: upload.sources[0].id,
      application: application.id,
      secret: secret!.id,
      managedUser: managed.id,
      team: team.id,
      test: test.id,
      trace: trace.id,
      endpoint: endpoint.id,
      page: page.slug,
    };
    extraParams = {};

    // Bearers that must all be refused with 401.
    const keyFile = (await readdir(join(server.dataDir, 'keys'))).find((name) => name.endsWith('.json'))!;
    const { jwk, kid } = JSON.parse(await readFile(join(server.dataDir, 'keys', keyFile), 'utf8'));
    const privateKey = await importJWK(jwk, 'RS256');
    const created = await server.engine.tokens.create('athlete-a');
    const nowS = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>, issuer = 'peakform', expS = nowS + 3600) =>
      new SignJWT({ scope: SCOPES.join(' '), ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
        .setIssuer(issuer)
        .setSubject('athlete-a')
        .setJti(created.id)
        .setIssuedAt(nowS - 7200)
        .setExpirationTime(expS)
        .sign(privateKey);
    badTokens.expired = await sign({}, 'peakform', nowS - 60);
    badTokens['wrong issuer'] = await sign({}, 'https://another.example');
    badTokens['wrong audience'] = await sign({ aud: 'someone-else' });
    const [header, payload, signature] = created.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    badTokens.tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'athlete-b' })).toString('base64url')}.${signature}`;
    badTokens['alg none'] =
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    badTokens['not a JWT'] = 'this-is-not-a-token';
    const revoked = await server.engine.tokens.create('athlete-a');
    await server.engine.tokens.revoke('athlete-a', revoked.id);
    badTokens.revoked = revoked.token;
  });
  afterAll(() => server.close());

  it('refuses every bad bearer on every route with 401 problem+json', async () => {
    for (const [operationId, route] of routes) {
      const params = paramsFor(route, a, extraParams);
      for (const [kind, token] of [['missing', undefined] as const, ...Object.entries(badTokens)]) {
        const response = await call(operationId, route, token, params);
        expect(response.status, `${operationId} with a ${kind} bearer`).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        await response.arrayBuffer();
      }
    }
  });

  it('answers 403 to a key without the route’s scope', async () => {
    const withoutScope = new Map<string, string>();
    for (const scope of SCOPES) {
      const others = SCOPES.filter((s) => s !== scope);
      withoutScope.set(scope, (await server.engine.tokens.create('athlete-a', { scopes: others })).token);
    }
    for (const [operationId, route] of routes) {
      const response = await call(
        operationId,
        route,
        withoutScope.get(route.scope!),
        paramsFor(route, a, extraParams),
      );
      expect(response.status, operationId).toBe(403);
      expect(asJson(await response.json()).code).toBe('ERR_AUTH_SCOPE');
    }
  });

  it('lets a delegated token read only the athlete it acts for, with only the granted scopes', async () => {
    const tokenA = await server.tokenFor('athlete-a');
    const pair = asJson(
      await (
        await fetch(`${server.url}/api/v1/oauth/delegated-token`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sub: a.managedUser, scopes: ['data:read'] }),
        })
      ).json(),
    );
    const asManaged = { authorization: `Bearer ${pair.access_token}` };
    expect((await fetch(`${server.url}/api/v1/activities/`, { headers: asManaged })).status).toBe(200);
    // The coach's own activity is not the managed athlete's.
    expect(
      (await fetch(`${server.url}/api/v1/activities/${a.activity}`, { headers: asManaged })).status,
    ).toBe(404);
    // Only data:read was granted.
    const write = await fetch(`${server.url}/api/v1/dailies/body_mass`, {
      method: 'POST',
      headers: { ...asManaged, 'content-type': 'application/json' },
      body: JSON.stringify({ date: '2024-01-01', value: 40 }),
    });
    expect(write.status).toBe(403);
  });

  it('never shows athlete B athlete A’s resources: 404 by id, B’s own data in lists', async () => {
    // A's team id may appear where B authorises it (B's own relation); nothing else of A's.
    const secretsOfA = [
      a.activity,
      a.source,
      a.application,
      a.secret,
      a.managedUser,
      a.test,
      a.trace,
      a.endpoint,
      a.importJob,
    ];
    for (const [operationId, route] of routes) {
      const params = paramsFor(route, a, extraParams);
      const response = await call(operationId, route, tokenB, params);
      const text = await response.text();
      const namesARecord =
        /\{\w+\}/.test(route.path) && !VOCABULARY_PARAMS.some((param) => route.path.includes(param));
      if (namesARecord && !OWN_RELATION.includes(operationId)) {
        const refused = APP_TOKEN_ONLY.includes(operationId) ? [403, 404] : [404];
        expect(refused, `${operationId} ${pathOf(route, params)}: ${response.status}`).toContain(
          response.status,
        );
      } else {
        expect(response.status, `${operationId}: ${text.slice(0, 200)}`).toBeLessThan(500);
      }
      // A 404 may echo the id B asked for; an answer never carries A's ids.
      if (response.ok)
        for (const id of secretsOfA) expect(text, `${operationId} leaks ${id}`).not.toContain(id);
    }
    // B cannot act for A's managed athlete.
    const delegation = await fetch(`${server.url}/api/v1/oauth/delegated-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenB}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sub: a.managedUser }),
    });
    expect([403, 404]).toContain(delegation.status);
    // A still sees all of it.
    const own = await fetch(`${server.url}/api/v1/activities/${a.activity}`, {
      headers: { authorization: `Bearer ${await server.tokenFor('athlete-a')}` },
    });
    expect(own.status).toBe(200);
  });
});
