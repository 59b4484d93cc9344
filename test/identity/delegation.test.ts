import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asJson, startTestServer, type TestServer } from '../helpers/test-server.ts';

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');

function claimsOf(jwt: string) {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
}

describe('delegated and principal tokens (WIRE.md §3.11, §5.5)', () => {
  let server: TestServer;
  let coachKey: string;
  let athleteKey: string;
  let managedId: string;
  let teamId: string;

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: asJson(text ? JSON.parse(text) : undefined) };
  };
  const uploadRide = async (token: string) => {
    const form = new FormData();
    form.append('files', new Blob([await readFile(join(FIXTURES, 'ride-short.tcx'))]), 'ride-short.tcx');
    return fetch(`${server.url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
  };
  const refresh = (refreshToken: string, clientId = '') =>
    fetch(`${server.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer stale' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
        client_secret: '',
      }).toString(),
    });

  beforeAll(async () => {
    server = await startTestServer();
    coachKey = await server.tokenFor('coach');
    athleteKey = await server.tokenFor('athlete');
    await server.tokenFor('stranger');
    const created = await call(coachKey, 'POST', '/api/v1/users/', {
      first_name: 'Mia',
      last_name: 'Managed',
    });
    expect(created.status).toBe(200);
    managedId = created.body.id;
    const team = await call(coachKey, 'POST', '/api/v1/teams/', { name: 'Coaching' });
    teamId = team.body.id;
    expect((await call(athleteKey, 'POST', `/api/v1/teams/${teamId}/authorize`, {})).body.scopes).toEqual([
      'data:read',
    ]);
  });
  afterAll(() => server.close());

  it('gives a coach a pair acting as a managed athlete: sub is the athlete, act.sub the coach', async () => {
    const pair = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId });
    expect(pair.status).toBe(200);
    expect(pair.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'data:read data:write profile',
    });
    expect(pair.body.refresh_token).toMatch(/^pfd_/);
    const claims = claimsOf(pair.body.access_token);
    expect(claims.sub).toBe(managedId);
    expect(claims.act).toEqual({ sub: 'coach' });
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.aud).toBeUndefined();

    // Data routes see the athlete.
    expect((await uploadRide(pair.body.access_token)).status).toBe(201);
    const mine = await call(pair.body.access_token, 'GET', '/api/v1/activities/');
    expect(mine.body).toHaveLength(1);
    expect((await call(coachKey, 'GET', '/api/v1/activities/')).body).toHaveLength(0);
    expect((await call(pair.body.access_token, 'GET', '/api/v1/profile/status')).status).toBe(200);

    // whoami-style listing is refused with a delegated token; the principal's pair goes back.
    const refused = await call(pair.body.access_token, 'GET', '/api/v1/users/');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ERR_DELEGATED_TOKEN');
    expect((await call(pair.body.access_token, 'GET', `/api/v1/users/${managedId}`)).status).toBe(403);
    const principal = await call(pair.body.access_token, 'GET', '/api/v1/oauth/principal-token');
    expect(principal.status).toBe(200);
    expect(principal.body.refresh_token).toMatch(/^pfd_/);
    expect(claimsOf(principal.body.access_token).sub).toBe('coach');
    const users = await call(principal.body.access_token, 'GET', '/api/v1/users/');
    expect(users.status).toBe(200);
    expect(users.body[0].id).toBe('coach');
    expect(users.body.map((u: { id: string }) => u.id)).toContain(managedId);
    // A principal bearer gets a pair for the same user.
    expect(
      claimsOf((await call(coachKey, 'GET', '/api/v1/oauth/principal-token')).body.access_token).sub,
    ).toBe('coach');
  });

  it('narrows scopes to what was asked, granted and held', async () => {
    const narrowed = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', {
      sub: managedId,
      scopes: ['data:read'],
    });
    expect(narrowed.body.scope).toBe('data:read');
    expect((await uploadRide(narrowed.body.access_token)).status).toBe(403);
    expect((await call(narrowed.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(200);
    // A coach key with data:read only cannot get data:write for the athlete.
    const readKey = (await server.engine.tokens.create('coach', { scopes: ['data:read'] })).token;
    expect(
      (await call(readKey, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId })).body.scope,
    ).toBe('data:read');
  });

  it('keeps the aud of an application token', async () => {
    const { application } = await server.engine.identity.applications.create('coach', { name: 'Coach app' });
    const appToken = (await server.engine.tokens.create('coach', { clientId: application.id })).token;
    const pair = await call(appToken, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId });
    expect(claimsOf(pair.body.access_token).aud).toBe(application.id);
    // Refreshed with the app's client id; another client id is refused.
    expect((await refresh(pair.body.refresh_token, application.id)).status).toBe(200);
    expect((await refresh(pair.body.refresh_token, 'another-app')).status).toBe(400);
  });

  it('refreshes a confidential app’s delegated pair only with one of its secrets', async () => {
    const { application, secret } = await server.engine.identity.applications.create('coach', {
      name: 'Confidential coach app',
      confidential: true,
    });
    const appToken = (await server.engine.tokens.create('coach', { clientId: application.id })).token;
    const pair = await call(appToken, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId });
    const withSecret = (clientSecret: string) =>
      fetch(`${server.url}/api/v1/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: pair.body.refresh_token,
          client_id: application.id,
          client_secret: clientSecret,
        }).toString(),
      });
    expect((await refresh(pair.body.refresh_token, application.id)).status).toBe(401);
    expect((await withSecret('wrong')).status).toBe(401);
    expect((await withSecret(secret!.secret)).status).toBe(200);
  });

  it('acts for an athlete who authorised a team the coach is in, with the granted scopes', async () => {
    const pair = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', {
      sub: 'athlete',
      team_id: teamId,
    });
    expect(pair.status).toBe(200);
    expect(pair.body.scope).toBe('data:read');
    expect((await call(pair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(200);
    expect((await uploadRide(pair.body.access_token)).status).toBe(403);
    // A team's delegated token cannot pass the athlete's data on to another team; a manager can.
    const other = await call(coachKey, 'POST', '/api/v1/teams/', { name: 'Other team' });
    await call(athleteKey, 'POST', `/api/v1/teams/${teamId}/authorize`, { scopes: ['data:read', 'profile'] });
    const wide = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: 'athlete' });
    expect(wide.body.scope).toBe('data:read profile');
    const passOn = await call(wide.body.access_token, 'POST', `/api/v1/teams/${other.body.id}/authorize`, {});
    expect(passOn.status).toBe(403);
    expect(passOn.body.code).toBe('ERR_DELEGATED_TOKEN');
    await call(athleteKey, 'POST', `/api/v1/teams/${teamId}/authorize`, { scopes: ['data:read'] });
    // Narrowing the grant narrows the standing token at once.
    expect((await call(wide.body.access_token, 'GET', '/api/v1/teams/')).status).toBe(403);
    const managedPair = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId });
    const forManaged = await call(
      managedPair.body.access_token,
      'POST',
      `/api/v1/teams/${other.body.id}/authorize`,
      {},
    );
    expect(forManaged.body).toEqual({ team_id: other.body.id, user_id: managedId, scopes: ['data:read'] });
    // Without team_id: through any team that was authorised.
    expect((await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: 'athlete' })).status).toBe(
      200,
    );
  });

  it('refuses athletes who did not authorise (403), unknown users (404) and delegating again', async () => {
    const refused = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: 'stranger' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ERR_DELEGATION_FORBIDDEN');
    expect(
      (await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: 'nobody-here' })).status,
    ).toBe(404);
    // The athlete's grant does not let a stranger in, nor another coach's managed user.
    const strangerKey = await server.tokenFor('stranger');
    expect(
      (await call(strangerKey, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId })).status,
    ).toBe(403);
    expect(
      (await call(strangerKey, 'POST', '/api/v1/oauth/delegated-token', { sub: 'athlete' })).status,
    ).toBe(403);
    const pair = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId });
    expect(
      (await call(pair.body.access_token, 'POST', '/api/v1/oauth/delegated-token', { sub: 'athlete' }))
        .status,
    ).toBe(403);
  });

  it('refreshes a delegated pair through the token route without rotating it', async () => {
    const pair = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId });
    const response = await refresh(pair.body.refresh_token);
    expect(response.status).toBe(200);
    const refreshed = asJson(await response.json());
    expect(refreshed.token_type).toBe('Bearer');
    expect(refreshed.refresh_token).toBe(pair.body.refresh_token);
    expect(claimsOf(refreshed.access_token).sub).toBe(managedId);
    expect((await call(refreshed.access_token, 'GET', '/api/v1/activities/')).status).toBe(200);
    const unknown = await refresh('pfd_not-a-real-token');
    expect(unknown.status).toBe(400);
    expect(asJson(await unknown.json()).error).toBe('invalid_grant');
  });

  it('ends delegated tokens at once when the athlete withdraws the grant or the coach leaves', async () => {
    const pair = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', {
      sub: 'athlete',
      team_id: teamId,
    });
    expect((await call(pair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(200);
    expect((await call(athleteKey, 'DELETE', `/api/v1/teams/${teamId}/authorize`)).status).toBe(204);
    const after = await call(pair.body.access_token, 'GET', '/api/v1/activities/');
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('ERR_AUTH_REVOKED');
    expect((await refresh(pair.body.refresh_token)).status).toBe(400);
    // Authorising again does not revive the old pair.
    await call(athleteKey, 'POST', `/api/v1/teams/${teamId}/authorize`, { scopes: ['data:read'] });
    expect((await call(pair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(401);

    // A member who leaves the team loses the access too.
    await server.tokenFor('assistant');
    expect(
      (await call(coachKey, 'POST', `/api/v1/teams/${teamId}/members`, { user_id: 'assistant' })).status,
    ).toBe(200);
    const assistantKey = await server.tokenFor('assistant');
    const assistantPair = await call(assistantKey, 'POST', '/api/v1/oauth/delegated-token', {
      sub: 'athlete',
    });
    expect(assistantPair.status).toBe(200);
    await server.engine.teams.removeMember(teamId, 'assistant', 'coach');
    expect((await call(assistantPair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(401);
  });

  it('ends a delegated token when the key it was made with is revoked', async () => {
    const key = await server.engine.tokens.create('coach');
    const pair = await call(key.token, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId });
    expect((await call(pair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(200);
    await server.engine.tokens.revoke('coach', key.id);
    expect((await call(pair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(401);
    expect((await refresh(pair.body.refresh_token)).status).toBe(400);
  });

  it('keeps delegations across a restart (held in memory, loaded at open)', async () => {
    const pair = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: managedId });
    const { Engine } = await import('../../src/engine/engine.ts');
    await server.app.close();
    server.engine.close();
    const engine = await Engine.open({ dataDir: server.dataDir });
    const { buildApp } = await import('../../src/api/app.ts');
    const app = await buildApp(engine);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const dataDir = server.dataDir;
    server = {
      ...server,
      engine,
      app,
      url,
      close: async () => {
        await app.close();
        engine.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    expect((await call(pair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(200);
    expect((await refresh(pair.body.refresh_token)).status).toBe(200);
  });
});
