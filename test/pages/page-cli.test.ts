import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pagesCsp } from '../../src/api/pages-site.ts';
import { parseProjectConfig } from '../../src/cli/project-config.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

const FIXTURE_SITE = join(import.meta.dirname, 'fixtures/site');
const EMAIL = 'rider@example.org';
const PASSWORD = 'rides far and fast';

/**
 * The developer's afternoon (issue 13): `app create --page` and `app link` against a server,
 * `page deploy` of a static site, then a rider signs in on that page with PKCE (the app's public
 * client, through the server's sign-in and consent pages in Chromium) and sees their activities.
 */
describe('peakform app create --page, app link, page deploy; the page signs a rider in', () => {
  let server: TestServer;
  let developerToken: string;
  let root: string;
  let site: string;
  let clientId: string;
  let scratchId: string;
  let browser: Browser | undefined;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    server = await startTestServer();
    developerToken = await server.tokenFor('developer');
    root = await makeTempDir('peakform-page-cli-');
    site = join(root, 'site');
    await cp(FIXTURE_SITE, site, { recursive: true });
    // Left out of a deploy: dot files and folders.
    await mkdir(join(site, '.git'), { recursive: true });
    await writeFile(join(site, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(site, '.env'), 'SECRET=1\n');
    for (const name of ['PEAKFORM_SERVER', 'PEAKFORM_TOKEN', 'PEAKFORM_DATA']) delete process.env[name];
    process.env.PEAKFORM_CONFIG_DIR = join(root, 'config');
  });
  afterAll(async () => {
    process.env = savedEnv;
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const remote = () => ['--server', server.url, '--token', developerToken];

  it('`app create NAME --page SLUG` makes a public app with its page and redirect URI', async () => {
    const result = await runCliInProcess(['app', 'create', 'Ride log', '--page', 'ride-log', ...remote()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    clientId = /^client_id\t(\w+)$/m.exec(result.stdout)![1]!;
    expect(result.stdout).toContain(`page\t${server.url}/pages/ride-log/`);
    const app = await server.engine.identity.applications.get('developer', clientId);
    expect(app.isConfidential).toBe(false);
    expect(app.redirectUris).toEqual([`${server.url}/pages/ride-log/`]);

    // A taken slug is refused before an app is made for it.
    const taken = await runCliInProcess(['app', 'create', 'Copycat', '--page', 'ride-log', ...remote()]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('ERR_PAGE_SLUG_TAKEN');
    expect((await server.engine.identity.applications.list('developer')).map((a) => a.name)).toEqual([
      'Ride log',
    ]);
    // A page needs a server: on a local data dir --page is a usage mistake.
    const local = await runCliInProcess([
      'app',
      'create',
      'Local',
      '--page',
      'local-page',
      '--data',
      join(root, 'data'),
    ]);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--server');
  });

  it('`app list` and `app link` list the apps and write peakform.toml', async () => {
    const list = await runCliInProcess(['app', 'list', ...remote()]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${clientId}\tRide log\tride-log`);
    // With two apps, link needs to be told which.
    const second = await runCliInProcess(['app', 'create', 'Scratch', ...remote()]);
    expect(second.code).toBe(0);
    scratchId = /^client_id\t(\w+)$/m.exec(second.stdout)![1]!;
    const ambiguous = await runCliInProcess(['app', 'link', '--project', root, ...remote()]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(clientId);

    const linked = await runCliInProcess([
      'app',
      'link',
      clientId,
      '--project',
      root,
      '--directory',
      'site',
      ...remote(),
    ]);
    expect(linked.stderr).toBe('');
    expect(linked.code).toBe(0);
    const config = parseProjectConfig(await readFile(join(root, 'peakform.toml'), 'utf8'));
    expect(config).toEqual({
      app: { name: 'Ride log', client_id: clientId },
      page: { slug: 'ride-log', directory: 'site' },
    });
  });

  it('`page deploy` uploads the folder peakform.toml names and prints the URL', async () => {
    await writeFile(join(site, 'config.json'), JSON.stringify({ client_id: clientId }));
    const result = await runCliInProcess(['page', 'deploy', '--project', root, ...remote()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deployed 4 files');
    expect(result.stdout).toContain(`${server.url}/pages/ride-log/`);
    const page = await server.engine.pages.get('developer', 'ride-log');
    // Relative paths survive the SDK's multipart upload (repeated `files` parts).
    expect(page.files).toEqual(['assets/app.js', 'assets/style.css', 'config.json', 'index.html']);
    const served = await fetch(`${server.url}/pages/ride-log/assets/app.js`);
    expect(served.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await served.text()).toBe(await readFile(join(FIXTURE_SITE, 'assets/app.js'), 'utf8'));

    // SLUG and DIR as arguments, a redeploy, then show and rollback.
    const again = await runCliInProcess(['page', 'deploy', 'ride-log', site, '--json', ...remote()]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ version: 2, previous_version: 1 });
    const back = await runCliInProcess(['page', 'rollback', '--project', root, ...remote()]);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('version 1 (was 2)');
    const show = await runCliInProcess(['page', 'show', 'ride-log', '--json', ...remote()]);
    expect(JSON.parse(show.stdout)).toMatchObject({ slug: 'ride-log', version: 1, published: true });
  });

  it('in a directory linked to an app without a page, `page deploy SLUG` gives it one', async () => {
    const project = join(root, 'scratch');
    await mkdir(project, { recursive: true });
    const linked = await runCliInProcess([
      'app',
      'link',
      scratchId,
      '--project',
      project,
      '--directory',
      site,
      ...remote(),
    ]);
    expect(linked.code).toBe(0);
    expect(linked.stdout).toContain('no page yet');
    expect(parseProjectConfig(await readFile(join(project, 'peakform.toml'), 'utf8'))).toEqual({
      app: { name: 'Scratch', client_id: scratchId },
      page: { directory: site },
    });
    const deployed = await runCliInProcess([
      'page',
      'deploy',
      'scratch-pad',
      '--project',
      project,
      ...remote(),
    ]);
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(`${server.url}/pages/scratch-pad/`);
    const app = await server.engine.identity.applications.get('developer', scratchId);
    expect(app.redirectUris).toEqual([`${server.url}/pages/scratch-pad/`]);
    expect((await fetch(`${server.url}/pages/scratch-pad/`)).status).toBe(200);
  });

  it('`page deploy` refuses a missing folder, an unknown page and no server with a message', async () => {
    const missing = await runCliInProcess(['page', 'deploy', 'ride-log', join(root, 'nope'), ...remote()]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('is not a folder');
    const unknown = await runCliInProcess(['page', 'deploy', 'not-mine', site, ...remote()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('ERR_PAGE_NOT_FOUND');
    const noServer = await runCliInProcess(['page', 'deploy', 'ride-log', site]);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain('peakform login');
  });

  it('the deployed page signs a rider in with PKCE in Chromium and lists their activities', async () => {
    const rider = await server.engine.identity.accounts.signUp({
      email: EMAIL,
      password: PASSWORD,
      firstName: 'Rita',
    });
    const riderToken = (await server.engine.tokens.create(rider.id)).token;
    const uploaded = await upload(server, riderToken, [
      { name: 'a.csv', bytes: csvRide({ startIso: '2024-05-01T07:00:00Z', durationS: 180 }) },
      {
        name: 'b.csv',
        bytes: csvRide({ startIso: '2024-05-03T07:00:00Z', durationS: 120, sport: 'running' }),
      },
    ]);
    expect(uploaded.status).toBe(201);

    browser = await launchChromium();
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      // The server's own sign-in pages have no favicon; that 404 is not the page's.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico'))
        problems.push(`${message.text()} ${message.location().url}`);
    });
    const first = await page.goto(`${server.url}/pages/ride-log/`);
    expect(first?.headers()['content-security-policy']).toBe(pagesCsp(server.url, 'ride-log'));
    await page.getByRole('button', { name: 'Sign in with Peakform' }).click();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('status').filter({ hasText: '2 activities' }).waitFor();
    const rows = await page.locator('#activities tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('running');
    expect(rows[1]).toContain('cycling');
    // Back on the page, without the code in the address bar.
    expect(page.url()).toBe(`${server.url}/pages/ride-log/`);
    expect(problems).toEqual([]);

    // A hostile page on the same origin, opened by the signed-in rider, reaches neither the
    // cookie-authenticated account pages nor the authorization endpoint.
    const evilApp = await server.engine.identity.applications.create('developer', { name: 'Evil' });
    await server.engine.pages.ensure('developer', evilApp.application.id, 'evil-page', server.url);
    const evilFiles = {
      'index.html':
        '<!doctype html><title>evil</title><button id="open">open</button><pre id="out"></pre><script type="module" src="evil.js"></script>',
      'evil.js': `const out = [];
const attempt = async (name, work) => { try { out.push(name + ':' + (await work())); } catch { out.push(name + ':blocked'); } };
await attempt('account', async () => (await fetch('/account')).status);
await attempt('authorize', async () => (await fetch('/oauth/authorize?client_id=x')).status);
await attempt('api', async () => (await fetch('/api/v1/activities/')).status);
await attempt('own', async () => (await fetch('index.html')).status);
const frame = document.createElement('iframe');
frame.src = '/account';
document.body.append(frame);
await new Promise((resolve) => setTimeout(resolve, 500));
await attempt('frame', async () => frame.contentDocument.body.innerHTML.length);
document.getElementById('out').textContent = out.join(' ');
document.title = 'fetched';
// A window opened on a click (no popup blocker in the way): another browsing context group.
document.getElementById('open').addEventListener('click', async () => {
  const popup = window.open('/account');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await attempt('popup-opened', async () => popup !== null);
  await attempt('popup', async () => popup.document.body.innerHTML.length);
  document.getElementById('out').textContent = out.join(' ');
  document.title = 'done';
});`,
    };
    await server.engine.pages.deploy(
      'developer',
      'evil-page',
      (async function* () {
        for (const [path, body] of Object.entries(evilFiles))
          yield {
            path,
            chunks: (async function* () {
              yield Buffer.from(body);
            })(),
          };
      })(),
    );
    const evil = await context.newPage();
    await evil.goto(`${server.url}/pages/evil-page/`);
    await expect.poll(() => evil.title(), { timeout: 20_000 }).toBe('fetched');
    await evil.getByRole('button', { name: 'open' }).click();
    await expect.poll(() => evil.title(), { timeout: 20_000 }).toBe('done');
    const report = (await evil.locator('#out').textContent())!.split(' ');
    expect(report).toEqual([
      'account:blocked',
      'authorize:blocked',
      'api:401',
      'own:200',
      'frame:blocked',
      'popup-opened:true',
      'popup:blocked',
    ]);
    await context.close();
  }, 120_000);
});
