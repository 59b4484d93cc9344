import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../../src/engine/engine.ts';
import { asJson, startTestServer, type TestServer } from '../helpers/test-server.ts';

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');

describe('users and teams (WIRE.md §3.9, §3.10)', () => {
  let server: TestServer;
  let coachKey: string;
  let otherCoachKey: string;
  let athleteKey: string;

  const call = async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    form?: Record<string, string>,
  ) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let payload: string | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(form).toString();
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    return { status: response.status, body: asJson(text ? JSON.parse(text) : undefined) };
  };
  const count = async (sql: string, id: string) =>
    Number((await server.engine.store.all<{ n: bigint }>(sql, [id]))[0]!.n);

  beforeAll(async () => {
    server = await startTestServer();
    await server.engine.identity.accounts.signUp({
      email: 'coach@example.org',
      password: 'a long password',
      athleteId: 'coach',
      firstName: 'Carla',
      lastName: 'Coach',
    });
    coachKey = await server.tokenFor('coach');
    otherCoachKey = await server.tokenFor('other-coach');
    athleteKey = await server.tokenFor('athlete');
  });
  afterAll(() => server.close());

  it('lists the caller first, then managed users; creates, reads and renames (form) managed users', async () => {
    const created = await call(coachKey, 'POST', '/api/v1/users/', { first_name: 'Mia', last_name: 'Lind' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      first_name: 'Mia',
      last_name: 'Lind',
      display_name: 'Mia Lind',
      is_managed: true,
      admin: false,
    });
    const id = created.body.id;
    const list = await call(coachKey, 'GET', '/api/v1/users/');
    expect(list.body.map((u: { id: string }) => u.id)).toEqual(['coach', id]);
    expect(list.body[0]).toMatchObject({ display_name: 'Carla Coach', is_managed: false });
    expect(list.body[1].scopes).toEqual(['data:read', 'data:write', 'profile']);
    expect((await call(coachKey, 'GET', '/api/v1/users/?include_managed=false')).body).toHaveLength(1);
    expect(
      (await call(coachKey, 'GET', '/api/v1/users/?name=LIN')).body.map((u: { id: string }) => u.id),
    ).toEqual([id]);

    expect((await call(coachKey, 'GET', `/api/v1/users/${id}`)).body.display_name).toBe('Mia Lind');
    expect((await call(otherCoachKey, 'GET', `/api/v1/users/${id}`)).status).toBe(404);
    expect((await call(coachKey, 'GET', '/api/v1/users/coach')).status).toBe(404);

    // PUT is form-encoded; only the fields sent change.
    const renamed = await call(coachKey, 'PUT', `/api/v1/users/${id}`, undefined, { first_name: 'Maja' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ first_name: 'Maja', last_name: 'Lind', display_name: 'Maja Lind' });
    const json = await call(coachKey, 'PUT', `/api/v1/users/${id}`, { last_name: 'Berg' });
    expect(json.body).toMatchObject({ first_name: 'Maja', last_name: 'Berg' });
    expect(
      (await call(otherCoachKey, 'PUT', `/api/v1/users/${id}`, undefined, { first_name: 'X' })).status,
    ).toBe(404);
    expect((await call(coachKey, 'PUT', `/api/v1/users/${id}`, undefined, { nickname: 'X' })).status).toBe(
      400,
    );
  });

  it('deletes a managed user with all their data: catalog rows, lake files, originals, tokens', async () => {
    const { id } = (await call(coachKey, 'POST', '/api/v1/users/', { first_name: 'Doomed', last_name: null }))
      .body;
    const pair = (await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', { sub: id })).body;
    const form = new FormData();
    form.append('files', new Blob([await readFile(join(FIXTURES, 'ride-known-power.fit'))]), 'ride.fit');
    const uploaded = await fetch(`${server.url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.access_token}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    expect(
      (await call(pair.access_token, 'POST', '/api/v1/dailies/body_mass', { date: '2024-01-10', value: 60 }))
        .status,
    ).toBe(200);
    const ownKey = await server.engine.tokens.create(id);
    const lakeFiles = async () =>
      (await listFiles(join(server.dataDir, 'lake'))).filter((path) => path.includes(`athlete_id=${id}`));
    const originals = () => listFiles(join(server.dataDir, 'originals', id)).catch(() => []);
    expect((await lakeFiles()).length).toBeGreaterThan(0);
    expect((await originals()).length).toBe(1);
    expect(await count('SELECT count(*) AS n FROM activities WHERE athlete_id = ?', id)).toBe(1);

    expect((await call(otherCoachKey, 'DELETE', `/api/v1/users/${id}`)).status).toBe(404);
    expect((await call(pair.access_token, 'DELETE', `/api/v1/users/${id}`)).status).toBe(403);
    expect((await call(coachKey, 'DELETE', `/api/v1/users/${id}`)).status).toBe(204);
    expect((await call(coachKey, 'DELETE', `/api/v1/users/${id}`)).status).toBe(404);

    expect(await lakeFiles()).toEqual([]);
    expect(await originals()).toEqual([]);
    for (const table of ['activities', 'sources', 'dailies', 'tokens', 'curve_points', 'delegations']) {
      expect(await count(`SELECT count(*) AS n FROM ${table} WHERE athlete_id = ?`, id), table).toBe(0);
    }
    expect(await count('SELECT count(*) AS n FROM users WHERE id = ?', id)).toBe(0);
    expect(await server.engine.checkConsistency()).toEqual([]);
    expect((await call(pair.access_token, 'GET', '/api/v1/activities/')).status).toBe(401);
    expect((await call(ownKey.token, 'GET', '/api/v1/activities/')).status).toBe(401);
    expect(
      (await call(coachKey, 'GET', '/api/v1/users/')).body.map((u: { id: string }) => u.id),
    ).not.toContain(id);
  });

  it('creates teams, adds members, and shows the athletes who authorised them with their scopes', async () => {
    const team = await call(coachKey, 'POST', '/api/v1/teams/', {
      name: 'Road squad',
      description: 'Tuesdays',
    });
    expect(team.status).toBe(200);
    expect(team.body).toMatchObject({ name: 'Road squad', description: 'Tuesdays', role: 'owner' });
    for (const field of ['url', 'image', 'privacy_statement']) {
      expect(new URL(team.body[field]).protocol).toBe('http:');
      expect((await fetch(team.body[field])).status).toBe(200);
    }
    const teamId = team.body.id;
    expect((await call(coachKey, 'GET', '/api/v1/teams/')).body.map((t: { id: string }) => t.id)).toEqual([
      teamId,
    ]);

    // Only an owner adds members; a member sees the team with role member.
    expect(
      (await call(coachKey, 'POST', `/api/v1/teams/${teamId}/members`, { user_id: 'other-coach' })).body,
    ).toEqual({ team_id: teamId, user_id: 'other-coach', role: 'member' });
    expect((await call(otherCoachKey, 'GET', '/api/v1/teams/')).body[0]).toMatchObject({
      id: teamId,
      role: 'member',
    });
    expect(
      (await call(otherCoachKey, 'POST', `/api/v1/teams/${teamId}/members`, { user_id: 'athlete' })).status,
    ).toBe(403);
    expect(
      (await call(athleteKey, 'POST', `/api/v1/teams/${teamId}/members`, { user_id: 'athlete' })).status,
    ).toBe(404);
    expect(
      (await call(coachKey, 'POST', `/api/v1/teams/${teamId}/members`, { user_id: 'no-such-user' })).status,
    ).toBe(404);

    // The athlete authorises the team; members see them with the scopes granted.
    expect((await call(athleteKey, 'GET', `/api/v1/teams/${teamId}/users`)).status).toBe(404);
    const grant = await call(athleteKey, 'POST', `/api/v1/teams/${teamId}/authorize`, {
      scopes: ['data:read', 'profile'],
    });
    expect(grant.body).toEqual({ team_id: teamId, user_id: 'athlete', scopes: ['data:read', 'profile'] });
    expect((await call(athleteKey, 'POST', '/api/v1/teams/team_unknown/authorize', {})).status).toBe(404);
    const members = await call(otherCoachKey, 'GET', `/api/v1/teams/${teamId}/users`);
    expect(members.body).toEqual([
      {
        id: 'athlete',
        first_name: null,
        last_name: null,
        scopes: ['data:read', 'profile'],
        display_name: 'athlete',
        is_managed: false,
      },
    ]);
    const authorized = await call(athleteKey, 'GET', '/api/v1/teams/authorized');
    expect(authorized.body).toHaveLength(1);
    expect(authorized.body[0]).toMatchObject({
      id: teamId,
      name: 'Road squad',
      scopes: ['data:read', 'profile'],
    });
    // Shared users appear in the coach's list (not with include_shared=false).
    const users = await call(coachKey, 'GET', '/api/v1/users/');
    expect(users.body.find((u: { id: string }) => u.id === 'athlete')?.scopes).toEqual([
      'data:read',
      'profile',
    ]);
    expect(
      (await call(coachKey, 'GET', '/api/v1/users/?include_shared=false')).body.some(
        (u: { id: string }) => u.id === 'athlete',
      ),
    ).toBe(false);

    // Withdrawing ends it.
    expect((await call(athleteKey, 'DELETE', `/api/v1/teams/${teamId}/authorize`)).status).toBe(204);
    expect((await call(athleteKey, 'DELETE', `/api/v1/teams/${teamId}/authorize`)).status).toBe(404);
    expect((await call(athleteKey, 'GET', '/api/v1/teams/authorized')).body).toEqual([]);
    expect((await call(coachKey, 'GET', `/api/v1/teams/${teamId}/users`)).body).toEqual([]);
  });

  it('removes members: an owner removes anyone but the last owner, a member leaves, and access ends at once', async () => {
    const teamId = (await call(coachKey, 'POST', '/api/v1/teams/', { name: 'Track squad' })).body.id;
    await call(coachKey, 'POST', `/api/v1/teams/${teamId}/members`, { user_id: 'other-coach' });
    await call(athleteKey, 'POST', `/api/v1/teams/${teamId}/authorize`, { scopes: ['data:read'] });
    const pair = await call(otherCoachKey, 'POST', '/api/v1/oauth/delegated-token', {
      sub: 'athlete',
      team_id: teamId,
    });
    expect(pair.status).toBe(200);
    expect((await call(pair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(200);

    // A stranger is told the team does not exist; a member cannot remove others.
    expect((await call(athleteKey, 'DELETE', `/api/v1/teams/${teamId}/members/other-coach`)).status).toBe(
      404,
    );
    expect((await call(otherCoachKey, 'DELETE', `/api/v1/teams/${teamId}/members/coach`)).status).toBe(403);
    // The owner removes the member: their delegated token stops at once, and the team leaves their list.
    expect((await call(coachKey, 'DELETE', `/api/v1/teams/${teamId}/members/other-coach`)).status).toBe(204);
    expect((await call(pair.body.access_token, 'GET', '/api/v1/activities/')).status).toBe(401);
    expect(
      (await call(otherCoachKey, 'GET', '/api/v1/teams/')).body.some((t: { id: string }) => t.id === teamId),
    ).toBe(false);
    expect((await call(coachKey, 'DELETE', `/api/v1/teams/${teamId}/members/other-coach`)).status).toBe(404);
    // The last owner cannot go; a member can leave on their own.
    const lastOwner = await call(coachKey, 'DELETE', `/api/v1/teams/${teamId}/members/coach`);
    expect(lastOwner.status).toBe(403);
    expect(lastOwner.body.code).toBe('ERR_TEAM_FORBIDDEN');
    await call(coachKey, 'POST', `/api/v1/teams/${teamId}/members`, { user_id: 'other-coach' });
    expect((await call(otherCoachKey, 'DELETE', `/api/v1/teams/${teamId}/members/other-coach`)).status).toBe(
      204,
    );
    expect(
      (await call(coachKey, 'GET', '/api/v1/teams/')).body.find((t: { id: string }) => t.id === teamId),
    ).toMatchObject({ role: 'owner' });
  });
});
