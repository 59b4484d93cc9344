import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RequestFacts, type StoredSession, WebSession } from '../../src/sdk/web-session.ts';

/**
 * The session behind the Fastify plugin and the Express middleware, without a framework: what the
 * cookies hold and refuse, and what login, callback and the guard answer. The whole flow against a
 * real server and Chromium is test/sdk/framework-helpers.test.ts.
 */

const SECRET = 'a session secret of thirty-two characters or more';
const OPTIONS = { baseUrl: 'https://peakform.example.org', clientId: 'app123', sessionSecret: SECRET };
const SESSION: StoredSession = {
  sub: 'u1',
  accessToken: 'header.payload.signature',
  refreshToken: 'refresh-1',
  expiresAt: Date.now() + 900_000,
  signedInAt: Date.now(),
};

const facts = (cookieHeader?: string, url = '/', origin = 'http://127.0.0.1:3000'): RequestFacts => ({
  url,
  cookieHeader,
  origin,
});
/** The `name=value` pair of a Set-Cookie header. */
const pair = (setCookie: string) => setCookie.split(';')[0]!;

afterEach(() => {
  vi.useRealTimers();
});

describe('WebSession', () => {
  it('refuses a session secret shorter than 32 characters', () => {
    expect(() => new WebSession({ ...OPTIONS, sessionSecret: 'short' })).toThrow(/32/);
    expect(() => new WebSession({ ...OPTIONS, sessionSecret: [] })).toThrow(/32/);
  });

  it('stores the session in an HttpOnly, SameSite=Lax cookie, Secure on https, that reads back', () => {
    const web = new WebSession(OPTIONS);
    const setCookie = web.sessionCookie(facts(), SESSION);
    expect(setCookie).toMatch(
      /^peakform_app_session=v1\.[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
    );
    expect(setCookie).not.toContain('refresh-1');
    expect(web.sessionCookie(facts(undefined, '/', 'https://app.example.org'), SESSION)).toMatch(/; Secure$/);
    expect(new WebSession({ ...OPTIONS, secureCookies: true }).sessionCookie(facts(), SESSION)).toMatch(
      /; Secure$/,
    );
    expect(web.read(facts(pair(setCookie)))).toEqual({ session: SESSION, invalid: false });
    expect(web.read(facts())).toEqual({ session: undefined, invalid: false });
  });

  it('treats any altered byte, another cookie’s value or another secret as no session', () => {
    const web = new WebSession(OPTIONS);
    const value = pair(web.sessionCookie(facts(), SESSION)).split('=')[1]!;
    for (let at = 3; at < value.length; at += 7) {
      const altered = `${value.slice(0, at)}${value[at] === 'x' ? 'y' : 'x'}${value.slice(at + 1)}`;
      expect(web.read(facts(`peakform_app_session=${altered}`)).invalid).toBe(true);
    }
    // The pending sign-in's value is sealed for its own name and does not open as a session.
    const other = new WebSession({ ...OPTIONS, cookieName: 'peakform_app_session_signin' });
    const foreign = pair(other.sessionCookie(facts(), SESSION)).split('=')[1]!;
    expect(web.read(facts(`peakform_app_session=${foreign}`))).toEqual({ session: undefined, invalid: true });
    const stranger = new WebSession({ ...OPTIONS, sessionSecret: `${SECRET} but another one` });
    expect(stranger.read(facts(`peakform_app_session=${value}`)).invalid).toBe(true);
  });

  it('opens sessions sealed with a previous secret while it is listed (rotation)', () => {
    const old = new WebSession(OPTIONS);
    const cookie = pair(old.sessionCookie(facts(), SESSION));
    const rotated = new WebSession({ ...OPTIONS, sessionSecret: [`${SECRET} (new)`, SECRET] });
    expect(rotated.read(facts(cookie)).session?.sub).toBe('u1');
    expect(pair(rotated.sessionCookie(facts(), SESSION))).not.toBe(cookie);
    expect(new WebSession({ ...OPTIONS, sessionSecret: `${SECRET} (new)` }).read(facts(cookie)).invalid).toBe(
      true,
    );
  });

  it('ends a session after sessionMaxAgeS, whatever the browser keeps', () => {
    // The clock stands still from sign-in on: the cookie's Max-Age is in whole seconds, so a few
    // real milliseconds between sign-in and sealing would already cost the session its 60th second.
    vi.useFakeTimers({ toFake: ['Date'] });
    const web = new WebSession({ ...OPTIONS, sessionMaxAgeS: 60 });
    const cookie = pair(web.sessionCookie(facts(), { ...SESSION, signedInAt: Date.now() }));
    vi.setSystemTime(Date.now() + 59_000);
    expect(web.read(facts(cookie)).session).toBeDefined();
    vi.setSystemTime(Date.now() + 2_000);
    expect(web.read(facts(cookie))).toEqual({ session: undefined, invalid: true });
  });

  it('sends login to the authorize URL with PKCE S256 and state, and remembers a same-site return path', async () => {
    const web = new WebSession({ ...OPTIONS, clientSecret: 'secret' });
    const login = await web.login(facts(undefined, '/login?return_to=%2Factivities%3Fsport%3Dcycling'));
    expect(login.status).toBe(302);
    const url = new URL(login.location!);
    expect(url.origin + url.pathname).toBe('https://peakform.example.org/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'app123',
      redirect_uri: 'http://127.0.0.1:3000/callback',
      scope: 'data:read profile',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.stringMatching(/^[\w-]{22}$/),
    });
    expect(login.setCookies).toEqual([
      expect.stringMatching(/^peakform_app_session_signin=v1\..*Max-Age=600; HttpOnly/),
    ]);
    const publicApp = await new WebSession(OPTIONS).login(facts(undefined, '/login'));
    expect(new URL(publicApp.location!).searchParams.get('scope')).toBe('data:read profile offline_access');
  });

  it('answers a callback without its pending cookie, with a wrong state or an error with 400 and no session', async () => {
    const web = new WebSession(OPTIONS);
    const missing = await web.callback(facts(undefined, '/callback?code=c&state=s'));
    expect(missing).toMatchObject({ status: 400, html: expect.stringContaining('Sign-in failed') });
    const login = await web.login(facts(undefined, '/login'));
    const pending = pair(login.setCookies[0]!);
    const wrongState = await web.callback(facts(pending, '/callback?code=c&state=forged'));
    expect(wrongState.status).toBe(400);
    expect(wrongState.html).toContain('wrong state');
    expect(wrongState.setCookies.every((c) => c.includes('Max-Age=0'))).toBe(true);
    const state = new URL(login.location!).searchParams.get('state')!;
    const denied = await web.callback(
      facts(pending, `/callback?error=access_denied&error_description=%3Cscript%3E&state=${state}`),
    );
    expect(denied.status).toBe(400);
    expect(denied.html).toContain('access_denied &#60;script&#62;');
  });

  it('exchanges the code as a confidential app and returns only to paths on the app’s own origin', async () => {
    const sent: URLSearchParams[] = [];
    const claims = Buffer.from(
      JSON.stringify({ sub: 'u9', exp: Math.floor(Date.now() / 1000) + 900 }),
    ).toString('base64url');
    const tokenEndpoint: typeof fetch = async (_url, init) => {
      sent.push(new URLSearchParams(String(init?.body)));
      const answer = {
        access_token: `h.${claims}.s`,
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: 'r9',
      };
      return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } });
    };
    const web = new WebSession({ ...OPTIONS, clientSecret: 'app-secret', fetch: tokenEndpoint });
    for (const [returnTo, landing] of [
      ['//evil.example.org/x', '/'],
      ['https://evil.example.org/', '/'],
      ['/\\evil.example.org', '/'],
      ['/athletes/u2?x=1', '/athletes/u2?x=1'],
    ] as const) {
      const login = await web.login(
        facts(undefined, `/login?${new URLSearchParams({ return_to: returnTo })}`),
      );
      const state = new URL(login.location!).searchParams.get('state')!;
      const done = await web.callback(facts(pair(login.setCookies[0]!), `/callback?code=c1&state=${state}`));
      expect(done.status).toBe(302);
      expect(done.location, returnTo).toBe(landing);
      const session = done.setCookies.find((c) => c.startsWith('peakform_app_session='))!;
      expect(web.read(facts(pair(session))).session).toMatchObject({ sub: 'u9', refreshToken: 'r9' });
    }
    expect(Object.fromEntries(sent[0]!)).toMatchObject({
      grant_type: 'authorization_code',
      client_id: 'app123',
      client_secret: 'app-secret',
      code: 'c1',
      code_verifier: expect.stringMatching(/^[\w-]{43}$/),
      redirect_uri: 'http://127.0.0.1:3000/callback',
    });
  });

  it('guards pages: GET with text/html goes to login and comes back, other requests get 401', () => {
    const web = new WebSession(OPTIONS);
    expect(web.guard(facts(undefined, '/athletes/u2?x=1'), 'GET', 'text/html,application/xhtml+xml')).toEqual(
      {
        status: 302,
        location: '/login?return_to=%2Fathletes%2Fu2%3Fx%3D1',
        setCookies: [],
      },
    );
    expect(web.guard(facts(undefined, '/api'), 'GET', 'application/json')).toMatchObject({
      status: 401,
      json: { code: 'ERR_SIGNED_OUT' },
    });
    expect(web.guard(facts(undefined, '/form'), 'POST', 'text/html')).toMatchObject({ status: 401 });
  });
});
