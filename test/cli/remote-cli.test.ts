import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens } from '../../src/sdk/auth.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { BIN, runCli, runCliInProcess } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/test-server.ts';

const EMAIL = 'ada@example.org';
const PASSWORD = 'ada rides far and fast';

/**
 * The CLI against a server on loopback: `peakform login` (the test reads the URL the CLI prints,
 * or the one it hands to $BROWSER, and signs in in headless Chromium), then the data commands
 * with `--server`, compared with the same commands on a local data dir holding the same files.
 */
describe.skipIf(!hasChromium)('peakform login, whoami, logout and data commands on a server', () => {
  let server: TestServer;
  let browser: Browser;
  let root: string;
  let configDir: string;
  let localData: string;
  let userId: string;
  const savedEnv = { ...process.env };
  const credentialsFile = () => join(configDir, 'credentials.json');
  const readStored = async () => JSON.parse(await readFile(credentialsFile(), 'utf8'));

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const account = await server.engine.identity.accounts.signUp({
      email: EMAIL,
      password: PASSWORD,
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
    userId = account.id;
    root = await makeTempDir('peakform-remote-cli-');
    configDir = join(root, 'config');
    localData = join(root, 'local-data');
    await mkdir(join(root, 'rides'), { recursive: true });
    await writeFile(
      join(root, 'rides', 'a.csv'),
      csvRide({ startIso: '2024-05-01T07:00:00Z', durationS: 180 }),
    );
    await writeFile(
      join(root, 'rides', 'b.csv'),
      csvRide({ startIso: '2024-05-03T07:00:00Z', durationS: 120, sport: 'running' }),
    );
    for (const name of ['PEAKFORM_SERVER', 'PEAKFORM_TOKEN', 'PEAKFORM_DATA', 'BROWSER'])
      delete process.env[name];
    process.env.PEAKFORM_CONFIG_DIR = configDir;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** The browser half of the sign-in: the server's sign-in form, then consent (first time only). */
  async function signInInBrowser(url: string): Promise<void> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url);
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const allow = page.getByRole('button', { name: 'Allow' });
      const done = page.getByText('You can close this window.');
      await allow.or(done).first().waitFor();
      if (await allow.isVisible()) await allow.click();
      await done.waitFor();
    } finally {
      await context.close();
    }
  }

  it('signs in with `login --no-browser`: the printed URL, the browser, then credentials with mode 600', async () => {
    // The real binary: a user runs it in a terminal and reads the URL from it.
    const login = spawnLogin(['--server', server.url, '--no-browser'], { PEAKFORM_CONFIG_DIR: configDir });
    const url = await login.url;
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    expect(new URL(url).searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(login.output().stderr).toContain(`To sign in to ${server.url}, open this URL in a browser:`);
    await signInInBrowser(url);
    expect(await login.exited).toBe(0);
    const { stdout, stderr } = login.output();
    expect(stdout).toBe(`Signed in to ${server.url} as Ada Lovelace <${EMAIL}> (${userId}).\n`);
    expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
    expect((await stat(configDir)).mode & 0o777).toBe(0o700);
    const stored = await readStored();
    expect(stored.server).toBe(server.url);
    expect(stored.scope).toContain('data:write');
    expect(stored.refresh_token).toEqual(expect.any(String));
    // The token never reaches the terminal.
    expect(stdout + stderr).not.toContain(stored.access_token);
  }, 120_000);

  it('`whoami` prints the user and the server, as text and JSON', async () => {
    const text = await runCliInProcess(['whoami']);
    expect(text).toMatchObject({ code: 0, stdout: `Ada Lovelace <${EMAIL}> (${userId}) on ${server.url}\n` });
    const json = await runCliInProcess(['whoami', '--json', '--server', server.url]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ server: server.url, sub: userId, email: EMAIL });
  });

  it('`ingest --server` uploads the files and prints what a local ingest prints', async () => {
    const remote = await runCliInProcess(['ingest', '--server', server.url, join(root, 'rides')]);
    const local = await runCliInProcess([
      'ingest',
      '--data',
      localData,
      '--athlete',
      userId,
      join(root, 'rides'),
    ]);
    expect(remote.code).toBe(0);
    expect(remote.stdout).toBe('2 file(s) ingested (2 activities), 0 already present, 0 failed.\n');
    expect(remote.stdout).toBe(local.stdout);
    const bad = join(root, 'bad.fit');
    await writeFile(
      bad,
      new Uint8Array(1000).map((_, i) => (i * 7919) % 251),
    );
    const remoteBad = await runCliInProcess(['ingest', '--server', server.url, bad]);
    const localBad = await runCliInProcess(['ingest', '--data', localData, '--athlete', userId, bad]);
    expect(remoteBad.code).toBe(1);
    expect(remoteBad).toEqual(localBad);
    expect(remoteBad.stderr).toContain(`✗ ${bad}: `);
    const again = await runCliInProcess([
      'ingest',
      '--json',
      '--server',
      server.url,
      join(root, 'rides', 'a.csv'),
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      status: 'processed',
      duplicate: true,
      filename: 'a.csv',
    });
  });

  it("`ingest --server` reports a file over the server's upload limit as failed and goes on", async () => {
    const small = await startTestServer({ maxFileBytes: 4096 });
    try {
      const dir = join(root, 'limit');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'big.csv'), csvRide({ startIso: '2024-06-01T07:00:00Z', durationS: 600 }));
      await writeFile(join(dir, 'small.csv'), csvRide({ startIso: '2024-06-02T07:00:00Z', durationS: 30 }));
      const token = await small.tokenFor('tiny');
      const result = await runCliInProcess(['ingest', '--server', small.url, '--token', token, dir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`✗ ${join(dir, 'big.csv')}: .*upload limit`));
      expect(result.stdout).toBe('1 file(s) ingested (1 activities), 0 already present, 1 failed.\n');
      const json = await runCliInProcess(['ingest', '--json', '--server', small.url, '--token', token, dir]);
      expect(
        json.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).toMatchObject([
        { file: join(dir, 'big.csv'), status: 'failed', error: { code: 'ERR_UPLOAD_TOO_LARGE' } },
        { file: join(dir, 'small.csv'), status: 'processed', duplicate: true },
      ]);
    } finally {
      await small.close();
    }
  });

  it('`activities list --server` shows what the local listing of the same files shows, in text and JSON', async () => {
    for (const extra of [[], ['--json'], ['--sport', 'running'], ['--limit', '1', '--offset', '1']]) {
      const remote = await runCliInProcess(['activities', 'list', '--server', server.url, ...extra]);
      const local = await runCliInProcess([
        'activities',
        'list',
        '--data',
        localData,
        '--athlete',
        userId,
        ...extra,
      ]);
      expect(remote.stderr).toBe('');
      expect(remote.code).toBe(0);
      expect(remote.stdout).toBe(local.stdout);
    }
    const listed = await runCliInProcess(['activities', 'list', '--json']);
    expect(listed.stdout.trim().split('\n')).toHaveLength(2);
    // Naming oneself with --athlete is the same as naming nobody.
    const self = await runCliInProcess(['activities', 'list', '--athlete', userId]);
    expect(self.stdout).toBe((await runCliInProcess(['activities', 'list'])).stdout);
  });

  it('`--athlete` on a server acts for a managed athlete through a delegated token', async () => {
    const created = await fetch(`${server.url}/api/v1/users/`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await server.tokenFor(userId)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ first_name: 'Mia', last_name: 'Managed' }),
    });
    expect(created.status).toBe(200);
    const mia = ((await created.json()) as { id: string }).id;
    const ride = join(root, 'rides', 'a.csv');
    const uploaded = await runCliInProcess(['ingest', '--athlete', mia, '--server', server.url, ride]);
    expect(uploaded).toMatchObject({
      code: 0,
      stdout: '1 file(s) ingested (1 activities), 0 already present, 0 failed.\n',
    });
    await runCliInProcess(['ingest', '--data', localData, '--athlete', mia, ride]);
    for (const extra of [[], ['--json']]) {
      const remote = await runCliInProcess(['activities', 'list', '--athlete', mia, ...extra]);
      expect(remote.code).toBe(0);
      expect(remote.stdout).toBe(
        (await runCliInProcess(['activities', 'list', '--data', localData, '--athlete', mia, ...extra]))
          .stdout,
      );
    }
    // Ada's own listing is untouched: still her two activities.
    expect((await runCliInProcess(['activities', 'list', '--json'])).stdout.trim().split('\n')).toHaveLength(
      2,
    );
  });

  it('refreshes an expired access token and writes the new one back with mode 600', async () => {
    const before = await readStored();
    await writeFile(credentialsFile(), JSON.stringify({ ...before, expires_at: Date.now() - 1000 }));
    await chmod(credentialsFile(), 0o600);
    const result = await runCliInProcess(['whoami']);
    expect(result.code).toBe(0);
    const after = await readStored();
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.expires_at).toBeGreaterThan(Date.now());
    expect(after.refresh_token).toBe(before.refresh_token);
    expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
  });

  it('explains a wrong server, another server, a bad token and an unknown athlete, with exit 1', async () => {
    const closed = await closedPort();
    const unreachable = await runCliInProcess(['activities', 'list', '--server', closed, '--token', 'x']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`Cannot reach ${closed} (ECONNREFUSED)`);

    const other = await runCliInProcess(['activities', 'list', '--server', closed]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(
      `Signed in to ${server.url}, not ${closed}: run peakform login --server ${closed}`,
    );

    const secret = 'not-a-real-token-0123456789';
    const badToken = await runCliInProcess(['whoami', '--server', server.url, '--token', secret]);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/refused the credentials: .*\(ERR_AUTH_INVALID, request \S+\)/);
    expect(badToken.stderr).not.toContain(secret);
    expect(badToken.stderr).not.toMatch(/\n\s+at /);

    const stranger = await runCliInProcess(['activities', 'list', '--athlete', 'someone-else']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/ERR_(USER_NOT_FOUND|DELEGATION_FORBIDDEN)/);

    const notPeakform = await withPlainServer((url) =>
      runCliInProcess(['login', '--server', url, '--no-browser']),
    );
    expect(notPeakform.code).toBe(1);
    expect(notPeakform.stderr).toMatch(
      /is not a Peakform server: GET \/\.well-known\/openid-configuration answered 404/,
    );

    const notPeakformData = await withPlainServer(async (url) => ({
      url,
      result: await runCliInProcess(['activities', 'list', '--server', url, '--token', 'k']),
    }));
    expect(notPeakformData.result.code).toBe(1);
    expect(notPeakformData.result.stderr).toBe(
      `peakform activities: GET /api/v1/activities/ answered 404 without a problem body. Is ${notPeakformData.url} a Peakform server of this version?\n`,
    );

    // The real binary, as a shell sees it: exit 1 and one line, no stack.
    const spawned = await runCli(['whoami'], { PEAKFORM_CONFIG_DIR: join(root, 'empty-config') });
    expect(spawned).toMatchObject({
      code: 1,
      stderr:
        'peakform whoami: Not signed in: run peakform login [--server URL], or pass --server URL with --token.\n',
    });

    const mixed = await runCliInProcess(['activities', 'list', '--data', localData, '--server', server.url]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('Pick one');
    const badUrl = await runCliInProcess(['activities', 'list', '--server', 'localhost:8787']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--server must be');
  });

  it('`logout` revokes the sign-in at the server and deletes the file; `whoami` then fails', async () => {
    const stored = await readStored();
    const result = await runCliInProcess(['logout']);
    expect(result).toMatchObject({ code: 0, stdout: `Signed out of ${server.url}.\n`, stderr: '' });
    expect(existsSync(credentialsFile())).toBe(false);
    // The server ended the grant: neither the refresh token nor the access token works any more.
    await expect(refreshTokens(server.url, stored.refresh_token, stored.client_id)).rejects.toThrow(
      /invalid_grant/,
    );
    const data = await fetch(`${server.url}/api/v1/activities/`, {
      headers: { authorization: `Bearer ${stored.access_token}` },
    });
    expect(data.status).toBe(401);

    const whoami = await runCliInProcess(['whoami']);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toContain('Not signed in: run peakform login');
    const withServer = await runCliInProcess(['activities', 'list', '--server', server.url]);
    expect(withServer.code).toBe(1);
    expect(withServer.stderr).toContain(`Not signed in to ${server.url}`);
    expect(await runCliInProcess(['logout'])).toMatchObject({
      code: 0,
      stdout: 'Not signed in; nothing to do.\n',
    });
  });

  it('`login` hands the URL to $BROWSER and signs in again', async () => {
    const opened = join(root, 'opened-url');
    const opener = join(root, 'fake-browser.sh');
    await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await chmod(opener, 0o755);
    process.env.BROWSER = opener;
    try {
      const login = runCliInProcess(['login', '--server', server.url]);
      const url = await waitForFile(opened);
      await signInInBrowser(url);
      const result = await login;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Opening a browser');
      expect(result.stdout).toContain(`as Ada Lovelace <${EMAIL}>`);
    } finally {
      delete process.env.BROWSER;
    }
    expect((await runCliInProcess(['whoami'])).code).toBe(0);
  }, 120_000);

  it('`login` prints the URL when the browser cannot be started', async () => {
    const login = spawnLogin(['--server', server.url], {
      PEAKFORM_CONFIG_DIR: configDir,
      BROWSER: join(root, 'no-such-browser'),
    });
    const url = await login.url;
    expect(login.output().stderr).toContain(`To sign in to ${server.url}, open this URL in a browser:`);
    await signInInBrowser(url);
    expect(await login.exited).toBe(0);
    expect(login.output().stdout).toContain(`Signed in to ${server.url} as Ada Lovelace`);
  }, 120_000);

  it('`peakform mcp` serves the stored login, refreshing it when it has expired', async () => {
    const ids = (await runCliInProcess(['activities', 'list', '--json'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).id);
    const before = await readStored();
    await writeFile(credentialsFile(), JSON.stringify({ ...before, expires_at: Date.now() - 1000 }));
    const mcp = new McpClient({ name: 'peakform-test', version: '0.0.0' });
    await mcp.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp'],
        env: { PATH: process.env.PATH ?? '', PEAKFORM_CONFIG_DIR: configDir },
        stderr: 'inherit',
      }),
    );
    try {
      const listed = await mcp.callTool({ name: 'list_activities', arguments: {} });
      expect(listed.isError, JSON.stringify(listed.content)).toBeFalsy();
      const activities = JSON.parse((listed.content as { text: string }[])[0]!.text);
      expect(activities.map((a: { id: string }) => a.id)).toEqual(ids);
    } finally {
      await mcp.close();
    }
    // The MCP server refreshed the expired access token and stored the new one.
    const after = await readStored();
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.expires_at).toBeGreaterThan(Date.now());
    process.env.PEAKFORM_CONFIG_DIR = join(root, 'empty-config');
    try {
      const noLogin = await runCliInProcess(['mcp']);
      expect(noLogin.code).toBe(2);
      expect(noLogin.stderr).toContain('or sign in with peakform login');
    } finally {
      process.env.PEAKFORM_CONFIG_DIR = configDir;
    }
  }, 120_000);

  it('`login` stores nothing when the athlete denies access, and says so', async () => {
    await server.engine.identity.accounts.signUp({ email: 'bob@example.org', password: PASSWORD });
    const before = await readFile(credentialsFile(), 'utf8');
    const opened = join(root, 'opened-deny');
    const opener = join(root, 'fake-browser-deny.sh');
    await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await chmod(opener, 0o755);
    process.env.BROWSER = opener;
    try {
      const login = runCliInProcess(['login', '--server', server.url]);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(await waitForFile(opened));
        await page.getByLabel('Email').fill('bob@example.org');
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('button', { name: 'Deny' }).click();
        const result = await login;
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/Sign-in refused: access_denied.*; nothing was stored\./);
      } finally {
        await context.close();
      }
    } finally {
      delete process.env.BROWSER;
    }
    expect(await readFile(credentialsFile(), 'utf8')).toBe(before);
  }, 120_000);

  it("says to sign in again when the athlete revoked the CLI's access at the server", async () => {
    const stored = await readStored();
    // As the athlete does under /account: the grant, its refresh token and access tokens end.
    expect(await server.engine.identity.revokeApp(userId, stored.client_id)).toBe(true);
    const result = await runCliInProcess(['activities', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /no longer accepts the stored sign-in .*invalid_grant.*Sign in again with peakform login/,
    );
    expect(result.stderr).not.toContain(stored.refresh_token);
    expect(result.stderr).not.toContain(stored.access_token);
    expect((await runCliInProcess(['whoami'])).code).toBe(1);
  });
  // Last: these also run the local data dir's thresholds and dailies, whose changes schedule a
  // background re-derivation; with a personal key, so they need no stored login.
  it('`thresholds set|list --server` answer what the local data dir answers', async () => {
    const set = [
      'thresholds',
      'set',
      '--sport',
      'cycling',
      '--from',
      '2024-01-01',
      '--ftp',
      '250',
      '--weight',
      '61',
    ];
    const key = await server.tokenFor(userId);
    const remote = await runCliInProcess([...set, '--server', server.url, '--token', key]);
    const local = await runCliInProcess([...set, '--data', localData, '--athlete', userId]);
    expect(remote.code).toBe(0);
    expect(remote.stdout).toBe(local.stdout);
    expect(JSON.parse(remote.stdout)).toMatchObject({ sport: 'cycling', ftp_w: 250, weight_kg: 61 });
    const listed = await runCliInProcess(['thresholds', 'list', '--server', server.url, '--token', key]);
    expect(listed.stdout).toBe(
      (await runCliInProcess(['thresholds', 'list', '--data', localData, '--athlete', userId])).stdout,
    );
  });

  it('`dailies import --server` stores what a local import stores and rejects the same lines', async () => {
    const csv = join(root, 'dailies.csv');
    await writeFile(
      csv,
      'date,measure,value\n2024-05-01,body_mass,61.5\n2024-05-02,hrv,\n2024-05-02,resting_hr,44\nnot-a-date,hrv,60\n',
    );
    const key = await server.tokenFor(userId);
    const remote = await runCliInProcess(['dailies', 'import', '--server', server.url, '--token', key, csv]);
    const local = await runCliInProcess(['dailies', 'import', '--data', localData, '--athlete', userId, csv]);
    expect(remote).toEqual(local);
    expect(remote.code).toBe(1);
    expect(remote.stdout).toBe('2 value(s) stored, 0 kept as entered manually, 2 line(s) rejected.\n');
    expect(remote.stderr).toContain(`${csv}:3: the value is not a number`);
    const stored = await fetch(`${server.url}/api/v1/dailies/body_mass?start=2024-05-01&end=2024-05-01`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await stored.json()).toEqual([
      { date: '2024-05-01', value: 61.5, status: 'stored', source: 'manual' },
    ]);
    const source = await runCliInProcess([
      'dailies',
      'import',
      '--source',
      'wahoo',
      '--server',
      server.url,
      '--token',
      key,
      csv,
    ]);
    expect(source.code).toBe(2);
    expect(source.stderr).toContain('--source wahoo works on a local data dir only');
  });
});

/** `peakform login` as a child process: the authorize URL as soon as it prints it, and its exit code. */
function spawnLogin(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'login', ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const printed = new Promise<string>((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const match = stderr.match(/(http:\/\/\S+\/oauth\/authorize\?\S+)/);
      if (match) resolve(match[1]!);
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    url: Promise.race([printed, exited.then(() => Promise.reject(new Error(`login exited: ${stderr}`)))]),
    exited,
    output: () => ({ stdout, stderr }),
  };
}

async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${path} never appeared`);
}

/** The URL of a loopback port nothing listens on. */
async function closedPort(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** A web server that is not Peakform: 404 for everything. */
async function withPlainServer<T>(run: (url: string) => Promise<T>): Promise<T> {
  const plain: Server = createServer((_request, response) => response.writeHead(404).end('not here'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  try {
    return await run(`http://127.0.0.1:${(plain.address() as { port: number }).port}`);
  } finally {
    await new Promise((resolve) => plain.close(resolve));
  }
}
