import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

const ENGINE = resolve(import.meta.dirname, '../../src/engine/engine.ts');

/** Runs TypeScript in a child process that ends itself with SIGKILL: no close, no checkpoint. */
async function runThenKill(script: string, dir: string): Promise<void> {
  const path = join(dir, 'child.mts');
  await writeFile(path, `${script}\nprocess.kill(process.pid, 'SIGKILL');\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', path], { stdio: 'inherit' });
  const signal = await new Promise((done) => child.on('close', (_code, s) => done(s)));
  expect(signal).toBe('SIGKILL');
}

describe('recompute and delete across a kill -9', () => {
  let root: string;
  let dataDir: string;
  const ids: string[] = [];

  beforeAll(async () => {
    root = await makeTempDir('peakform-recompute-crash-');
    dataDir = join(root, 'data');
    const engine = await Engine.open({ dataDir });
    for (let i = 0; i < 6; i++) {
      const bytes = csvRide({ startIso: `2024-03-0${i + 1}T07:00:00Z`, durationS: 900 });
      ids.push(...(await engine.sources.ingest('rex', bytes, { fileName: `r${i}.csv` })).activity_ids);
    }
    engine.close();
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('opens, recomputes and keeps deleted activities deleted after a process died right after a recompute', async () => {
    // The child deletes one activity, recomputes everything (rows deleted and written again under
    // the same keys) and dies before any checkpoint: the catalog's WAL holds all of it.
    await runThenKill(
      `import { Engine } from ${JSON.stringify(ENGINE)};
       const engine = await Engine.open({ dataDir: ${JSON.stringify(dataDir)} });
       await engine.activities.delete('rex', ${JSON.stringify(ids[0])});
       await engine.sources.recompute('rex');`,
      root,
    );
    const engine = await Engine.open({ dataDir });
    try {
      const listed = async () =>
        (await engine.activities.list('rex', { limit: 100, offset: 0 })).map((a) => a.id);
      expect((await listed()).sort()).toEqual(ids.slice(1).sort());
      const totals = await engine.sources.recompute('rex');
      expect(totals).toMatchObject({ sources: 6, activities: 5, failed: 0 });
      expect((await listed()).sort()).toEqual(ids.slice(1).sort());
      // Uploading the deleted activity's file again restores it.
      const again = await engine.sources.ingest(
        'rex',
        csvRide({ startIso: '2024-03-01T07:00:00Z', durationS: 900 }),
        {
          fileName: 'r0.csv',
        },
      );
      expect(again).toMatchObject({ duplicate: false, activity_ids: [ids[0]] });
      expect((await listed()).sort()).toEqual([...ids].sort());
      expect(await engine.checkConsistency()).toEqual([]);
    } finally {
      engine.close();
    }
  });

  it('recomputes a data dir whose last process died right after ingesting', async () => {
    const fresh = join(root, 'fresh');
    await runThenKill(
      `import { Engine } from ${JSON.stringify(ENGINE)};
       import { csvRide } from ${JSON.stringify(resolve(import.meta.dirname, '../helpers/csv-activity.ts'))};
       const engine = await Engine.open({ dataDir: ${JSON.stringify(fresh)} });
       for (let i = 0; i < 4; i++) {
         await engine.sources.ingest('kim', csvRide({ startIso: \`2024-04-0\${i + 1}T07:00:00Z\`, durationS: 600 }), { fileName: 'k.csv' });
       }`,
      root,
    );
    const engine = await Engine.open({ dataDir: fresh });
    try {
      expect(await engine.sources.recompute('kim')).toMatchObject({ sources: 4, activities: 4, failed: 0 });
      expect(await engine.activities.count('kim', {})).toBe(4);
    } finally {
      engine.close();
    }
  });
});
