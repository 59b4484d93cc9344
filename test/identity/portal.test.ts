import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asJson, startTestServer, type TestServer } from '../helpers/test-server.ts';

/** The cookies a response sets, as one Cookie header value (later ones win). */
function cookieJar() {
  const jar = new Map<string, string>();
  return {
    take(response: Response) {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
    },
    header: () => [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
  };
}

describe('Portal sessions (WIRE.md §3.12)', () => {
  let server: TestServer;
  let appToken: string;
  let teamId: string;

  const createSession = async (token: string, body: unknown) => {
    const response = await fetch(`${server.url}/api/v1/portal/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: asJson(await response.json()) };
  };

  beforeAll(async () => {
    server = await startTestServer();
    const { application } = await server.engine.identity.applications.create('dev', {
      name: 'Training app',
      redirectUris: ['https://app.example/callback'],
    });
    appToken = (await server.engine.tokens.create('athlete', { clientId: application.id })).token;
    teamId = (await server.engine.teams.create('coach', { name: 'Track club' })).id;
    await server.engine.teams.authorize('athlete', teamId, ['data:read']);
  });
  afterAll(() => server.close());

  it('answers a one-time link that opens the athlete’s teams page once, with a way back to the app', async () => {
    const session = await createSession(appToken, {
      destination: 'manage-teams',
      return_url: 'https://app.example/callback/settings',
    });
    expect(session.status).toBe(200);
    expect(session.body.url).toMatch(new RegExp(`^${server.url}/portal/[A-Za-z0-9_-]{40,}$`));

    const jar = cookieJar();
    const first = await fetch(session.body.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/account/teams');
    jar.take(first);
    const again = await fetch(session.body.url, { redirect: 'manual' });
    expect(again.status).toBe(400);

    const page = await fetch(`${server.url}/account/teams`, { headers: { cookie: jar.header() } });
    expect(page.status).toBe(200);
    jar.take(page);
    const html = await page.text();
    expect(html).toContain('Track club');
    expect(html).toContain('href="https://app.example/callback/settings"');
    expect(html).toContain('Back to the app');

    // Withdraw with the page's CSRF token: the grant is gone.
    const csrf = html.match(/name="csrf" value="([^"]+)"/)![1]!;
    const forged = await fetch(`${server.url}/account/teams/${teamId}/withdraw`, {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=forged',
    });
    expect(forged.status).toBe(403);
    expect(server.engine.teams.authorizedTeams('athlete')).toHaveLength(1);
    const withdrawn = await fetch(`${server.url}/account/teams/${teamId}/withdraw`, {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(withdrawn.status).toBe(200);
    expect(await withdrawn.text()).toContain('Access withdrawn.');
    expect(server.engine.teams.authorizedTeams('athlete')).toEqual([]);
  });

  it('leads manage-integrations to the connected apps, without a back link when no return_url was given', async () => {
    const session = await createSession(appToken, { destination: 'manage-integrations' });
    const jar = cookieJar();
    const first = await fetch(session.body.url, { redirect: 'manual' });
    expect(first.headers.get('location')).toBe('/account/integrations');
    jar.take(first);
    const page = await fetch(`${server.url}/account/integrations`, { headers: { cookie: jar.header() } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Connected apps');
    expect(html).not.toContain('Back to the app');
  });

  it('refuses a return_url outside the app’s redirect URIs, a token of no app, and delegated tokens', async () => {
    for (const returnUrl of [
      'https://evil.example/',
      'https://app.example/callbackevil',
      'https://app.example.evil.example/callback',
    ]) {
      const refused = await createSession(appToken, { destination: 'manage-teams', return_url: returnUrl });
      expect(refused.status, returnUrl).toBe(400);
      expect(refused.body.code).toBe('ERR_PORTAL_INVALID');
    }
    expect(
      (
        await createSession(appToken, {
          destination: 'manage-teams',
          return_url: 'https://app.example/callback',
        })
      ).status,
    ).toBe(200);
    const personal = await server.tokenFor('athlete');
    expect((await createSession(personal, { destination: 'manage-teams' })).status).toBe(400);

    const managed = await server.engine.users.createManaged('coach', { firstName: 'M', lastName: null });
    const coachApp = (
      await server.engine.tokens.create('coach', {
        clientId: (
          await server.engine.identity.applications.create('coach', { name: 'Coach app' })
        ).application.id,
      })
    ).token;
    const pair = await fetch(`${server.url}/api/v1/oauth/delegated-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${coachApp}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sub: managed.id }),
    }).then(async (r) => asJson(await r.json()));
    const delegated = await createSession(pair.access_token, { destination: 'manage-teams' });
    expect(delegated.status).toBe(403);
    expect(delegated.body.code).toBe('ERR_DELEGATED_TOKEN');
  });

  it('allows loopback return URLs when the app registered none', async () => {
    const { application } = await server.engine.identity.applications.create('dev', { name: 'Local app' });
    const token = (await server.engine.tokens.create('athlete', { clientId: application.id })).token;
    const local = await createSession(token, {
      destination: 'manage-teams',
      return_url: 'http://localhost:8501/done',
    });
    expect(local.status).toBe(200);
    expect(
      (
        await createSession(token, {
          destination: 'manage-teams',
          return_url: 'https://app.example/callback',
        })
      ).status,
    ).toBe(400);
  });
});
