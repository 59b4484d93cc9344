import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeakformClient } from '../../src/sdk/index.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The SDK in a browser: src/sdk bundled for the browser (zod and apache-arrow included, as an
 * app's bundler would), loaded by a page of a public OAuth client in real Chromium. The page
 * signs the athlete in with PKCE (beginSignIn, the server's sign-in and consent pages,
 * completeSignIn on the callback) and reads JSON rows and an Arrow table with the token it got.
 * The page is served on the API's origin (intercepted by the browser), as a same-site app would be.
 */
describe.skipIf(!hasChromium)('the SDK in Chromium', () => {
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

  it('signs in with PKCE and reads rows and an Arrow table', async () => {
    const account = await server.engine.identity.accounts.signUp({
      email: 'web@example.org',
      password: 'browser passphrase',
    });
    // Data for the athlete who will sign in, uploaded with a personal key of theirs.
    const sdk = new PeakformClient({ baseUrl: server.url, token: await server.tokenFor(account.id) });
    const bytes = await readFile(join(ROOT, 'data/fixtures/ride-known-power.fit'));
    await sdk.uploadActivities({ files: [{ name: 'ride.fit', bytes }] });

    const callback = `${server.url}/sdk-app/callback`;
    const { application } = await server.engine.identity.applications.create('owner', {
      name: 'Browser SDK App',
      redirectUris: [callback],
      confidential: false,
    });
    const bundle = await build({
      entryPoints: [join(ROOT, 'src/sdk/index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const page = `<!doctype html><meta charset="utf-8"><title>pending</title><script type="module">
import { beginSignIn, completeSignIn, PeakformClient } from '/sdk-app/sdk.js';
const baseUrl = location.origin;
const clientId = ${JSON.stringify(application.id)};
try {
  if (location.pathname.endsWith('/callback')) {
    const pending = JSON.parse(sessionStorage.getItem('sign-in'));
    const tokens = await completeSignIn(baseUrl, pending, location.href);
    const client = new PeakformClient({ baseUrl, oauth: { ...tokens, clientId } });
    const rides = await client.listActivities({ sport: 'cycling' });
    const best = await client.getLongitudinalMeanMax({ sport: 'cycling', durations: [5, 60] });
    document.title = JSON.stringify({ rides: rides.length, best: best.numRows, refresh: Boolean(tokens.refreshToken) });
  } else {
    const pending = await beginSignIn({ baseUrl, clientId, redirectUri: baseUrl + '/sdk-app/callback', scope: 'data:read profile offline_access' });
    sessionStorage.setItem('sign-in', JSON.stringify(pending));
    location.assign(pending.url);
  }
} catch (error) {
  document.title = 'error: ' + error.message;
}
</script>`;
    const context = await browser.newContext();
    await context.route(`${server.url}/sdk-app/**`, (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/sdk-app/sdk.js') {
        return route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0]!.text });
      }
      return route.fulfill({ contentType: 'text/html', body: page });
    });
    const tab = await context.newPage();
    const logs: string[] = [];
    tab.on('console', (m) => void logs.push(m.text()));
    tab.on('pageerror', (e) => void logs.push(String(e)));
    await tab.goto(`${server.url}/sdk-app/`);
    await tab.getByLabel('Email').fill('web@example.org');
    await tab.getByLabel('Password').fill('browser passphrase');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByRole('button', { name: 'Allow' }).click();
    // Playwright does not route the request a redirect leads to, so the callback page is opened
    // again by its URL (code and state included) once the server has redirected there.
    await tab.waitForURL(/\/sdk-app\/callback\?/);
    await tab.goto(tab.url());
    await tab
      .waitForFunction('/^(\\{|error)/.test(document.title)', null, { timeout: 30_000 })
      .catch(async (e) => {
        throw new Error(`${e.message}: ${tab.url()} ${await tab.title()} ${logs.join(' | ')}`);
      });
    expect(new URL(tab.url()).pathname).toBe('/sdk-app/callback');
    expect(JSON.parse(await tab.title())).toEqual({ rides: 1, best: 2, refresh: true });
  }, 120_000);
});
