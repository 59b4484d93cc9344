import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.ts';
import { registerWebApp, WEB_APP_CSP } from '../../src/api/web-app.ts';
import { WEB_APP_CLIENT_ID } from '../../src/services/identity/application-service.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import {
  asJson,
  get,
  makeTempDir,
  startTestServer,
  type TestServer,
  upload,
} from '../helpers/test-server.ts';
import { expectGolden, figureText, listText, tableText } from './golden.ts';

// Screenshots and DOM snapshots of each page, for review (gitignored, outside biome's files).
const ARTIFACTS = join(import.meta.dirname, '../../artifacts/web');

/** Rides with a hard start (sprint, 5 min, 20 min efforts) so every duration has a best and a model fits. */
function ride(startIso: string, scale: number, durationS = 2400): Uint8Array {
  return csvRide({
    startIso,
    durationS,
    powerW: (s) => Math.round(scale * (s < 10 ? 900 : s < 300 ? 360 : s < 1500 ? 280 : 190 + (s % 20))),
  });
}

describe('web app at /app/', () => {
  let server: TestServer;
  let token: string;
  let webDir: string;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];

  async function openBrowser(): Promise<void> {
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
  }

  beforeAll(async () => {
    webDir = await buildWeb({ outDir: join(await makeTempDir('peakform-web-'), 'web') });
    server = await startTestServer({ webAppDir: webDir, publicUrl: undefined });
    token = await server.tokenFor('ada');
    const put = await fetch(`${server.url}/api/v1/profile/thresholds`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sport: 'cycling', effective_from: '2024-01-01', ftp_w: 270, weight_kg: 70 }),
    });
    expect(put.status).toBe(200);
    const files = [
      ['2024-04-02T07:00:00Z', 0.92],
      ['2024-06-10T07:00:00Z', 0.95],
      ['2025-02-03T07:00:00Z', 0.97],
      ['2025-02-20T07:00:00Z', 1.0],
      ['2025-03-08T07:00:00Z', 1.03],
      ['2025-04-15T07:00:00Z', 0.99],
    ].map(([iso, scale], i) => ({ name: `ride-${i}.csv`, bytes: ride(iso as string, scale as number) }));
    const response = await upload(server, token, files);
    expect(response.status).toBe(201);
    if (hasChromium) await openBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the app with a strict CSP, hashed assets cached for a year, and 503 without a build', async () => {
    const page = await get(server, undefined, '/app/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(WEB_APP_CSP);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const script = html.match(/src="(\/app\/assets\/app-[\w-]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await get(server, undefined, script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get(server, undefined, '/app/assets/..%2Findex.html')).status).toBe(404);
    expect((await get(server, undefined, '/app/assets/app-missing.js')).status).toBe(404);
    // Deep links and the OAuth callback get the page too.
    expect((await get(server, undefined, '/app/callback?code=x')).status).toBe(200);
    expect((await get(server, undefined, '/app')).status).toBe(200);

    const bare = Fastify();
    registerWebApp(bare, { dir: join(webDir, 'absent') });
    const missing = await bare.inject({ url: '/app/' });
    expect(missing.statusCode).toBe(503);
    expect(missing.body).toContain('npm run build:web');
    await bare.close();
  });

  it('registers the web app as a public OAuth client with its callback', async () => {
    const url = new URL('/oauth/authorize', server.url);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: WEB_APP_CLIENT_ID,
      redirect_uri: `${server.url}/app/callback`,
      scope: 'openid data:read profile',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'abc',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    // A sign-in page or a redirect to the interaction: never an invalid client or redirect URI.
    expect([200, 302, 303]).toContain(response.status);
    const location = response.headers.get('location') ?? '';
    expect(location).not.toContain('error=');
    expect(await response.text()).not.toMatch(/invalid_client|invalid_redirect_uri/);
  });

  describe.skipIf(!hasChromium)('in headless Chromium', () => {
    const keep = async (name: string) => {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      await writeFile(join(ARTIFACTS, `${name}.html`), await page.locator('main').innerHTML());
    };
    // Locators, not waitForFunction: the page's CSP forbids the eval that a string function needs.
    const ready = () => page.locator('body[data-state="ready"]').waitFor();
    const api = async (path: string) => asJson(await (await get(server, token, path)).json());

    it('signs in with a personal key and shows the power–duration page with the API numbers', async () => {
      await page.goto(
        `${server.url}/app/#/power?start=2025-01-01&end=2025-12-31&compare=2024-01-01..2024-12-31`,
      );
      await ready();
      await page.getByLabel('Personal API key').fill(token);
      await page.getByRole('button', { name: 'Open my data' }).click();
      await page.getByRole('heading', { name: 'Power–duration' }).waitFor();
      await ready();
      await keep('power');
      await expectGolden(
        'power-page',
        [
          await figureText(page, 'pd-chart'),
          await tableText(page, 'best-efforts'),
          await listText(page, '[data-testid="model-parameters"]'),
        ].join('\n'),
      );

      const bests = await api(
        '/api/v1/activities/longitudinal-mean-max?start=2025-01-01&end=2025-12-31&sport=cycling&format=json',
      );
      expect(bests.length).toBeGreaterThan(5);
      const dots = page.locator('[data-testid="pd-chart"] g.primary-bests circle');
      expect(await dots.count()).toBe(bests.length);
      const svgText = await page.locator('[data-testid="pd-chart"]').textContent();
      expect(svgText).toContain('Duration (log scale)');
      expect(svgText).toContain('Power (W)');
      expect(svgText).toContain('20 min');
      // Two curves: the range and the comparison.
      expect(await page.locator('[data-testid="pd-chart"] g.curves path').count()).toBe(2);

      const table = page.locator('[data-testid="best-efforts"] tbody tr');
      expect(await table.count()).toBe(bests.length);
      for (let i = 0; i < bests.length; i++) {
        const cells = await table.nth(i).locator('td').allTextContents();
        expect(Number(cells[1])).toBe(Math.round(bests[i].power));
        expect(cells[2]).toBe(String(bests[i].start).slice(0, 10));
        const href = await table.nth(i).locator('a').getAttribute('href');
        expect(href).toBe(`#/activity/${bests[i].activity_id}`);
      }

      const fit = await api(
        '/api/v1/profile/intensity-duration-model?metric=power&model=cp3&start=2025-01-01&end=2025-12-31&sport=cycling',
      );
      if (fit.ok) {
        const cp = await page.locator('[data-testid="model-parameters"] dd[data-name="cp_w"]').textContent();
        expect(Number(cp)).toBe(Math.round(fit.parameters.cp_w));
        expect(await page.locator('[data-testid="pd-chart"] g.model path').count()).toBe(1);
      }

      // W/kg: body mass 70 kg on each best's date.
      await page.getByLabel('Unit', { exact: true }).selectOption('wkg');
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await page.getByText('Power (W/kg)').first().waitFor();
      await ready();
      const first = await page
        .locator('[data-testid="best-efforts"] tbody tr')
        .first()
        .locator('td')
        .allTextContents();
      expect(Number(first[1])).toBeCloseTo(bests[0].power / 70, 2);
      await keep('power-wkg');

      // The link leads to the activity that set the best.
      await page.locator('[data-testid="best-efforts"] tbody tr').first().getByRole('link').click();
      await page.waitForURL(`**/#/activity/${bests[0].activity_id}`);
      await ready();
      expect(await page.locator('h1').textContent()).toContain('cycling.road');
    });

    it('signs in through the platform’s own OAuth (PKCE, public client) and comes back to the page', async () => {
      await server.engine.identity.accounts.signUp({
        email: 'ada@example.org',
        password: 'ada rides far and fast',
        athleteId: 'ada',
        firstName: 'Ada',
      });
      const context = await browser!.newContext();
      const fresh = await context.newPage();
      const errors: string[] = [];
      fresh.on('pageerror', (error) => errors.push(String(error)));
      try {
        await fresh.goto(`${server.url}/app/#/power?start=2025-01-01&end=2025-12-31`);
        await fresh.getByRole('button', { name: 'Sign in with Peakform' }).click();
        await fresh.getByRole('heading', { name: 'Sign in to Peakform' }).waitFor();
        await fresh.getByLabel('Email').fill('ada@example.org');
        await fresh.getByLabel('Password').fill('ada rides far and fast');
        await fresh.getByRole('button', { name: 'Sign in' }).click();
        await fresh.getByRole('button', { name: 'Allow' }).click();
        // Back in the app, on the page the athlete left, reading their data with the new token.
        await fresh.getByRole('heading', { name: 'Power–duration' }).waitFor();
        await fresh.locator('body[data-state="ready"]').waitFor();
        expect(fresh.url()).toContain('/app/');
        expect(fresh.url()).toContain('#/power');
        const bests = await api(
          '/api/v1/activities/longitudinal-mean-max?start=2025-01-01&end=2025-12-31&sport=cycling&format=json',
        );
        expect(await fresh.locator('[data-testid="pd-chart"] g.primary-bests circle').count()).toBe(
          bests.length,
        );
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('shows the activity: streams on one time axis, laps and the curve against the season', async () => {
      const [activity] = await api('/api/v1/activities/?limit=1');
      await page.goto(`${server.url}/app/#/activity/${activity.id}`);
      await ready();
      for (const stream of ['power', 'heart_rate', 'speed', 'cadence']) {
        await expect(page.locator(`[data-testid="stream-${stream}"] svg`).count()).resolves.toBe(1);
      }
      const detail = await api(`/api/v1/activities/${activity.id}`);
      expect(await page.locator('[data-testid="laps-table"] tbody tr').count()).toBe(detail.laps.length);
      const curve = await api(`/api/v1/activities/${activity.id}/mean-max?metric=power&format=json`);
      const rows = page.locator('[data-testid="activity-curve-table"] tbody tr');
      expect(await rows.count()).toBe(curve.length);
      expect(Number((await rows.first().locator('td').allTextContents())[1])).toBe(
        Math.round(curve[0].power),
      );
      await keep('activity');
      await expectGolden(
        'activity-page',
        [await tableText(page, 'laps-table'), await figureText(page, 'activity-curve')].join('\n'),
      );
    });

    it('shows fitness over time with the weekly totals of the API', async () => {
      await page.goto(`${server.url}/app/#/fitness?start=2025-01-01&end=2025-04-30`);
      await ready();
      await page.getByRole('heading', { name: 'Fitness over time' }).waitFor();
      const weeks = await api(
        '/api/v1/activities/longitudinal-aggregate?start=2025-01-01&end=2025-04-30&interval=week&format=json',
      );
      const rows = page.locator('[data-testid="weekly-table"] tbody tr');
      expect(await rows.count()).toBe(weeks.length);
      const busy = weeks.findIndex((w: { count: number }) => w.count > 0);
      const cells = await rows.nth(busy).locator('td').allTextContents();
      expect(cells[0]).toBe(weeks[busy].bucket);
      expect(Number(cells[1])).toBe(weeks[busy].count);
      const load = await api('/api/v1/profile/training-load?start=2025-01-01&end=2025-04-30&format=json');
      expect(await page.locator('[data-testid="load-table"] tbody tr').count()).toBe(load.length);
      expect(await page.locator('[data-testid="pmc-chart"] g.load-lines path').count()).toBe(3);
      await keep('fitness');
      await expectGolden(
        'fitness-page',
        [
          await figureText(page, 'pmc-chart'),
          await figureText(page, 'hours-chart'),
          await tableText(page, 'weekly-table'),
        ].join('\n'),
      );

      await page.getByRole('link', { name: 'Activities' }).click();
      await page.waitForURL('**/#/activities');
      await ready();
      const list = await api('/api/v1/activities/?limit=50');
      // Polled: the previous page's ready state can still be up when the click's navigation starts.
      await expect
        .poll(() => page.locator('[data-testid="activities-table"] tbody tr').count())
        .toBe(list.length);
      await keep('activities');
      expect(problems).toEqual([]);
    });
  });
});
