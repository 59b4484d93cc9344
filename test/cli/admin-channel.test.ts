import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminSocket } from '../../src/cli/admin/admin-socket.ts';
import { Engine } from '../../src/engine/engine.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/**
 * Issue 8 item 7: while `peakform serve` holds a data dir, the CLI's commands run inside it
 * through the admin socket, with the same output and exit codes as on their own.
 */

const FIXTURE = resolve(import.meta.dirname, '../../data/fixtures/ride-short.csv');

interface Exchange {
  // biome-ignore lint/suspicious/noExplicitAny: responses are checked by assertions
  lines: any[];
  closed: boolean;
}

/**
 * Writes raw bytes to a socket and collects answer lines until `count` arrive (then hangs up) or
 * the server closes the connection (`count` Infinity waits for that).
 */
function exchange(path: string, payload: string, count: number): Promise<Exchange> {
  return new Promise((done) => {
    const socket = connect(path);
    const result: Exchange = { lines: [], closed: false };
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      buffer += text;
      for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
        result.lines.push(JSON.parse(buffer.slice(0, i)));
        buffer = buffer.slice(i + 1);
      }
      if (result.lines.length >= count) {
        socket.end();
        done(result);
      }
    });
    socket.on('error', () => {
      // A refused oversized write resets the connection; 'close' follows.
    });
    socket.on('close', () => {
      result.closed = true;
      done(result);
    });
    socket.write(payload);
  });
}

