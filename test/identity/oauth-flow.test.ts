import { PassThrough } from 'node:stream';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormBrowser } from '../helpers/form-browser.ts';
import { asJson, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The authorization server end to end, driven by a real relying-party library (openid-client)
 * against the server on loopback; the pages are driven by a small form-filling user agent here
 * and by real Chromium in browser-sign-in.test.ts.
 */

const REDIRECT = 'https://app.example/callback';
const PASSWORD = 'a long enough passphrase';
const API_SCOPES = 'openid data:read profile offline_access';

function claimsOf(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
}

describe('OAuth 2.0 / OpenID Connect with openid-client', () => {
  let server: TestServer;
  let logs = '';
  let clientId: string;
  let clientSecret: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    const logStream = new PassThrough();
    logStream.on('data', (chunk) => {
      logs += chunk.toString();
    });
    server = await startTestServer({ logger: true, logStream });
    const created = await server.engine.identity.applications.create('owner', {
      name: 'Coach Reports',
      redirectUris: [REDIRECT],
      confidential: true,
    });
    clientId = created.application.id;
    clientSecret = created.secret!.secret;
    config = await oidc.discovery(
      new URL(server.url),
      clientId,
      undefined,
      oidc.ClientSecretPost(clientSecret),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
  });
  afterAll(() => server.close());

  /** Signs in (or up) through the pages and consents; returns the browser and the redirect that reached the app. */
  async function authorize(
    browser: FormBrowser,
    options: { email: string; signUp?: boolean; scope?: string; prompt?: string; consent?: 'allow' | 'deny' },
  ) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: options.scope ?? API_SCOPES,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(options.prompt ? { prompt: options.prompt } : {}),
    });
    let page = await browser.open(url.toString());
    if (page.html.includes('Sign in to Peakform')) {
      if (options.signUp) {
        page = await browser.open(`${page.url.origin}${page.url.pathname}?flow=signup`);
        page = await browser.submit(page, '/signup', { email: options.email, password: PASSWORD });
      } else {
        page = await browser.submit(page, '/login', { email: options.email, password: PASSWORD });
      }
    }
    if (page.html.includes('Allow access')) {
      page = await browser.submit(page, '/consent', { decision: options.consent ?? 'allow' });
    }
    return { redirect: page.url, verifier, state, page };
  }

  it('publishes discovery at WIRE.md’s paths, with S256 and RS256', async () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.authorization_endpoint).toBe(`${server.url}/oauth/authorize`);
    expect(metadata.token_endpoint).toBe(`${server.url}/api/v1/oauth/token`);
    expect(metadata.userinfo_endpoint).toBe(`${server.url}/api/v1/oauth/userinfo`);
    expect(metadata.jwks_uri).toBe(`${server.url}/.well-known/jwks.json`);
    expect(metadata.revocation_endpoint).toBe(`${server.url}/api/v1/oauth/revoke`);
    expect(metadata.introspection_endpoint).toBe(`${server.url}/api/v1/oauth/introspect`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['data:read', 'data:write', 'profile']));
    const jwks = asJson(await (await fetch(`${server.url}/.well-known/jwks.json`)).json());
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('runs code + PKCE, refresh (not rotated), userinfo, introspection and revocation', async () => {
    const browser = new FormBrowser((url) => url.origin === new URL(REDIRECT).origin);
    const { redirect, verifier, state } = await authorize(browser, {
      email: 'ann@example.org',
      signUp: true,
    });
    expect(redirect.searchParams.get('state')).toBe(state);
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.id_token).toBeTruthy();
    const claims = claimsOf(tokens.access_token);
    expect(claims).toMatchObject({ aud: clientId, iss: server.url, scope: 'data:read profile' });
    expect(typeof claims.sub).toBe('string');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    expect(tokens.claims()?.sub).toBe(claims.sub);

    // The access token reads the athlete's data.
    const activities = await fetch(`${server.url}/api/v1/activities/`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(activities.status).toBe(200);
    // …but holds no data:write.
    const write = await fetch(`${server.url}/api/v1/dailies/body_mass`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ date: '2024-01-01', value: 70 }),
    });
    expect(write.status).toBe(403);

    const userinfo = asJson(await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub)));
    expect(userinfo).toMatchObject({ sub: claims.sub, email: 'ann@example.org', name: 'ann' });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBe(tokens.refresh_token);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    // The old refresh token keeps working: no rotation (WIRE.md §5.4).
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);

    const introspection = await oidc.tokenIntrospection(config, tokens.refresh_token!);
    expect(introspection.active).toBe(true);
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('remembers consent (prompt=none signs in silently) and redirects errors with error_description', async () => {
    const browser = new FormBrowser((url) => url.origin === new URL(REDIRECT).origin);
    // No session yet: prompt=none answers login_required to the app.
    const silent = await authorize(browser, { email: 'ben@example.org', prompt: 'none' });
    expect(silent.redirect.searchParams.get('error')).toBe('login_required');
    expect(silent.redirect.searchParams.get('error_description')).toBeTruthy();

    await authorize(browser, { email: 'ben@example.org', signUp: true, scope: 'openid data:read' });
    const again = await authorize(browser, {
      email: 'ben@example.org',
      prompt: 'none',
      scope: 'openid data:read',
    });
    expect(again.redirect.searchParams.get('code')).toBeTruthy();

    const denied = await authorize(new FormBrowser((url) => url.origin === new URL(REDIRECT).origin), {
      email: 'ben@example.org',
      consent: 'deny',
      prompt: 'consent',
    });
    expect(denied.redirect.searchParams.get('error')).toBe('access_denied');
  });

  it('answers every WIRE.md prompt value: select_account asks to sign in again', async () => {
    const browser = new FormBrowser((url) => url.origin === new URL(REDIRECT).origin);
    const { page } = await authorize(browser, { email: 'fay@example.org', signUp: true, scope: 'data:read' });
    expect(page.url.searchParams.get('code') ?? '').not.toBe('');
    const again = await authorize(browser, {
      email: 'fay@example.org',
      scope: 'data:read',
      prompt: 'select_account',
    });
    expect(again.redirect.searchParams.get('code')).toBeTruthy();
  });

  it('never redirects to an unregistered URI, and demands PKCE of public clients', async () => {
    const bad = await fetch(
      `${server.url}/oauth/authorize?client_id=${clientId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&scope=data:read&response_type=code`,
      { redirect: 'manual' },
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
    expect(await bad.text()).toContain('redirect_uri');

    const { application } = await server.engine.identity.applications.create('owner', {
      name: 'Public app',
      redirectUris: [REDIRECT],
    });
    const noPkce = await fetch(
      `${server.url}/oauth/authorize?client_id=${application.id}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=data:read&response_type=code`,
      { redirect: 'manual' },
    );
    const location = new URL(noPkce.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('accepts the Streamlit helper’s Basic + form credentials and the SDK’s stale bearer on refresh', async () => {
    const browser = new FormBrowser((url) => url.origin === new URL(REDIRECT).origin);
    const { redirect, verifier } = await authorize(browser, { email: 'cat@example.org', signUp: true });
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    const exchange = await fetch(`${server.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        client_secret: clientSecret,
        code: redirect.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: 'https://ignored.example/',
      }),
    });
    expect(exchange.status, await exchange.clone().text()).toBe(200);
    const pair = asJson(await exchange.json());
    const refresh = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${pair.access_token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: pair.refresh_token,
        client_id: clientId,
        client_secret: clientSecret,
        tz: 'Europe/Oslo',
      }),
    });
    expect(refresh.status, await refresh.clone().text()).toBe(200);
    expect(asJson(await refresh.json()).token_type).toBe('Bearer');

    const wrong = await fetch(`${server.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: pair.refresh_token,
        client_id: clientId,
        client_secret: 'not-the-secret',
      }),
    });
    expect(wrong.status).toBe(401);
    expect(asJson(await wrong.json()).error).toBe('invalid_client');
  });

  it('lists the app on the connected-apps page; revoking it kills its access and refresh tokens at once', async () => {
    const browser = new FormBrowser((url) => url.origin === new URL(REDIRECT).origin);
    const { redirect, verifier, state } = await authorize(browser, {
      email: 'dan@example.org',
      signUp: true,
    });
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const account = await browser.open(`${server.url}/account`);
    expect(account.html).toContain('Coach Reports');
    // A revoke form without this browser's CSRF token is refused.
    const forged = await browser.submit(account, `/account/apps/${clientId}/revoke`, { csrf: 'forged' });
    expect(forged.status).toBe(403);
    const after = await browser.submit(account, `/account/apps/${clientId}/revoke`, {});
    expect(after.html).toContain('Access revoked.');
    expect(after.html).not.toContain('Coach Reports');
    const refused = await fetch(`${server.url}/api/v1/activities/`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(refused.status).toBe(401);
    expect(asJson(await refused.json()).code).toBe('ERR_AUTH_REVOKED');
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('ends the tokens issued under a client secret when the secret is deleted', async () => {
    const second = await server.engine.identity.applications.addSecret(null, clientId, 'rotation');
    const rotated = await oidc.discovery(
      new URL(server.url),
      clientId,
      undefined,
      oidc.ClientSecretPost(second.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const browser = new FormBrowser((url) => url.origin === new URL(REDIRECT).origin);
    const { redirect, verifier, state } = await authorize(browser, {
      email: 'eve@example.org',
      signUp: true,
    });
    const tokens = await oidc.authorizationCodeGrant(rotated, redirect, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const ok = await fetch(`${server.url}/api/v1/activities/`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(ok.status).toBe(200);
    await server.engine.identity.applications.deleteSecret(null, clientId, second.id);
    const refused = await fetch(`${server.url}/api/v1/activities/`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(refused.status).toBe(401);
    // Neither the deleted secret nor the refresh token issued under it works.
    await expect(oidc.refreshTokenGrant(rotated, tokens.refresh_token!)).rejects.toBeDefined();
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('throttles repeated failed sign-ins per account', async () => {
    const browser = new FormBrowser(() => false);
    let page = await browser.open(`${server.url}/login`);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      page = await browser.submit(page, '/login', { email: 'ann@example.org', password: 'wrong password!' });
      statuses.push(page.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(page.html).toContain('Too many failed sign-ins');
    // Even the right password waits now.
    page = await browser.submit(page, '/login', { email: 'ann@example.org', password: PASSWORD });
    expect(page.status).toBe(429);
  });

  it('never writes passwords, client secrets, codes or tokens to the log', async () => {
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(clientSecret);
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(logs).not.toMatch(/[?&]code=(?!%5Bredacted%5D)/);
  });
});
