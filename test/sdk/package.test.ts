import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeakformClient } from '../../src/sdk/index.ts';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The SDK as a developer gets it: `npm pack` of packages/sdk (its prepack builds dist/ from
 * src/sdk), installed into a scratch project, and the README's snippet run there with plain Node
 * and type-checked with tsc against the package's own .d.ts.
 */

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

async function readmeSnippet(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  return readme.split('\n## SDK\n')[1]!.split('```ts\n')[1]!.split('```')[0]!;
}

describe('the packed @peakform/sdk, installed in a scratch project', () => {
  let server: TestServer;
  let token: string;
  let scratch: string;
  let app: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('pkg');
    const client = new PeakformClient({ baseUrl: server.url, token });
    const bytes = await readFile(join(ROOT, 'data/fixtures/ride-known-power.fit'));
    await client.uploadActivities({ files: [{ name: 'ride.fit', bytes }] });
    scratch = await makeTempDir('peakform-sdk-pack-');
    await run(NPM, ['pack', '--pack-destination', scratch], { cwd: join(ROOT, 'packages/sdk') });
    const [tarball] = (await readdir(scratch)).filter((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^peakform-sdk-\d+\.\d+\.\d+\.tgz$/);
    app = join(scratch, 'app');
    await run('mkdir', [app]);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    // The registry cache first: on this machine the dependencies (zod, apache-arrow) are there.
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, tarball!)], {
      cwd: app,
    });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('runs the README snippet with plain Node', async () => {
    const snippet = await readmeSnippet();
    expect(snippet).toContain("from '@peakform/sdk'");
    await writeFile(join(app, 'snippet.mjs'), snippet);
    const { stdout } = await run(process.execPath, ['snippet.mjs'], {
      cwd: app,
      env: { ...process.env, PEAKFORM_URL: server.url, PEAKFORM_TOKEN: token },
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.rides).toBe(1);
    expect(result.samples).toBeGreaterThan(0);
    expect(result.best).toBeGreaterThan(0);
    expect(result.model).toBe('cp2');
  }, 60_000);

  it('type-checks the snippet against the shipped .d.ts, and the types are real (not any)', async () => {
    await writeFile(join(app, 'snippet.ts'), await readmeSnippet());
    await writeFile(
      join(app, 'wrong.ts'),
      [
        "import { PeakformClient, PeakformNotFoundError } from '@peakform/sdk';",
        "import { signInWithLoopback } from '@peakform/sdk/node';",
        "const client = new PeakformClient({ baseUrl: 'http://localhost:8787', token: 't' });",
        '// @ts-expect-error sport is a sport name',
        'await client.listActivities({ sport: 42 });',
        "const [ride] = await client.listActivities({ sport: 'cycling' });",
        '// @ts-expect-error rows are typed',
        'ride?.no_such_field;',
        'export const quote = (error: PeakformNotFoundError): string => error.requestId.toUpperCase();',
        "export const tokens = () => signInWithLoopback({ baseUrl: 'http://localhost:8787' });",
        '',
      ].join('\n'),
    );
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['snippet.ts', 'wrong.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    );
    expect(result.stdout).toBe('');
  }, 120_000);

  it('ships browser-safe ESM: the main entry and the chunks it loads import no Node module', async () => {
    const dist = join(app, 'node_modules/@peakform/sdk/dist');
    const reached = new Set<string>();
    const queue = ['index.js'];
    for (let file = queue.pop(); file; file = queue.pop()) {
      if (reached.has(file)) continue;
      reached.add(file);
      const text = await readFile(join(dist, file), 'utf8');
      expect(text, file).not.toMatch(/from\s*["']node:|import\s*["']node:|require\(/);
      for (const m of text.matchAll(/(?:from|import)\s*["']\.\/([^"']+)["']/g)) queue.push(m[1]!);
    }
    expect(reached.size).toBeGreaterThan(1);
    for (const entry of ['node.js', 'webhooks.js', 'fastify.js', 'express.js'])
      expect(reached).not.toContain(entry);
    const manifest = JSON.parse(await readFile(join(app, 'node_modules/@peakform/sdk/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['apache-arrow', 'zod']);
    expect(manifest.peerDependenciesMeta).toEqual({
      express: { optional: true },
      fastify: { optional: true },
    });
  });

  it('ships the framework entries without fastify or express installed, and verifies a webhook', async () => {
    await writeFile(
      join(app, 'helpers.mjs'),
      [
        "import { signWebhook, verifyWebhook } from '@peakform/sdk/webhooks';",
        "import * as fastify from '@peakform/sdk/fastify';",
        "import * as express from '@peakform/sdk/express';",
        "const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';",
        "const body = JSON.stringify({ user_id: 'u1', event_type: 'activity_created', resource_id: 'act_1', timestamp: '2024-05-01T07:00:00.000+00:00' });",
        "const event = verifyWebhook(signWebhook(body, secret, { scheme: 'standard', id: 'evt_1' }), body, secret);",
        'console.log(JSON.stringify({ event, fastify: Object.keys(fastify).sort(), express: Object.keys(express).sort() }));',
        '',
      ].join('\n'),
    );
    expect(existsSync(join(app, 'node_modules/fastify'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/express'))).toBe(false);
    const { stdout } = await run(process.execPath, ['helpers.mjs'], { cwd: app });
    const result = JSON.parse(stdout.trim());
    expect(result.event).toMatchObject({
      user_id: 'u1',
      event_type: 'activity_created',
      id: 'evt_1',
      scheme: 'standard',
    });
    expect(result.fastify).toEqual(
      expect.arrayContaining(['peakformAuth', 'peakformWebhook', 'requireUser']),
    );
    expect(result.express).toEqual(
      expect.arrayContaining(['peakformAuth', 'peakformWebhook', 'requireUser']),
    );
  }, 60_000);
});
