import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_CLIENT_ID } from '../../src/services/identity/application-service.ts';
import { FormBrowser } from '../helpers/form-browser.ts';
import { openLoopbackListener } from '../helpers/loopback-listener.ts';
import { asJson, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The official Python SDK's sign-in, exactly as WIRE.md §5.2 describes it: the public client
 * 5382f68b0d254378, a loopback listener on a random port in 8000–9000 with no path, PKCE S256, no
 * state, no prompt, no response_type; the code exchanged without redirect_uri; the access token
 * checked by the SDK's own rules (§5.1); refreshed with an empty client secret and the old bearer.
 */

/** What the SDK does with an access token before every request (WIRE.md §5.1). */
function sdkAccepts(token: string, nowS: number): { sub: string; exp: number } {
  const segments = token.split('.');
  expect(segments).toHaveLength(3);
  const padded = segments[1]! + '='.repeat((4 - (segments[1]!.length % 4)) % 4);
  const claims = JSON.parse(Buffer.from(padded.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString());
  expect(typeof claims.exp).toBe('number');
  expect(claims.exp - 5).toBeGreaterThan(nowS);
  expect(typeof claims.sub).toBe('string');
  expect(claims.sub.length).toBeGreaterThan(0);
  return claims;
}

describe('the SweatStack SDK’s loopback sign-in (public client, PKCE, no state)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.engine.identity.accounts.signUp({
      email: 'sdk@example.org',
      password: 'sdk user passphrase',
    });
  });
  afterAll(() => server.close());

  it('signs in, exchanges the code, calls the API and refreshes as the SDK does', async () => {
    const listener = await openLoopbackListener([8000, 9000]);
    try {
      const verifier = randomBytes(32).toString('base64url');
      expect(verifier).toHaveLength(43);
      const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
      const query = new URLSearchParams({
        client_id: SDK_CLIENT_ID,
        redirect_uri: `http://localhost:${listener.port}`,
        scope: 'data:read data:write profile offline_access',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const openedAt = Date.now();
      // The browser: follows every redirect, into the listener itself.
      const browser = new FormBrowser(() => false);
      let page = await browser.open(`${server.url}/oauth/authorize?${query}`);
      page = await browser.submit(page, '/login', {
        email: 'sdk@example.org',
        password: 'sdk user passphrase',
      });
      expect(page.html).toContain('Keep access while you are away');
      page = await browser.submit(page, '/consent', { decision: 'allow' });
      expect(page.html).toContain('You can close this window');
      const redirect = await listener.redirect;
      expect(Date.now() - openedAt).toBeLessThan(30_000);
      const code = redirect.get('code');
      expect(code).toBeTruthy();

      const exchange = await fetch(`${server.url}/api/v1/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: SDK_CLIENT_ID,
          code: code!,
          code_verifier: verifier,
        }),
      });
      expect(exchange.status, await exchange.clone().text()).toBe(200);
      const pair = asJson(await exchange.json());
      expect(pair.token_type).toBe('Bearer');
      expect(pair.refresh_token).toBeTruthy();
      expect(pair.scope.split(' ')).toEqual(expect.arrayContaining(['data:read', 'data:write', 'profile']));
      const claims = sdkAccepts(pair.access_token, Date.now() / 1000);
      const account = await server.engine.identity.accounts.find(claims.sub);
      expect(account?.email).toBe('sdk@example.org');

      // whoami(): the SDK finds `sub` in the users list; here it reads its own data and userinfo.
      const me = await fetch(`${server.url}/api/v1/oauth/userinfo`, {
        headers: { authorization: `Bearer ${pair.access_token}` },
      });
      expect(asJson(await me.json()).sub).toBe(claims.sub);

      const refresh = await fetch(`${server.url}/api/v1/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${pair.access_token}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: pair.refresh_token,
          client_id: SDK_CLIENT_ID,
          client_secret: '',
        }),
      });
      expect(refresh.status, await refresh.clone().text()).toBe(200);
      const refreshed = asJson(await refresh.json());
      sdkAccepts(refreshed.access_token, Date.now() / 1000);
      const upload = await fetch(`${server.url}/api/v1/dailies/body_mass`, {
        method: 'POST',
        headers: { authorization: `Bearer ${refreshed.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ date: '2026-01-01', value: 70.5 }),
      });
      expect(upload.status).toBeLessThan(300);
    } finally {
      await listener.close();
    }
  });

  it('refuses the SDK’s client a redirect that is not a loopback address', async () => {
    const query = new URLSearchParams({
      client_id: SDK_CLIENT_ID,
      redirect_uri: 'http://evil.example:8123',
      scope: 'data:read',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    const response = await fetch(`${server.url}/oauth/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('refuses a code exchange with the wrong verifier', async () => {
    const listener = await openLoopbackListener();
    try {
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({
        client_id: SDK_CLIENT_ID,
        redirect_uri: `http://127.0.0.1:${listener.port}`,
        scope: 'data:read',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      const browser = new FormBrowser(() => false);
      let page = await browser.open(`${server.url}/oauth/authorize?${query}`);
      page = await browser.submit(page, '/login', {
        email: 'sdk@example.org',
        password: 'sdk user passphrase',
      });
      // Native clients are asked for consent every time (RFC 8252 §8.6).
      expect(page.html).toContain('Allow access');
      await browser.submit(page, '/consent', { decision: 'allow' });
      const code = (await listener.redirect).get('code')!;
      const exchange = await fetch(`${server.url}/api/v1/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: SDK_CLIENT_ID,
          code,
          code_verifier: randomBytes(32).toString('base64url'),
        }),
      });
      expect(exchange.status).toBe(400);
      expect(asJson(await exchange.json()).error).toBe('invalid_grant');
    } finally {
      await listener.close();
    }
  });
});