describe('the CLI beside a running server on the same data dir', () => {
  let root: string;
  let dataDir: string;
  let server: ChildProcess;
  let url: string;
  const remote: Record<string, string> = {};

  beforeAll(async () => {
    root = await makeTempDir('peakform-admin-');
    dataDir = join(root, 'data');
    await writeFile(join(root, 'bad.fit'), randomBytes(2000));
    await writeFile(
      join(root, 'dailies.csv'),
      'date,measure,value\n2024-03-01,body_mass,70.5\n2024-03-02,nope,1\n',
    );
    server = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolvePromise, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        const match = chunk.toString().match(/Peakform API on (http:\/\/\S+)/);
        if (match) resolvePromise(match[1]!.replace('localhost', '127.0.0.1'));
      });
      server.on('exit', () => reject(new Error('the server exited')));
    });
  });
  afterAll(async () => {
    server.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli([...args, '--data', dataDir]);

  it('opens a socket in the data dir that only its user may use', async () => {
    const info = await lstat(join(dataDir, 'admin.sock'));
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('creates, lists and revokes API keys inside the server, which honours them at once', async () => {
    const created = await cli('token', 'create', '--json', '--athlete', 'eve', '--name', 'laptop');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; token: string; athlete_id: string };
    expect(key.athlete_id).toBe('eve');
    const auth = { authorization: `Bearer ${key.token}` };
    expect((await fetch(`${url}/api/v1/activities/`, { headers: auth })).status).toBe(200);

    const [listed, plain] = await Promise.all([
      cli('token', 'list', '--json', '--athlete', 'eve'),
      cli('token', 'list', '--athlete', 'eve'),
    ]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: key.id, name: 'laptop' })]);
    expect(plain.stdout).toMatch(new RegExp(`^${key.id}\\tpersonal\\tlaptop\\t`));

    const revoked = await cli('token', 'revoke', '--athlete', 'eve', key.id);
    expect([revoked.code, revoked.stdout]).toEqual([0, `revoked ${key.id}\n`]);
    expect((await fetch(`${url}/api/v1/activities/`, { headers: auth })).status).toBe(401);

    const unknown = await cli('token', 'revoke', '--athlete', 'eve', 'tok_nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('(ERR_TOKEN_NOT_FOUND)');
  });

  it('ingests, lists, sets thresholds, recomputes, imports dailies and checks through the server', async () => {
    const [ingest, bad, thresholds, dailies] = await Promise.all([
      cli('ingest', '--json', '--athlete', 'eve', FIXTURE),
      cli('ingest', '--athlete', 'eve', join(root, 'bad.fit')),
      cli(
        'thresholds',
        'set',
        '--athlete',
        'eve',
        '--sport',
        'cycling',
        '--from',
        '2020-01-01',
        '--ftp',
        '250',
      ),
      cli('dailies', 'import', '--athlete', 'eve', join(root, 'dailies.csv')),
    ]);
    expect(ingest.code).toBe(0);
    const source = JSON.parse(ingest.stdout);
    expect(source).toMatchObject({
      file: FIXTURE,
      status: 'processed',
      duplicate: false,
      filename: 'ride-short.csv',
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad.fit');
    expect(bad.stdout).toBe('0 file(s) ingested (0 activities), 0 already present, 1 failed.\n');
    expect(thresholds.code).toBe(0);
    expect(JSON.parse(thresholds.stdout)).toMatchObject({ sport: 'cycling', ftp_w: 250 });
    expect(dailies.code).toBe(1);
    expect(dailies.stdout).toBe('1 value(s) stored, 0 kept as entered manually, 1 line(s) rejected.\n');
    expect(dailies.stderr).toContain('dailies.csv:3');

    const again = await cli('ingest', '--athlete', 'eve', FIXTURE);
    expect([again.code, again.stdout]).toEqual([
      0,
      '0 file(s) ingested (0 activities), 1 already present, 0 failed.\n',
    ]);

    const recompute = await cli('recompute', '--json', '--athlete', 'eve');
    const totals = JSON.parse(recompute.stdout) as { activities: number; failed: number };
    expect(totals.activities).toBe(1);
    expect(recompute.code).toBe(totals.failed > 0 ? 1 : 0);
    remote.recompute = recompute.stdout;

    const [table, lines, thresholdList, check] = await Promise.all([
      cli('activities', 'list', '--athlete', 'eve'),
      cli('activities', 'list', '--json', '--athlete', 'eve'),
      cli('thresholds', 'list', '--athlete', 'eve'),
      cli('check'),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(source.activity_ids[0]);
    expect(table.stdout).toContain('cycling.road');
    expect(
      lines.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(source.activity_ids);
    remote.activities = lines.stdout;
    remote.thresholds = thresholdList.stdout;
    expect([check.code, check.stdout]).toEqual([0, `${dataDir}: consistent\n`]);
  });

  it('answers a bad request line with an error and keeps serving', async () => {
    const path = join(dataDir, 'admin.sock');
    const answers = await exchange(
      path,
      [
        'not json',
        '[1,2]',
        JSON.stringify({ id: 1, request: { op: 'frob' } }),
        JSON.stringify({ id: 2, request: { op: 'tokens.list' } }),
        JSON.stringify({
          id: 3,
          request: { op: 'sources.ingest', athleteId: 'eve', path: 'rel.csv', fileName: 'x' },
        }),
        JSON.stringify({
          id: 4,
          request: { op: 'dailies.import', athleteId: 'eve', path: root, source: 'manual' },
        }),
        JSON.stringify({ id: 'five', request: { op: 'tokens.list', athleteId: 'eve' } }),
        '',
      ].join('\n'),
      7,
    );
    expect(answers.lines.map((l) => [l.id, l.ok, l.error?.code])).toEqual([
      [null, false, 'ERR_REQUEST_INVALID'],
      [null, false, 'ERR_REQUEST_INVALID'],
      [1, false, 'ERR_REQUEST_INVALID'],
      [2, false, 'ERR_REQUEST_INVALID'],
      [3, false, 'ERR_REQUEST_INVALID'],
      [4, false, 'ERR_REQUEST_INVALID'],
      ['five', true, undefined],
    ]);
    expect(answers.lines[3].error.message).toContain('athleteId');
    expect(answers.lines[4].error.message).toContain('absolute path');
    expect(JSON.stringify(answers.lines)).not.toMatch(/\n\s+at /);
    expect(answers.lines[6].result).toHaveLength(1);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('closes a connection whose line is too long and keeps serving', async () => {
    const path = join(dataDir, 'admin.sock');
    const answers = await exchange(path, 'x'.repeat(1024 * 1024 + 10), Number.POSITIVE_INFINITY);
    expect(answers.closed).toBe(true);
    expect(answers.lines.map((l) => l.error.code)).toEqual(['ERR_REQUEST_TOO_LARGE']);
    const after = await exchange(path, `${JSON.stringify({ id: 1, request: { op: 'check' } })}\n`, 1);
    expect(after.lines).toEqual([{ id: 1, ok: true, result: { problems: [] } }]);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('removes its socket when it stops; the commands then print the same in-process', async () => {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await exited;
    await expect(access(join(dataDir, 'admin.sock'))).rejects.toThrow();
    const activities = await cli('activities', 'list', '--json', '--athlete', 'eve');
    expect([activities.code, activities.stdout]).toEqual([0, remote.activities]);
    const thresholds = await cli('thresholds', 'list', '--athlete', 'eve');
    expect([thresholds.code, thresholds.stdout]).toEqual([0, remote.thresholds]);
    expect((await cli('recompute', '--json', '--athlete', 'eve')).stdout).toBe(remote.recompute);
  });
});

describe('the CLI without a live server', () => {
  it('runs in-process when the socket file is stale', async () => {
    const root = await makeTempDir('peakform-admin-stale-');
    const dataDir = join(root, 'data');
    try {
      await mkdir(dataDir);
      // A server that died without cleaning up: its socket file stays, nobody listens.
      const child = spawn(process.execPath, [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(join(dataDir, 'admin.sock'))}, () => process.kill(process.pid, 'SIGKILL'))`,
      ]);
      await new Promise((done) => child.once('exit', done));
      expect((await lstat(join(dataDir, 'admin.sock'))).isSocket()).toBe(true);
      const created = await runCli(['token', 'create', '--data', dataDir, '--athlete', 'eve']);
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^eyJ/);
      const check = await runCli(['check', '--data', dataDir]);
      expect([check.code, check.stdout]).toEqual([0, `${dataDir}: consistent\n`]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('names the holder of a locked data dir; a long data dir path gets its socket under tmp', async () => {
    const root = await makeTempDir('peakform-admin-long-');
    const dataDir = join(root, 'a'.repeat(80), 'data');
    await mkdir(dataDir, { recursive: true });
    const engine = await Engine.open({ dataDir, decodeWorkers: 0 });
    try {
      // This process holds the data dir and has no admin socket yet.
      const locked = await runCli(['token', 'list', '--data', dataDir, '--athlete', 'eve']);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain(`held by process ${process.pid}`);
      expect(locked.stderr).toContain('(ERR_STORE_LOCKED)');
      expect(locked.stderr).not.toMatch(/\n\s+at /);

      const socket = await openAdminSocket(engine, dataDir);
      try {
        expect(dirname(socket.path)).not.toBe(dataDir);
        expect((await readFile(join(dataDir, 'admin.sock.path'), 'utf8')).trim()).toBe(socket.path);
        expect((await lstat(socket.path)).mode & 0o777).toBe(0o600);
        const created = await runCli(['token', 'create', '--json', '--data', dataDir, '--athlete', 'eve']);
        expect(created.code).toBe(0);
        expect((await engine.tokens.list('eve')).map((t) => t.id)).toEqual([JSON.parse(created.stdout).id]);
      } finally {
        socket.close();
      }
      await expect(access(socket.path)).rejects.toThrow();
      await expect(access(join(dataDir, 'admin.sock.path'))).rejects.toThrow();
    } finally {
      engine.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
