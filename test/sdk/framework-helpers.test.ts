import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type StoredSession, WebSession } from '../../src/sdk/web-session.ts';
import type { VerifiedWebhookEvent } from '../../src/sdk/webhooks.ts';
import { standardSignature, sweatstackSignature } from '../../src/services/webhooks/signatures.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SESSION_SECRET = 'example session secret, 32 characters or more';
const COOKIE = 'peakform_app_session';

/**
 * The framework helpers end to end, through the examples as written (examples/fastify-app and
 * examples/express-app, `@peakform/sdk/…` pointed at src/sdk): a real Peakform server, a
 * confidential app registered with the example's loopback callback, the example listening on
 * port 0, and real Chromium signing an athlete in on Peakform's pages. Webhooks are real signed
 * deliveries from the server's worker, and requests signed by hand with the server's own signers.
 */

interface RunningExample {
  url: string;
  events: VerifiedWebhookEvent[];
  close(): Promise<void>;
}

/** The example's source with the package specifiers resolved from here, written beside nothing else. */
async function loadExample(scratch: string, name: 'fastify' | 'express') {
  const source = (await readFile(join(ROOT, `examples/${name}-app/server.ts`), 'utf8'))
    .replace(/'@peakform\/sdk\/(\w[\w-]*)'/g, (_m, entry: string) => {
      const file = join(ROOT, `src/sdk/${entry}.ts`);
      expect(existsSync(file), `@peakform/sdk/${entry}`).toBe(true);
      return `'${pathToFileURL(file).href}'`;
    })
    .replace(/from '(fastify|express)'/g, (_m, pkg: string) => `from '${import.meta.resolve(pkg)}'`);
  const path = join(scratch, `${name}-server.ts`);
  await writeFile(path, source);
  return import(pathToFileURL(path).href);
}

