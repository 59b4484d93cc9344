import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/test-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);

describe.skipIf(!existsSync(CHROMIUM))('the /docs page in a real browser (Debian chromium)', () => {
  let server: TestServer;
  let profile: string;

  beforeAll(async () => {
    server = await startTestServer();
    profile = await makeTempDir('peakform-chromium-');
  });
  afterAll(async () => {
    await server.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('renders every API operation from /openapi.json', async () => {
    const { stdout } = await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--virtual-time-budget=10000',
        '--dump-dom',
        `${server.url}/docs/static/index.html`,
      ],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    // Swagger UI renders one block per operation once it has fetched and parsed the spec.
    for (const path of [
      '/api/v1/activities/',
      '/api/v1/activities/{id}/data',
      '/api/v1/activities/longitudinal-mean-max',
      '/api/v1/profile/training-load',
    ]) {
      expect(stdout).toContain(`data-path="${path}"`);
    }
    expect(stdout).toContain('Peakform API');
  });
});
