import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAdmin } from '../../src/cli/admin/requests.ts';
import { Engine } from '../../src/engine/engine.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/test-server.ts';

/** `peakform backup`: a consistent copy of a data dir in use, which is itself a data dir. */
describe('backup of a data dir in use', () => {
  let server: TestServer;
  let root: string;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    root = await makeTempDir('peakform-backup-');
    token = await server.tokenFor('ann');
    for (let day = 1; day <= 3; day++) {
      await server.engine.sources.ingest(
        'ann',
        csvRide({ startIso: `2024-04-0${day}T07:00:00Z`, durationS: 600 }),
        { fileName: `ride-${day}.csv` },
      );
    }
    const [doomed] = await server.engine.activities.list('ann', { limit: 1, offset: 0 });
    await server.engine.activities.delete('ann', doomed!.id);
    await server.engine.dailies.set('ann', 'body_mass', '2024-04-01', 71.5);
    await recomputeSettled(server.engine);
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('copies the catalog and its files while writes go on, and the copy opens as a consistent data dir', async () => {
    const target = join(root, 'copy');
    // An upload racing the backup lands wholly before or wholly after it.
    const [summary] = await Promise.all([
      executeAdmin(server.engine, { op: 'store.backup', target }) as Promise<{
        files: number;
        linked: number;
      }>,
      server.engine.sources.ingest('ann', csvRide({ startIso: '2024-04-05T07:00:00Z', durationS: 600 }), {
        fileName: 'racing.csv',
      }),
    ]);
    expect(summary.files).toBeGreaterThan(0);
    expect(summary.linked).toBe(summary.files);
    expect(await readdir(target)).not.toContain('admin.sock');

    const restored = await Engine.open({ dataDir: target, decodeWorkers: 0 });
    try {
      await recomputeSettled(restored);
      expect(await restored.checkConsistency()).toEqual([]);
      const copied = await restored.activities.list('ann', { limit: 100, offset: 0 });
      const live = await server.engine.activities.list('ann', { limit: 100, offset: 0 });
      expect([2, 3]).toContain(copied.length);
      expect(live.map((a) => a.id)).toEqual(expect.arrayContaining(copied.map((a) => a.id)));
      // The deleted activity stays deleted, dailies and the signing keys came along.
      expect(
        (await restored.dailies.list('ann', 'body_mass', { start: '2024-04-01', end: '2024-04-01' }))[0],
      ).toMatchObject({ value: 71.5, status: 'stored' });
      expect((await restored.tokens.verify(token)).athleteId).toBe('ann');
      // Each copied activity reads back as the original does, laps and derived metrics included.
      for (const { id } of copied) {
        expect(await restored.activities.get('ann', id)).toEqual(
          await server.engine.activities.get('ann', id),
        );
      }
    } finally {
      restored.close();
    }
  });

  it('refuses a folder that is not empty, and says so on the command line', async () => {
    const busy = join(root, 'busy');
    await rm(busy, { recursive: true, force: true });
    await executeAdmin(server.engine, { op: 'store.backup', target: busy });
    await expect(executeAdmin(server.engine, { op: 'store.backup', target: busy })).rejects.toMatchObject({
      code: 'ERR_BACKUP_TARGET',
    });
    const dataDir = await makeTempDir('peakform-backup-cli-');
    try {
      await writeFile(join(root, 'note.txt'), 'not empty');
      const refused = await runCliInProcess(['backup', '--data', dataDir, '--out', root]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('ERR_BACKUP_TARGET');
      expect((await runCliInProcess(['backup', '--data', dataDir])).code).toBe(2);
      const done = await runCliInProcess([
        'backup',
        '--data',
        dataDir,
        '--out',
        join(dataDir, '..', 'fresh-copy'),
      ]);
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(/^backed up to .*fresh-copy: \d+ files/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await rm(join(dataDir, '..', 'fresh-copy'), { recursive: true, force: true });
    }
  });
});

/** Waits out the background re-derivation a body-mass daily asks for. */
async function recomputeSettled(engine: Engine): Promise<void> {
  for (;;) {
    const { state } = engine.metabolicProfile.recomputeStatus('ann');
    if (state !== 'scheduled' && state !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