async function startExample(
  scratch: string,
  name: 'fastify' | 'express',
  config: Record<string, string>,
): Promise<RunningExample> {
  const module = await loadExample(scratch, name);
  const exampleConfig = {
    peakformUrl: config.PEAKFORM_URL,
    clientId: config.CLIENT_ID,
    clientSecret: config.CLIENT_SECRET,
    sessionSecret: config.SESSION_SECRET,
    webhookSecret: config.WEBHOOK_SECRET,
  };
  // The examples read their config from the environment this way when run as programs.
  expect(module.configFromEnv(config)).toEqual(exampleConfig);
  if (name === 'fastify') {
    const { app, events } = await module.buildExample(exampleConfig);
    const url: string = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, events, close: () => app.close() };
  }
  const { app, events } = module.buildExample(exampleConfig);
  const server: Server = await new Promise((done) => {
    const listening = app.listen(0, '127.0.0.1', () => done(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, limitMs = 30_000) {
  const until = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe.skipIf(!hasChromium)('the framework helpers, through the examples, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let scratch: string;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    scratch = await mkdtemp(join(tmpdir(), 'peakform-examples-'));
  });
  afterAll(async () => {
    vi.useRealTimers();
    await browser?.close();
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  describe.each([
    { name: 'fastify', kind: 'confidential' },
    { name: 'express', kind: 'confidential' },
    { name: 'express', kind: 'public' },
  ] as const)('examples/$name-app as a $kind app', ({ name, kind }) => {
    const label = `${name}-${kind}`;
    const email = `${label}-coach@example.org`;
    const password = `${label} coach passphrase`;
    let athleteId: string;
    let appId: string;
    let webhookSecret: string;
    let example: RunningExample;
    let context: BrowserContext;
    const opener = new WebSession({
      baseUrl: 'http://unused',
      clientId: 'unused',
      sessionSecret: SESSION_SECRET,
    });

    const sessionCookie = async () => (await context.cookies(example.url)).find((c) => c.name === COOKIE);
    /** What the encrypted cookie holds, opened with the example's secret (as only the app can). */
    const storedSession = async (): Promise<StoredSession> => {
      const cookie = await sessionCookie();
      const { session } = opener.read({
        url: '/',
        origin: example.url,
        cookieHeader: `${COOKIE}=${cookie?.value}`,
      });
      if (!session) throw new Error('no readable session cookie');
      return session;
    };

    beforeAll(async () => {
      const account = await server.engine.identity.accounts.signUp({ email, password });
      athleteId = account.id;
      await server.engine.sources.ingest(
        athleteId,
        csvRide({ startIso: '2024-05-01T07:00:00Z', durationS: 900 }),
      );
      const created = await server.engine.identity.applications.create(null, {
        name: `${label} example`,
        redirectUris: ['https://placeholder.example.org/callback'],
        confidential: kind === 'confidential',
      });
      appId = created.application.id;
      webhookSecret = await server.engine.webhooks.secret(null, appId);
      // A public app has no secret: the example signs in with PKCE alone (and offline_access).
      example = await startExample(scratch, name, {
        PEAKFORM_URL: server.url,
        CLIENT_ID: appId,
        ...(kind === 'confidential' ? { CLIENT_SECRET: created.secret!.secret } : {}),
        SESSION_SECRET,
        WEBHOOK_SECRET: webhookSecret,
      });
      // Now that the example has its port: its loopback callback, exactly, and both webhook schemes.
      await server.engine.identity.applications.update(null, appId, {
        name: `${label} example`,
        redirectUris: [`${example.url}/callback`],
      });
      for (const scheme of ['sweatstack', 'standard'] as const) {
        await server.engine.webhooks.addEndpoint(null, appId, {
          url: `${example.url}/webhooks/peakform`,
          scheme,
        });
      }
      context = await browser.newContext();
    });
    afterAll(async () => {
      vi.useRealTimers();
      await context?.close();
      await example?.close();
    });

    it('sends a visitor of / to Peakform’s sign-in and back, signed in, to their activities', async () => {
      const page = await context.newPage();
      await page.goto(`${example.url}/`);
      await page.getByRole('heading', { name: 'Sign in to Peakform' }).waitFor();
      expect(page.url().startsWith(`${server.url}/`)).toBe(true);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: `Allow ${label} example access?` }).waitFor();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Your recent activities' }).waitFor();
      expect(page.url()).toBe(`${example.url}/`);
      expect(await page.locator('#activities li').allTextContents()).toEqual([
        expect.stringMatching(/^2024-05-01 07:00 · cycling\.road · 15 min$/),
      ]);
      expect(await page.textContent('body')).toContain(athleteId);
      await page.close();
    });

    it('keeps the tokens in an encrypted HttpOnly, SameSite=Lax cookie the page cannot read', async () => {
      const cookies = await context.cookies(example.url);
      expect(cookies.map((c) => c.name)).toContain(COOKIE);
      expect(cookies.some((c) => c.name === `${COOKIE}_signin`)).toBe(false);
      const cookie = (await sessionCookie())!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
      expect(cookie.value.length, 'browsers drop cookies over 4 KB').toBeLessThan(3000);
      expect(cookie.expires).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
      const session = await storedSession();
      expect(session.sub).toBe(athleteId);
      expect(session.scope?.split(' ')).toEqual(expect.arrayContaining(['data:read', 'profile']));
      // A public app asked for offline_access, a confidential one gets a refresh token anyway.
      expect(session.refreshToken).toEqual(expect.any(String));
      // The cookie is ciphertext: neither token appears in it.
      expect(cookie.value).not.toContain(session.accessToken.split('.')[1]!.slice(0, 20));
      expect(cookie.value).not.toContain(session.refreshToken!);
      const page = await context.newPage();
      await page.goto(`${example.url}/signed-out`);
      expect(await page.evaluate('document.cookie')).not.toContain(COOKIE);
      await page.close();
    });

    it('receives real signed deliveries for the athlete’s new data, both schemes, each event once', async () => {
      const source = await server.engine.sources.ingest(
        athleteId,
        csvRide({ startIso: '2024-05-03T06:00:00Z', durationS: 600, sport: 'cycling.gravel' }),
      );
      await waitFor(async () => {
        const log = await server.engine.webhooks.deliveries(null, appId);
        return log.length === 4 && log.every((d) => d.status === 'delivered');
      }, 'four delivered deliveries');
      const log = await server.engine.webhooks.deliveries(null, appId);
      expect(log.map((d) => d.lastStatusCode)).toEqual([204, 204, 204, 204]);
      expect(example.events.map((e) => e.event_type).sort()).toEqual([
        'activity_created',
        'source_processed',
      ]);
      expect(example.events.find((e) => e.event_type === 'source_processed')).toMatchObject({
        user_id: athleteId,
        resource_id: source.id,
        id: expect.any(String),
      });
      const page = await context.newPage();
      await page.goto(`${example.url}/`);
      expect(await page.locator('#events li').allTextContents()).toEqual(
        expect.arrayContaining([`activity_created ${source.activity_ids[0]}`]),
      );
      expect(await page.locator('#activities li').count()).toBe(2);
      await page.close();
    });

    it('refreshes an expired access token and writes the new one back into the cookie', async () => {
      const before = await storedSession();
      // Twenty minutes later (the server, the app and this test share the process and its clock).
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      vi.setSystemTime(Date.now() + 20 * 60_000);
      try {
        const stale = await fetch(`${server.url}/api/v1/activities/`, {
          headers: { authorization: `Bearer ${before.accessToken}` },
        });
        expect(stale.status).toBe(401);
        const page = await context.newPage();
        await page.goto(`${example.url}/`);
        await page.getByRole('heading', { name: 'Your recent activities' }).waitFor();
        expect(await page.locator('#activities li').count()).toBe(2);
        await page.close();
        const after = await storedSession();
        expect(after.accessToken).not.toBe(before.accessToken);
        expect(after.refreshToken).toBe(before.refreshToken);
        expect(after.expiresAt).toBeGreaterThan(Date.now() + 10 * 60_000);
        const fresh = await fetch(`${server.url}/api/v1/activities/`, {
          headers: { authorization: `Bearer ${after.accessToken}` },
        });
        expect(fresh.status).toBe(200);
      } finally {
        vi.useRealTimers();
      }
    });

    it('lets a coach read a managed athlete through a delegated token, and nobody else', async () => {
      const managed = await server.engine.users.createManaged(athleteId, {
        firstName: 'Kid',
        lastName: name,
      });
      await server.engine.sources.ingest(
        managed.id,
        csvRide({ startIso: '2024-06-02T08:00:00Z', durationS: 300, sport: 'running' }),
      );
      const stranger = await server.engine.identity.accounts.signUp({
        email: `${label}-stranger@example.org`,
        password: 'stranger passphrase',
      });
      const page = await context.newPage();
      await page.goto(`${example.url}/athletes/${managed.id}`);
      expect(await page.locator('#activities li').allTextContents()).toEqual(['2024-06-02 · running']);
      const refused = await page.goto(`${example.url}/athletes/${stranger.id}`);
      expect(refused?.status()).toBe(403);
      expect(await page.locator('#activities').count()).toBe(0);
      await page.close();
    });

    it('treats a tampered session cookie as signed out and clears it', async () => {
      const good = (await sessionCookie())!;
      const at = Math.floor(good.value.length / 2);
      const flipped = good.value[at] === 'A' ? 'B' : 'A';
      const tampered = `${good.value.slice(0, at)}${flipped}${good.value.slice(at + 1)}`;
      await context.addCookies([{ ...good, value: tampered }]);
      const page = await context.request.get(`${example.url}/`, {
        maxRedirects: 0,
        headers: { accept: 'text/html' },
      });
      expect(page.status()).toBe(302);
      expect(page.headers().location).toBe('/login?return_to=%2F');
      expect(await sessionCookie()).toBeUndefined();
      await context.addCookies([{ ...good, value: tampered }]);
      const api = await context.request.get(`${example.url}/`, {
        maxRedirects: 0,
        headers: { accept: '*/*' },
      });
      expect(api.status()).toBe(401);
      expect(await api.json()).toMatchObject({ code: 'ERR_SIGNED_OUT' });
      // The untouched cookie still works.
      await context.addCookies([good]);
      const back = await context.request.get(`${example.url}/`, {
        maxRedirects: 0,
        headers: { accept: 'text/html' },
      });
      expect(back.status()).toBe(200);
    });

    it('signs out: the cookie is cleared and / needs a sign-in again', async () => {
      const page = await context.newPage();
      await page.goto(`${example.url}/`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Signed out' }).waitFor();
      expect(await sessionCookie()).toBeUndefined();
      const again = await context.request.get(`${example.url}/`, {
        maxRedirects: 0,
        headers: { accept: 'text/html' },
      });
      expect(again.status()).toBe(302);
      await page.close();
    });

    it('refuses forged, stale, altered and unsigned deliveries with 400 or 401, and keeps serving', async () => {
      const hook = `${example.url}/webhooks/peakform`;
      const t = Math.floor(Date.now() / 1000);
      // Raw bytes as sent, spaces included: a verifier that re-serialized the JSON would fail here.
      const body = `{ "user_id": "${athleteId}", "event_type": "activity_updated", "resource_id": "act_1", "timestamp": "2024-05-01T07:00:00.000+00:00" }`;
      const post = (headers: Record<string, string>, payload = body) =>
        fetch(hook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: payload,
        });
      const sweatstack = (secrets: string[], at: number, payload = body) => ({
        'x-sweatstack-signature': sweatstackSignature(secrets, at, payload),
      });
      const standard = (secrets: string[], at: number, payload = body) => ({
        'webhook-id': 'evt_manual',
        'webhook-timestamp': String(at),
        'webhook-signature': standardSignature(secrets, 'evt_manual', at, payload),
      });
      const other = 'whsec_dGhpcyBpcyBub3QgdGhlIGFwcCdzIHNlY3JldCBhdCBhbGw=';
      const answers = {
        good: (await post(sweatstack([webhookSecret], t))).status,
        goodStandard: (await post(standard([webhookSecret], t))).status,
        rotation: (await post(sweatstack([other, webhookSecret], t))).status,
        rotationStandard: (await post(standard([webhookSecret, other], t))).status,
        wrongSecret: (await post(sweatstack([other], t))).status,
        wrongSecretStandard: (await post(standard([other], t))).status,
        stale: (await post(sweatstack([webhookSecret], t - 400))).status,
        future: (await post(standard([webhookSecret], t + 400))).status,
        altered: (await post(sweatstack([webhookSecret], t), body.replace('act_1', 'act_2'))).status,
        alteredStandard: (await post(standard([webhookSecret], t), body.replace('act_1', 'act_2'))).status,
        missing: (await post({})).status,
        malformed: (await post({ 'x-sweatstack-signature': 'v1=abc' })).status,
        notAnEvent: (await post(sweatstack([webhookSecret], t, '[1,2]'), '[1,2]')).status,
        noContentType: (
          await fetch(hook, {
            method: 'POST',
            headers: sweatstack([webhookSecret], t),
            body: new Blob([body]),
          })
        ).status,
      };
      expect(answers).toEqual({
        good: 204,
        goodStandard: 204,
        rotation: 204,
        rotationStandard: 204,
        wrongSecret: 401,
        wrongSecretStandard: 401,
        stale: 401,
        future: 401,
        altered: 401,
        alteredStandard: 401,
        missing: 400,
        malformed: 400,
        notAnEvent: 400,
        noContentType: 204,
      });
      const refused = await post(sweatstack([other], t));
      expect(await refused.json()).toEqual({
        code: 'ERR_WEBHOOK_SIGNATURE_INVALID',
        detail: expect.any(String),
      });
      // Accepted deliveries reached the handler; the two Standard ones share an id and count once.
      expect(example.events.filter((e) => e.id === 'evt_manual')).toHaveLength(1);
      expect(example.events.filter((e) => e.event_type === 'activity_updated')).toHaveLength(4);
      const still = await context.request.get(`${example.url}/signed-out`);
      expect(still.status()).toBe(200);
    });
  });
});
