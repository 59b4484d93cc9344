import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { pagesCsp } from '../../src/api/pages-site.ts';
import { PageResponseSchema } from '../../src/domain/wire-pages.ts';
import { Engine } from '../../src/engine/engine.ts';
import { SDK_CLIENT_ID } from '../../src/services/identity/application-service.ts';
import { FormBrowser } from '../helpers/form-browser.ts';
import { asJson, makeTempDir, startTestServer, type TestServer } from '../helpers/test-server.ts';

/** A multipart body written by hand, so that filenames reach the server byte for byte. */
function multipart(files: { name: string; body: string | Uint8Array; encoded?: boolean }[]): {
  body: Buffer;
  type: string;
} {
  const boundary = `----peakform${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const file of files) {
    const disposition = file.encoded
      ? `filename*=utf-8''${file.name}`
      : `filename="${file.name.replaceAll('"', '%22')}"`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; ${disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(file.body),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

const SITE = (marker: string) => [
  {
    name: 'index.html',
    body: `<!doctype html><title>${marker}</title><script src="assets/app.js"></script>`,
  },
  { name: 'assets/app.js', body: `console.log(${JSON.stringify(marker)});` },
  { name: 'assets/style.css', body: 'body { color: #123; }' },
  { name: 'docs/index.html', body: `<p>docs ${marker}</p>` },
];

describe('Pages: create, deploy, serve, roll back', () => {
  let server: TestServer;
  let token: string;
  let otherToken: string;
  let appId: string;

  const api = (path: string, init: RequestInit & { as?: string } = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${init.as ?? token}`, ...(init.headers as Record<string, string>) },
    });
  const json = (method: string, path: string, body: unknown, as?: string) =>
    api(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, as });
  const deploy = (slug: string, files: Parameters<typeof multipart>[0], as?: string) => {
    const { body, type } = multipart(files);
    return api(`/api/v1/pages/${slug}/deploy`, {
      method: 'PUT',
      body,
      headers: { 'content-type': type },
      as,
    });
  };
  const versionsOnDisk = async (slug: string) => (await readdir(join(server.dataDir, 'pages', slug))).sort();
  const expectProblem = async (response: Response, status: number, code: string) => {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(text);
    expect(body.code).toBe(code);
    expect(body.request_id).toMatch(/^req_/);
    return body;
  };

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('ada');
    otherToken = await server.tokenFor('bob');
    const created = await json('POST', '/api/v1/applications', { name: 'Ride log' });
    appId = asJson(await created.json()).id;
  });
  afterAll(() => server.close());

  it('creates the page with PUT (JSON) and registers its URL as a redirect URI', async () => {
    const response = await json('PUT', `/api/v1/applications/${appId}/page`, { slug: 'ride-log' });
    expect(response.status).toBe(200);
    const page = PageResponseSchema.parse(await response.json());
    expect(page).toMatchObject({
      slug: 'ride-log',
      published: false,
      application: { id: appId, name: 'Ride log', is_private: true },
      url: `${server.url}/pages/ride-log/`,
      version: null,
      files: [],
    });
    const app = asJson(await (await api(`/api/v1/applications/${appId}`)).json());
    expect(app.redirect_uris).toEqual([`${server.url}/pages/ride-log/`]);
    const list = asJson(await (await api('/api/v1/applications')).json());
    expect(list.find((a: { id: string }) => a.id === appId).page_slug).toBe('ride-log');
    // Ensuring again answers the same page and registers nothing twice.
    const again = await api(`/api/v1/applications/${appId}/page`, {
      method: 'PUT',
      body: 'slug=ride-log',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(again.status).toBe(200);
    const appAfter = asJson(await (await api(`/api/v1/applications/${appId}`)).json());
    expect(appAfter.redirect_uris).toHaveLength(1);
  });

  it('creates a page with POST /pages from a form body, and refuses bad, reserved and taken slugs', async () => {
    const other = asJson(await (await json('POST', '/api/v1/applications', { name: 'Second' })).json());
    const form = (body: Record<string, string>) =>
      api('/api/v1/pages', {
        method: 'POST',
        body: new URLSearchParams(body).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    for (const slug of ['ab', 'Upper', '-lead', 'trail-', 'a_b', 'x'.repeat(41), 'with space']) {
      await expectProblem(await form({ application_id: other.id, slug }), 400, 'ERR_PAGE_SLUG_INVALID');
    }
    await expectProblem(await form({ application_id: other.id, slug: 'api' }), 400, 'ERR_PAGE_SLUG_INVALID');
    await expectProblem(
      await form({ application_id: other.id, slug: 'ride-log' }),
      409,
      'ERR_PAGE_SLUG_TAKEN',
    );
    await expectProblem(
      await form({ application_id: 'nope', slug: 'fresh-one' }),
      404,
      'ERR_APPLICATION_NOT_FOUND',
    );
    const created = await form({ application_id: other.id, slug: 'second-site' });
    expect(created.status).toBe(200);
    expect(asJson(await created.json()).slug).toBe('second-site');
    // One page per application.
    await expectProblem(
      await json('PUT', `/api/v1/applications/${other.id}/page`, { slug: 'third-site' }),
      409,
      'ERR_PAGE_SLUG_TAKEN',
    );
  });

  it('makes no page for an app whose redirect URIs are full', async () => {
    const uris = Array.from({ length: 20 }, (_, i) => `https://full.example/callback/${i}`);
    const full = asJson(
      await (await json('POST', '/api/v1/applications', { name: 'Full', redirect_uris: uris })).json(),
    );
    await expectProblem(
      await json('PUT', `/api/v1/applications/${full.id}/page`, { slug: 'full-app' }),
      400,
      'ERR_APPLICATION_INVALID',
    );
    await expectProblem(await api('/api/v1/pages/full-app'), 404, 'ERR_PAGE_NOT_FOUND');
    const list = asJson(await (await api('/api/v1/applications')).json());
    expect(list.find((a: { id: string }) => a.id === full.id).page_slug).toBeNull();
  });

  it('creates an application with its page from `page` in POST /applications, or neither', async () => {
    const before = (await server.engine.identity.applications.list('ada')).length;
    await expectProblem(
      await json('POST', '/api/v1/applications', { name: 'Bad slug', page: 'API' }),
      400,
      'ERR_PAGE_SLUG_INVALID',
    );
    await expectProblem(
      await json('POST', '/api/v1/applications', { name: 'Taken slug', page: 'ride-log' }),
      409,
      'ERR_PAGE_SLUG_TAKEN',
    );
    expect((await server.engine.identity.applications.list('ada')).length).toBe(before);
    const created = asJson(
      await (await json('POST', '/api/v1/applications', { name: 'With page', page: 'with-page' })).json(),
    );
    expect(created.page).toMatchObject({
      slug: 'with-page',
      url: `${server.url}/pages/with-page/`,
      published: false,
    });
    expect(created.redirect_uris).toEqual([`${server.url}/pages/with-page/`]);
    expect(created.is_clientside_app).toBe(true);
  });

  it('keeps another user’s applications and pages out of reach (404), and refuses an app’s token (403)', async () => {
    await expectProblem(
      await json('PUT', `/api/v1/applications/${appId}/page`, { slug: 'stolen' }, otherToken),
      404,
      'ERR_APPLICATION_NOT_FOUND',
    );
    await expectProblem(await api('/api/v1/pages/ride-log', { as: otherToken }), 404, 'ERR_PAGE_NOT_FOUND');
    await expectProblem(await deploy('ride-log', SITE('evil'), otherToken), 404, 'ERR_PAGE_NOT_FOUND');
    await expectProblem(
      await api('/api/v1/pages/ride-log/rollback', { method: 'POST', as: otherToken }),
      404,
      'ERR_PAGE_NOT_FOUND',
    );
    await expectProblem(
      await api('/api/v1/pages/ride-log', { method: 'DELETE', as: otherToken }),
      404,
      'ERR_PAGE_NOT_FOUND',
    );
    const appToken = (await server.engine.tokens.create('ada', { clientId: appId })).token;
    await expectProblem(await deploy('ride-log', SITE('app'), appToken), 403, 'ERR_AUTH_SCOPE');
  });

  it('lets the owner signed in with `peakform login` (the SDK’s public client) manage the page', async () => {
    await server.engine.identity.accounts.signUp({
      email: 'ada@example.org',
      password: 'ada rides far',
      athleteId: 'ada',
    });
    const verifier = randomBytes(32).toString('base64url');
    const redirectUri = 'http://127.0.0.1:8765';
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: SDK_CLIENT_ID,
      redirect_uri: redirectUri,
      scope: 'data:read profile',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'cli',
    });
    const browser = new FormBrowser((url) => url.origin === redirectUri);
    let page = await browser.open(`${server.url}/oauth/authorize?${query}`);
    page = await browser.submit(page, '/login', { email: 'ada@example.org', password: 'ada rides far' });
    if (page.status !== 302) page = await browser.submit(page, '/consent', { decision: 'allow' });
    const code = page.url.searchParams.get('code');
    expect(code).toBeTruthy();
    const exchange = await fetch(`${server.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: SDK_CLIENT_ID,
        code: code!,
        code_verifier: verifier,
        redirect_uri: redirectUri,
      }),
    });
    expect(exchange.status, await exchange.clone().text()).toBe(200);
    const { access_token: loginToken } = asJson(await exchange.json());
    const got = await api('/api/v1/pages/ride-log', { as: loginToken });
    expect(got.status, await got.clone().text()).toBe(200);
    expect(asJson(await got.json()).slug).toBe('ride-log');
  });

  it('deploys a site and serves it with content types, caching headers and a strict CSP', async () => {
    const response = await deploy('ride-log', SITE('one'));
    expect(response.status, await response.clone().text()).toBe(200);
    const page = PageResponseSchema.parse(await response.json());
    expect(page).toMatchObject({ published: true, version: 1, previous_version: null });
    expect(page.files).toEqual(['assets/app.js', 'assets/style.css', 'docs/index.html', 'index.html']);
    expect(page.size_bytes).toBe(SITE('one').reduce((n, f) => n + Buffer.byteLength(f.body), 0));

    const root = await fetch(`${server.url}/pages/ride-log/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(root.headers.get('cache-control')).toBe('no-cache');
    const csp = pagesCsp(server.url, 'ride-log');
    expect(root.headers.get('content-security-policy')).toBe(csp);
    for (const directive of [
      "default-src 'self'",
      "frame-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src ${server.url}/api/ ${server.url}/pages/ride-log/`);
    expect(root.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await root.text()).toContain('<title>one</title>');

    const script = await fetch(`${server.url}/pages/ride-log/assets/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toMatch(/max-age=\d+.*must-revalidate/);
    expect(await script.text()).toBe('console.log("one");');
    const css = await fetch(`${server.url}/pages/ride-log/assets/style.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');

    // ETag and If-None-Match.
    const etag = script.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const cached = await fetch(`${server.url}/pages/ride-log/assets/app.js`, {
      headers: { 'if-none-match': etag },
    });
    expect(cached.status).toBe(304);

    // The slug and folders without their slash redirect; a folder answers its index.html.
    const bare = await fetch(`${server.url}/pages/ride-log?x=1`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/pages/ride-log/?x=1');
    const folder = await fetch(`${server.url}/pages/ride-log/docs`, { redirect: 'manual' });
    expect(folder.status).toBe(301);
    expect(folder.headers.get('location')).toBe('/pages/ride-log/docs/');
    expect(await (await fetch(`${server.url}/pages/ride-log/docs/`)).text()).toBe('<p>docs one</p>');

    const missing = await fetch(`${server.url}/pages/ride-log/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(csp);
    expect((await fetch(`${server.url}/pages/second-site/`)).status).toBe(404);
    expect((await fetch(`${server.url}/pages/no-such-page/`)).status).toBe(404);
  });

  it('never serves outside the version folder: encoded traversal and symbolic links answer 404', async () => {
    await writeFile(join(server.dataDir, 'pages', 'secret.txt'), 'secret');
    const versionDir = join(server.dataDir, 'pages', 'ride-log', '1');
    await symlink(join(server.dataDir, 'catalog.duckdb'), join(versionDir, 'catalog.html'));
    await symlink(join(server.dataDir, 'pages'), join(versionDir, 'linked'));
    for (const path of [
      '/pages/ride-log/..%2F..%2Fsecret.txt',
      '/pages/ride-log/%2e%2e/%2e%2e/secret.txt',
      '/pages/ride-log/assets/..%2f..%2f..%2fsecret.txt',
      '/pages/ride-log/..%5c..%5csecret.txt',
      '/pages/ride-log/index.html%00.js',
      '/pages/ride-log/catalog.html',
      '/pages/ride-log/linked/secret.txt',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('secret\n');
    }
    // A malformed escape is refused by the router before it reaches the page.
    expect((await fetch(`${server.url}/pages/ride-log/%E0%A4%A`)).status).toBe(400);
  });

  it('switches to a redeploy at once, keeps the previous version for rollback and prunes older ones', async () => {
    const two = PageResponseSchema.parse(await (await deploy('ride-log', SITE('two'))).json());
    expect(two).toMatchObject({ version: 2, previous_version: 1 });
    expect(await (await fetch(`${server.url}/pages/ride-log/`)).text()).toContain('<title>two</title>');
    const etagTwo = (await fetch(`${server.url}/pages/ride-log/assets/app.js`)).headers.get('etag');
    const three = PageResponseSchema.parse(
      await (await deploy('ride-log', [{ name: 'index.html', body: '<title>three</title>' }])).json(),
    );
    expect(three).toMatchObject({ version: 3, previous_version: 2, files: ['index.html'] });
    expect(await versionsOnDisk('ride-log')).toEqual(['2', '3']);
    // A file of the old version is gone from the served site, and the old ETag no longer matches.
    expect((await fetch(`${server.url}/pages/ride-log/assets/app.js`)).status).toBe(404);
    expect(etagTwo).not.toBeNull();

    const back = PageResponseSchema.parse(
      await (await api('/api/v1/pages/ride-log/rollback', { method: 'POST' })).json(),
    );
    expect(back).toMatchObject({ version: 2, previous_version: 3 });
    expect(await (await fetch(`${server.url}/pages/ride-log/`)).text()).toContain('<title>two</title>');
    const forward = asJson(await (await api('/api/v1/pages/ride-log/rollback', { method: 'POST' })).json());
    expect(forward).toMatchObject({ version: 3, previous_version: 2 });
    expect(await (await fetch(`${server.url}/pages/ride-log/`)).text()).toBe('<title>three</title>');
    const got = PageResponseSchema.parse(await (await api('/api/v1/pages/ride-log')).json());
    expect(got.version).toBe(3);
  });

  it('refuses a site over 10 MB with 413 and keeps serving the current version', async () => {
    const before = await versionsOnDisk('ride-log');
    const big = new Uint8Array(6 * 1024 * 1024);
    await expectProblem(
      await deploy('ride-log', [
        { name: 'index.html', body: '<title>big</title>' },
        { name: 'a.bin', body: big },
        { name: 'b.bin', body: big },
      ]),
      413,
      'ERR_PAGE_TOO_LARGE',
    );
    await expectProblem(
      await deploy('ride-log', [{ name: 'huge.bin', body: new Uint8Array(11 * 1024 * 1024) }]),
      413,
      'ERR_PAGE_TOO_LARGE',
    );
    expect(await versionsOnDisk('ride-log')).toEqual(before);
    expect(await (await fetch(`${server.url}/pages/ride-log/`)).text()).toBe('<title>three</title>');
  });

  it('refuses hostile and malformed deploys with 4xx problems and writes nothing', async () => {
    const before = await versionsOnDisk('ride-log');
    const cases: [Parameters<typeof multipart>[0], number, string][] = [
      [[{ name: '../escape.html', body: 'x' }], 400, 'ERR_PAGE_PATH_INVALID'],
      [[{ name: 'assets/../../escape.html', body: 'x' }], 400, 'ERR_PAGE_PATH_INVALID'],
      [[{ name: '/etc/passwd', body: 'x' }], 400, 'ERR_PAGE_PATH_INVALID'],
      [[{ name: 'C:/boot.ini', body: 'x' }], 400, 'ERR_PAGE_PATH_INVALID'],
      [[{ name: 'a%5Cb.html', body: 'x', encoded: true }], 400, 'ERR_PAGE_PATH_INVALID'],
      [[{ name: 'index.html%00.js', body: 'x', encoded: true }], 400, 'ERR_PAGE_PATH_INVALID'],
      [[{ name: 'a//b.html', body: 'x' }], 400, 'ERR_PAGE_PATH_INVALID'],
      [[{ name: './index.html', body: 'x' }], 400, 'ERR_PAGE_PATH_INVALID'],
      [[{ name: `${'a'.repeat(300)}.html`, body: 'x' }], 400, 'ERR_PAGE_PATH_INVALID'],
      [
        [
          { name: 'index.html', body: 'one' },
          { name: 'index.html', body: 'two' },
        ],
        400,
        'ERR_PAGE_PATH_DUPLICATE',
      ],
      [
        [
          { name: 'assets', body: 'a file' },
          { name: 'assets/app.js', body: 'x' },
        ],
        400,
        'ERR_PAGE_PATH_DUPLICATE',
      ],
      [[], 400, 'ERR_PAGE_EMPTY'],
      [
        Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}.txt`, body: 'x' })),
        413,
        'ERR_PAGE_TOO_MANY_FILES',
      ],
    ];
    for (const [files, status, code] of cases) {
      const body = await expectProblem(await deploy('ride-log', files), status, code);
      expect(body.detail.length).toBeGreaterThan(20);
    }
    await expectProblem(
      await json('PUT', '/api/v1/pages/ride-log/deploy', { files: [] }),
      415,
      'ERR_UPLOAD_NOT_MULTIPART',
    );
    await expectProblem(await deploy('no-such-page', SITE('x')), 404, 'ERR_PAGE_NOT_FOUND');
    expect(await versionsOnDisk('ride-log')).toEqual(before);
    expect(await (await fetch(`${server.url}/pages/ride-log/`)).text()).toBe('<title>three</title>');
    // Nothing was written outside the site either.
    expect(await readdir(join(server.dataDir, 'pages'))).toEqual(
      expect.not.arrayContaining(['escape.html', 'etc', 'passwd']),
    );
  });

  it('serves one of two concurrent deploys and keeps the other for rollback', async () => {
    const [a, b] = await Promise.all([
      deploy('ride-log', [{ name: 'index.html', body: '<title>A</title>' }]),
      deploy('ride-log', [{ name: 'index.html', body: '<title>B</title>' }]),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const page = PageResponseSchema.parse(await (await api('/api/v1/pages/ride-log')).json());
    expect(await versionsOnDisk('ride-log')).toEqual(
      [String(page.previous_version), String(page.version)].sort(),
    );
    const served = await (await fetch(`${server.url}/pages/ride-log/`)).text();
    expect(['<title>A</title>', '<title>B</title>']).toContain(served);
    await api('/api/v1/pages/ride-log/rollback', { method: 'POST' });
    const other = await (await fetch(`${server.url}/pages/ride-log/`)).text();
    expect(['<title>A</title>', '<title>B</title>'].filter((t) => t !== served)).toEqual([other]);
  });

  it('answers 409 to a rollback without a previous version', async () => {
    const app = asJson(await (await json('POST', '/api/v1/applications', { name: 'Once' })).json());
    await json('PUT', `/api/v1/applications/${app.id}/page`, { slug: 'deployed-once' });
    await expectProblem(
      await api('/api/v1/pages/deployed-once/rollback', { method: 'POST' }),
      409,
      'ERR_PAGE_NO_PREVIOUS',
    );
    await deploy('deployed-once', SITE('once'));
    await expectProblem(
      await api('/api/v1/pages/deployed-once/rollback', { method: 'POST' }),
      409,
      'ERR_PAGE_NO_PREVIOUS',
    );
  });

  it('deletes a page: its files, its serving and its redirect URI; deleting the app deletes its page', async () => {
    const deleted = await api('/api/v1/pages/ride-log', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await fetch(`${server.url}/pages/ride-log/`)).status).toBe(404);
    expect(await readdir(join(server.dataDir, 'pages'))).not.toContain('ride-log');
    const app = asJson(await (await api(`/api/v1/applications/${appId}`)).json());
    expect(app.redirect_uris).toEqual([]);
    // The slug is free again.
    expect((await json('PUT', `/api/v1/applications/${appId}/page`, { slug: 'ride-log' })).status).toBe(200);
    await deploy('ride-log', SITE('again'));
    expect((await api(`/api/v1/applications/${appId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${server.url}/pages/ride-log/`)).status).toBe(404);
    expect(await readdir(join(server.dataDir, 'pages'))).not.toContain('ride-log');
  });
});

