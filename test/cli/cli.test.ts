import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

describe('peakform CLI', () => {
  let root: string;
  let dataDir: string;

  beforeAll(async () => {
    root = await makeTempDir('peakform-cli-');
    dataDir = join(root, 'data');
    await mkdir(join(root, 'in', 'nested'), { recursive: true });
    await writeFile(join(root, 'in', 'a.csv'), csvRide({ startIso: '2024-04-01T07:00:00Z', durationS: 120 }));
    await writeFile(
      join(root, 'in', 'nested', 'b.csv'),
      csvRide({ startIso: '2024-04-02T07:00:00Z', durationS: 60, sport: 'running' }),
    );
    await writeFile(join(root, 'bad.fit'), randomBytes(1000));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('prints help', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('peakform ingest');
    expect(result.stdout).toContain('peakform serve');
  });

  it('ingests folders recursively and prints one JSON result per file', async () => {
    const result = await runCliInProcess([
      'ingest',
      '--json',
      '--data',
      dataDir,
      '--athlete',
      'eve',
      join(root, 'in'),
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.status)).toEqual(['processed', 'processed']);
    expect(lines.map((l) => l.duplicate)).toEqual([false, false]);
    // Only the file name is kept as the source's filename, never its directories.
    expect(lines.map((l) => l.filename).sort()).toEqual(['a.csv', 'b.csv']);
    expect(lines.map((l) => l.type)).toEqual(['csv', 'csv']);
    const again = await runCliInProcess([
      'ingest',
      '--json',
      '--data',
      dataDir,
      '--athlete',
      'eve',
      join(root, 'in'),
    ]);
    const againLines = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(againLines.map((l) => [l.status, l.duplicate])).toEqual([
      ['processed', true],
      ['processed', true],
    ]);
    expect(againLines.map((l) => l.activity_ids)).toEqual(lines.map((l) => l.activity_ids));
  });

  it('exits non-zero with a message when a file could not be ingested at all', async () => {
    const result = await runCli(['ingest', '--data', dataDir, '--athlete', 'eve', join(root, 'bad.fit')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.fit');
  });

  it('lists activities newest first, filtered by sport', async () => {
    const all = await runCliInProcess(['activities', 'list', '--data', dataDir, '--athlete', 'eve']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/2024-04-02 [\s\S]*2024-04-01/);
    const runs = await runCliInProcess([
      'activities',
      'list',
      '--json',
      '--data',
      dataDir,
      '--athlete',
      'eve',
      '--sport',
      'running',
    ]);
    expect(
      runs.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).sport),
    ).toEqual(['running']);
  });

  it('creates, lists and revokes a token', async () => {
    const result = await runCliInProcess([
      'token',
      'create',
      '--json',
      '--data',
      dataDir,
      '--athlete',
      'eve',
      '--name',
      'laptop',
      '--scope',
      'data:read',
    ]);
    expect(result.code).toBe(0);
    const created = JSON.parse(result.stdout);
    expect(created).toMatchObject({
      athlete_id: 'eve',
      scopes: ['data:read'],
      // A personal API key is an RS256 JWT: header.payload.signature.
      token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(JSON.parse(Buffer.from(created.token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'RS256',
    });
    const plain = await runCliInProcess(['token', 'create', '--data', dataDir, '--athlete', 'eve']);
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim()).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);

    const listed = async () =>
      JSON.parse(
        (await runCliInProcess(['token', 'list', '--json', '--data', dataDir, '--athlete', 'eve'])).stdout,
      ) as { id: string; name: string | null; revokedAt: string | null }[];
    const before = await listed();
    expect(before).toHaveLength(2);
    expect(before.find((t) => t.id === created.id)).toMatchObject({ name: 'laptop', revokedAt: null });
    expect(JSON.stringify(before)).not.toContain(created.token);

    const revoke = await runCliInProcess([
      'token',
      'revoke',
      '--data',
      dataDir,
      '--athlete',
      'eve',
      created.id,
    ]);
    expect(revoke.code).toBe(0);
    expect((await listed()).find((t) => t.id === created.id)?.revokedAt).toMatch(/Z$/);
    const unknown = await runCliInProcess([
      'token',
      'revoke',
      '--data',
      dataDir,
      '--athlete',
      'eve',
      'tok_nope',
    ]);
    expect(unknown.code).not.toBe(0);
    expect((await runCliInProcess(['token', 'frob', '--data', dataDir, '--athlete', 'eve'])).code).toBe(2);
  });

  it('rejects usage mistakes with exit code 2 and a message', async () => {
    expect((await runCliInProcess(['ingest', '--data', dataDir, join(root, 'in')])).code).toBe(2);
    expect(
      (await runCliInProcess(['ingest', '--data', dataDir, '--athlete', 'eve', join(root, 'missing')])).code,
    ).toBe(2);
    const badDate = await runCliInProcess([
      'activities',
      'list',
      '--data',
      dataDir,
      '--athlete',
      'eve',
      '--start',
      '2024-99-01',
    ]);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--start');
    expect((await runCliInProcess(['frobnicate'])).code).toBe(2);
    const badAthlete = await runCliInProcess(['token', 'create', '--data', dataDir, '--athlete', '../etc']);
    expect(badAthlete.code).toBe(1);
    expect(badAthlete.stderr).toContain('athlete id');
  });
});

describe('peakform thresholds and recompute', () => {
  it('sets thresholds and re-derives stored activities with them', async () => {
    const root = await makeTempDir('peakform-cli-thresholds-');
    const dataDir = join(root, 'data');
    try {
      await writeFile(
        join(root, 'ride.csv'),
        csvRide({ startIso: '2024-04-01T07:00:00Z', durationS: 600, powerW: () => 200 }),
      );
      expect(
        (await runCliInProcess(['ingest', '--data', dataDir, '--athlete', 'fay', join(root, 'ride.csv')]))
          .code,
      ).toBe(0);
      const before = JSON.parse(
        (await runCliInProcess(['activities', 'list', '--json', '--data', dataDir, '--athlete', 'fay']))
          .stdout,
      );
      expect(before.analysis.tss).toBeNull();
      const set = await runCliInProcess([
        'thresholds',
        'set',
        '--data',
        dataDir,
        '--athlete',
        'fay',
        '--sport',
        'cycling',
        '--from',
        '2024-01-01',
        '--ftp',
        '250',
      ]);
      expect(set.code).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({
        sport: 'cycling',
        effective_from: '2024-01-01',
        ftp_w: 250,
      });
      const bad = await runCliInProcess([
        'thresholds',
        'set',
        '--data',
        dataDir,
        '--athlete',
        'fay',
        '--sport',
        'cycling',
        '--from',
        'soon',
        '--ftp',
        '-5',
      ]);
      expect(bad.code).toBe(2);
      const recompute = await runCliInProcess(['recompute', '--json', '--data', dataDir, '--athlete', 'fay']);
      expect(JSON.parse(recompute.stdout)).toEqual({ sources: 1, activities: 1, failed: 0 });
      const after = JSON.parse(
        (await runCliInProcess(['activities', 'list', '--json', '--data', dataDir, '--athlete', 'fay']))
          .stdout,
      );
      expect(after.id).toBe(before.id);
      // 600 s at 200 W with FTP 250: IF 0.8, TSS = (600/3600) × 0.8² × 100.
      expect(after.analysis.tss).toBeCloseTo((600 / 3600) * 0.64 * 100, 6);
      expect(after.analysis.thresholds.ftp_w).toBe(250);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
