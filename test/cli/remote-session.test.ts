import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/cli-error.ts';
import { RemoteError } from '../../src/cli/remote/remote-error.ts';
import {
  configDir,
  credentialsPath,
  deleteCredentials,
  normalizeServer,
  openRemote,
  readCredentials,
  writeCredentials,
} from '../../src/cli/remote/session.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { makeTempDir } from '../helpers/test-server.ts';

const ENV = ['PEAKFORM_CONFIG_DIR', 'XDG_CONFIG_HOME', 'PEAKFORM_SERVER', 'PEAKFORM_TOKEN', 'PEAKFORM_DATA'];
const STORED = {
  server: 'http://127.0.0.1:9001',
  client_id: '5382f68b0d254378',
  access_token: 'stored-access',
  refresh_token: 'stored-refresh',
  expires_at: Date.now() + 3_600_000,
};

/** Where a data command runs, decided by flags, environment and the stored login (no server needed). */
describe('the CLI remote session', () => {
  let root: string;
  const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    root = await makeTempDir('peakform-session-');
  });
  afterEach(async () => {
    for (const name of ENV) delete process.env[name];
    process.env.PEAKFORM_CONFIG_DIR = join(root, 'config');
    await deleteCredentials();
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(root, { recursive: true, force: true });
  });
  const signedIn = async () => {
    process.env.PEAKFORM_CONFIG_DIR = join(root, 'config');
    await writeCredentials(STORED);
  };

  it('keeps the credentials under $PEAKFORM_CONFIG_DIR, else $XDG_CONFIG_HOME/peakform, else ~/.config/peakform', () => {
    for (const name of ENV) delete process.env[name];
    expect(configDir()).toBe(join(homedir(), '.config', 'peakform'));
    process.env.XDG_CONFIG_HOME = '/xdg';
    expect(configDir()).toBe('/xdg/peakform');
    process.env.PEAKFORM_CONFIG_DIR = '/explicit';
    expect(credentialsPath()).toBe('/explicit/credentials.json');
  });

  it('writes the credentials with mode 600 and reads them back', async () => {
    await signedIn();
    expect((await stat(credentialsPath())).mode & 0o777).toBe(0o600);
    expect(await readCredentials()).toEqual(STORED);
    expect(await deleteCredentials()).toBe(true);
    expect(await readCredentials()).toBeUndefined();
    expect(await deleteCredentials()).toBe(false);
  });

  it('works locally without flags, environment or login, and always with --data', async () => {
    process.env.PEAKFORM_CONFIG_DIR = join(root, 'config');
    await expect(openRemote({})).resolves.toBeUndefined();
    await signedIn();
    await expect(openRemote({ data: join(root, 'data') })).resolves.toBeUndefined();
    process.env.PEAKFORM_DATA = join(root, 'data');
    await expect(openRemote({})).resolves.toBeUndefined();
  });

  it('uses the stored login when nothing else names a place, and --token at its server', async () => {
    await signedIn();
    expect(await openRemote({})).toMatchObject({ server: STORED.server, via: 'login' });
    expect(await openRemote({ server: `${STORED.server}/` })).toMatchObject({ via: 'login' });
    expect(await openRemote({ token: 'key' })).toMatchObject({ server: STORED.server, via: 'token' });
  });

  it('uses --server with --token, or $PEAKFORM_SERVER with $PEAKFORM_TOKEN, before the login and $PEAKFORM_DATA', async () => {
    await signedIn();
    process.env.PEAKFORM_DATA = join(root, 'data');
    expect(await openRemote({ server: 'http://other:8787/', token: 'key' })).toMatchObject({
      server: 'http://other:8787',
      via: 'token',
    });
    process.env.PEAKFORM_SERVER = 'https://env.example.org';
    process.env.PEAKFORM_TOKEN = 'env-key';
    expect(await openRemote({})).toMatchObject({ server: 'https://env.example.org', via: 'token' });
  });

  it('refuses contradictions with a message that says what to do', async () => {
    await expect(openRemote({ data: 'd', server: 'http://a:1' })).rejects.toThrow(UsageError);
    await expect(openRemote({ data: 'd', token: 't' })).rejects.toThrow(/Pick one/);
    await expect(openRemote({ token: 't' })).rejects.toThrow(/add --server URL/);
    await expect(openRemote({ server: 'http://a:1', token: '' })).rejects.toThrow(
      new UsageError('--token is empty.'),
    );
    process.env.PEAKFORM_SERVER = '';
    await expect(openRemote({})).resolves.toBeUndefined();
    await expect(openRemote({ server: 'http://a:1' })).rejects.toThrow(
      new RemoteError(
        'Not signed in to http://a:1: run peakform login --server http://a:1, or pass --token.',
      ),
    );
    await signedIn();
    await expect(openRemote({ server: 'http://a:1' })).rejects.toThrow(
      `Signed in to ${STORED.server}, not http://a:1`,
    );
  });

  it('reports a damaged credentials file by its path', async () => {
    process.env.PEAKFORM_CONFIG_DIR = join(root, 'config');
    await mkdir(configDir(), { recursive: true });
    await writeFile(credentialsPath(), '{"server": "not a url"');
    await expect(openRemote({})).rejects.toThrow(
      new RemoteError(
        `${credentialsPath()} is not a Peakform credentials file; delete it or run peakform login again.`,
      ),
    );
  });

  it('`logout` deletes the credentials and warns when their server cannot be told', async () => {
    process.env.PEAKFORM_CONFIG_DIR = join(root, 'config');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise((resolve) => probe.close(resolve));
    await writeCredentials({ ...STORED, server: closed });
    const result = await runCliInProcess(['logout']);
    expect(result).toMatchObject({ code: 0, stdout: `Signed out of ${closed}.\n` });
    expect(result.stderr).toContain(`warning: ${closed} was not told: Cannot reach ${closed} (ECONNREFUSED)`);
    expect(result.stderr).not.toContain(STORED.refresh_token);
    expect(await readCredentials()).toBeUndefined();
  });

  it('accepts http and https server URLs only', () => {
    expect(normalizeServer('http://h:1/')).toBe('http://h:1');
    expect(normalizeServer('https://h.example/peakform/')).toBe('https://h.example/peakform');
    expect(() => normalizeServer('localhost:8787')).toThrow(/http or https URL/);
    expect(() => normalizeServer('not a url')).toThrow(/must be a URL such as http:\/\/localhost:8787/);
  });
});