describe('Pages after a crash mid-deploy', () => {
  it('serves the old version and removes what the dead deploy wrote', async () => {
    const dataDir = await makeTempDir('peakform-pages-crash-');
    let engine = await Engine.open({ dataDir, decodeWorkers: 0 });
    const { application } = await engine.identity.applications.create('ada', { name: 'Crashy' });
    await engine.pages.ensure('ada', application.id, 'crashy', 'http://localhost:1');
    const files = async function* (body: string) {
      yield {
        path: 'index.html',
        chunks: (async function* () {
          yield Buffer.from(body);
        })(),
      };
    };
    await engine.pages.deploy('ada', 'crashy', files('<title>old</title>'));
    engine.close();
    // A deploy that died: its folder sealed under the next version, but never switched to, and
    // one still incoming.
    const slugDir = join(dataDir, 'pages', 'crashy');
    await mkdir(join(slugDir, '2'), { recursive: true });
    await writeFile(join(slugDir, '2', 'index.html'), '<title>new</title>');
    await mkdir(join(slugDir, '3.incoming-0123abcd'), { recursive: true });
    await writeFile(join(slugDir, '3.incoming-0123abcd', 'index.html'), 'half');
    await mkdir(join(dataDir, 'pages', 'orphan', '1'), { recursive: true });

    engine = await Engine.open({ dataDir, decodeWorkers: 0 });
    const app = await buildApp(engine, { webhookDelivery: false });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      expect(await (await fetch(`${url}/pages/crashy/`)).text()).toBe('<title>old</title>');
      expect((await readdir(slugDir)).sort()).toEqual(['1']);
      expect(await readdir(join(dataDir, 'pages'))).toEqual(['crashy']);
      // The next deploy takes a version number never used before.
      const next = await engine.pages.deploy('ada', 'crashy', files('<title>next</title>'));
      expect(next.currentVersion).toBeGreaterThan(1);
      expect(await (await fetch(`${url}/pages/crashy/`)).text()).toBe('<title>next</title>');
      // `peakform check` sees a served file that went missing.
      expect(await engine.checkConsistency()).toEqual([]);
      await rm(join(slugDir, String(next.currentVersion), 'index.html'));
      expect(await engine.checkConsistency()).toEqual([
        `page crashy version ${next.currentVersion} misses 1 file(s): index.html`,
      ]);
    } finally {
      await app.close();
      engine.close();
    }
  });
});
