import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { openLoopbackListener } from '../helpers/loopback-listener.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The whole sign-in in real Chromium (Debian's, headless): the app sends the athlete to the
 * authorize URL, the athlete creates an account on the server's page, allows access, and the
 * browser lands on the app's loopback callback; the app (openid-client) exchanges the code. Then
 * the athlete revokes the app on the account page.
 */
describe.skipIf(!hasChromium)('sign-up, consent and revocation in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs up, consents, returns to the app with a code, and revokes the app', async () => {
    const listener = await openLoopbackListener();
    const redirectUri = `http://127.0.0.1:${listener.port}/callback`;
    const { application, secret } = await server.engine.identity.applications.create('owner', {
      name: 'Browser Coach',
      redirectUris: [redirectUri],
      confidential: true,
    });
    const config = await oidc.discovery(
      new URL(server.url),
      application.id,
      undefined,
      oidc.ClientSecretPost(secret!.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authorizeUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid data:read profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(authorizeUrl.toString());
      await expect(page.getByRole('heading', { name: 'Sign in to Peakform' }).count()).resolves.toBe(1);
      expect(await page.content()).toContain('Browser Coach');
      await page.getByRole('link', { name: 'Create one' }).click();
      await page.getByLabel('First name').fill('Ada');
      await page.getByLabel('Email').fill('ada@example.org');
      await page.getByLabel('Password (at least 8 characters)').fill('ada rides far and fast');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Allow Browser Coach access?' }).waitFor();
      expect(await page.getByRole('listitem').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringContaining('data:read'), expect.stringContaining('profile')]),
      );
      await page.getByRole('button', { name: 'Allow' }).click();
      const query = await listener.redirect;
      expect(query.get('state')).toBe(state);
      const callback = new URL(redirectUri);
      callback.search = query.toString();
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      expect(tokens.claims()?.name).toBe('Ada');
      const data = await fetch(`${server.url}/api/v1/activities/`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(data.status).toBe(200);

      await page.goto(`${server.url}/account`);
      await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
      expect(await page.getByRole('row', { name: /Browser Coach/ }).count()).toBe(1);
      await page.getByRole('button', { name: 'Revoke access of Browser Coach' }).click();
      await page.getByText('Access revoked.').waitFor();
      expect(await page.getByText('No app has access to your data.').count()).toBe(1);
      const after = await fetch(`${server.url}/api/v1/activities/`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(after.status).toBe(401);
    } finally {
      await context.close();
      await listener.close();
    }
  });
});
