import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FormBrowser } from '../helpers/form-browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Every code block of docs/guides tagged ```ts test runs here, as written: each block as a module,
 * in order, `@peakform/sdk` (and its entries) resolved to src/sdk, against a test
 * server named by PEAKFORM_URL and PEAKFORM_TOKEN. When a guide prints an authorize URL, the test
 * plays the user who opens it and signs in.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const GUIDES = join(ROOT, 'docs/guides');
const RIDE = join(ROOT, 'data/fixtures/ride-known-power.fit');

/** Each block as its own module, `@peakform/sdk` pointed at src/sdk. */
function modulesOf(markdown: string): string[] {
  return [...markdown.matchAll(/```ts test\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .replace(
        /'@peakform\/sdk\/([\w-]+)'/g,
        (_m, entry) => `'${pathToFileURL(join(ROOT, `src/sdk/${entry}.ts`)).href}'`,
      )
      .replace(/'@peakform\/sdk'/g, `'${pathToFileURL(join(ROOT, 'src/sdk/index.ts')).href}'`)
      // The frameworks of the helpers' guide, from this project's node_modules (blocks run from a temp dir).
      .replace(/from '(fastify|express)'/g, (_m, pkg) => `from '${import.meta.resolve(pkg)}'`),
  );
}

describe('the guides in docs/guides run as written', async () => {
  const files = (await readdir(GUIDES)).filter((f) => f.endsWith('.md')).sort();
  let server: TestServer;
  let scratch: string;

  beforeAll(async () => {
    server = await startTestServer();
    await server.engine.identity.accounts.signUp({
      email: 'reader@example.org',
      password: 'guide passphrase',
    });
    scratch = await mkdtemp(join(tmpdir(), 'peakform-guides-'));
    process.env.PEAKFORM_URL = server.url;
    process.env.PEAKFORM_TOKEN = await server.tokenFor('guide-reader');
    process.env.RIDE_FILE = RIDE;
  });
  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('has the seven guides', () => {
    expect(files).toEqual([
      '01-quick-start.md',
      '02-oauth-app.md',
      '03-webhooks.md',
      '04-data-science.md',
      '05-framework-helpers.md',
      '06-coach-reports.md',
      '07-self-hosting.md',
    ]);
  });

  for (const file of files) {
    it(`${file}`, async () => {
      const blocks = modulesOf(await readFile(join(GUIDES, file), 'utf8'));
      expect(blocks.length, 'a guide without runnable code').toBeGreaterThan(0);
      const printed: string[] = [];
      const signIns: Promise<unknown>[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        const line = args.map(String).join(' ');
        printed.push(line);
        const url = /https?:\/\/\S+\/oauth\/authorize\?\S+/.exec(line)?.[0];
        if (url) signIns.push(signInAsUser(url));
      });
      const table = vi
        .spyOn(console, 'table')
        .mockImplementation((rows) => void printed.push(JSON.stringify(rows)));
      try {
        for (const [i, source] of blocks.entries()) {
          const path = join(scratch, `${file}-${i + 1}.ts`);
          await writeFile(path, source);
          await import(pathToFileURL(path).href);
        }
        await Promise.all(signIns);
      } finally {
        log.mockRestore();
        table.mockRestore();
      }
      expect(printed.length).toBeGreaterThan(0);
      if (file.startsWith('01')) expect(printed[0]).toBe('processed');
      if (file.startsWith('02')) expect(printed.at(-2)).toMatch(/^signed in as \S+ 0 activities$/);
      if (file.startsWith('03')) expect(printed.at(-1)).toBe('204 401');
      if (file.startsWith('04')) expect(printed[0]).toMatch(/parquet/);
      if (file.startsWith('06')) {
        expect(printed[0]).toBe('best efforts: 4 durations');
        expect(printed).toContainEqual(expect.stringMatching(/^(CP \d+ W, W′ \d+ J|no model: .+)$/));
        expect(printed.at(-1)).toMatch(/^CTL \d+\.\d ATL \d+\.\d TSB -?\d+\.\d$/);
      }
      if (file.startsWith('07'))
        expect(printed).toEqual([expect.stringMatching(/^health ok \d+\.\d+\.\d+$/), 'issuer matches']);
      if (file.startsWith('05')) {
        expect(printed).toEqual([
          '302 302 /oauth/authorize S256',
          'event activity_created act_1',
          '204 401',
          expect.stringMatching(/^event test_created msg_\w+$/),
          '302 /login?return_to=%2F 401 204 401 400',
        ]);
      }
    }, 60_000);
  }
});

async function signInAsUser(url: string): Promise<void> {
  const browser = new FormBrowser(() => false);
  let page = await browser.open(url);
  page = await browser.submit(page, '/login', { email: 'reader@example.org', password: 'guide passphrase' });
  await browser.submit(page, '/consent', { decision: 'allow' });
}
