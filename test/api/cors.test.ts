import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

describe('cross-origin access (CORS)', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('ada');
    await upload(server, token, [
      { name: 'ride.csv', bytes: csvRide({ startIso: '2026-11-30T08:00:00Z', durationS: 120 }) },
    ]);
  });
  afterAll(() => server.close());

  it('answers an API preflight before auth and rate limiting, without allowing credentials', async () => {
    const response = await fetch(`${server.url}/api/v1/activities/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('marks API answers, errors included, readable from any origin, and leaves the sign-in pages alone', async () => {
    const ok = await fetch(`${server.url}/api/v1/activities/`, {
      headers: { origin: 'http://localhost:5173', authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect(ok.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const unauthorized = await fetch(`${server.url}/api/v1/activities/`, {
      headers: { origin: 'http://localhost:5173' },
    });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('*');
    const page = await fetch(`${server.url}/app/`, { headers: { origin: 'http://localhost:5173' } });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/account`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe.skipIf(!hasChromium)('cross-origin access in a browser', () => {
  let server: TestServer;
  let token: string;
  let browser: Browser;
  let site: Server;
  let siteUrl = '';

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('ada');
    await upload(server, token, [
      { name: 'ride.csv', bytes: csvRide({ startIso: '2026-11-30T08:00:00Z', durationS: 120 }) },
    ]);
    // A page on another origin (another port), as an app's dev server would serve it.
    site = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site.close(resolve));
    await server.close();
  });

  it('lets a page on another origin read activities with a bearer token and reach the token endpoint', async () => {
    const page = await browser.newPage();
    await page.goto(siteUrl);
    const result = await page.evaluate(
      async ({ api, bearer }) => {
        const list = await fetch(`${api}/api/v1/activities/?limit=5`, {
          headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
        });
        const exchange = await fetch(`${api}/api/v1/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=authorization_code&code=nope&client_id=5382f68b0d254378&code_verifier=x&redirect_uri=http%3A%2F%2F127.0.0.1%2F',
        });
        return {
          status: list.status,
          activities: ((await list.json()) as unknown[]).length,
          requestId: list.headers.get('x-request-id'),
          exchangeStatus: exchange.status,
          exchangeError: ((await exchange.json()) as { error?: string }).error,
        };
      },
      { api: server.url, bearer: token },
    );
    expect(result).toMatchObject({ status: 200, activities: 1, exchangeStatus: 400 });
    expect(result.requestId).toMatch(/^req_/);
    expect(result.exchangeError).toBe('invalid_grant');
  });
});
