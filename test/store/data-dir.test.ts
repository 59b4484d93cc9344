import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PeakformError } from '../../src/domain/errors.ts';
import { Engine } from '../../src/engine/engine.ts';
import { Store } from '../../src/store/store.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

describe('a data dir is Peakform’s alone', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('refuses a second open in the same process, which DuckDB would allow and the catalog would not survive', async () => {
    const dataDir = await makeTempDir('peakform-twice-');
    dirs.push(dataDir);
    const first = await Engine.open({ dataDir, decodeWorkers: 0 });
    await first.sources.ingest('ann', csvRide({ startIso: '2024-03-01T08:00:00Z', durationS: 60 }), {
      fileName: 'ride.csv',
    });
    const second = await Engine.open({ dataDir: `${dataDir}/.`, decodeWorkers: 0 }).catch(
      (error: unknown) => error,
    );
    expect(second).toBeInstanceOf(PeakformError);
    expect((second as PeakformError).code).toBe('ERR_STORE_LOCKED');
    expect(await first.activities.count('ann', {})).toBe(1);
    first.close();
    // Closed, the data dir opens again, intact.
    const again = await Engine.open({ dataDir, decodeWorkers: 0 });
    expect(await again.activities.count('ann', {})).toBe(1);
    again.close();
  });

  it('refuses a folder that holds other files and no catalog, and leaves it untouched', async () => {
    const home = await makeTempDir('peakform-home-');
    dirs.push(home);
    await writeFile(join(home, 'notes.txt.tmp-1-deadbeef'), 'my notes');
    await mkdir(join(home, 'projects'));
    await writeFile(join(home, 'projects', 'draft.tmp-42-0123abcd'), 'a draft');
    const error = await Store.open(home).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeakformError);
    expect((error as PeakformError).code).toBe('ERR_DATA_DIR_FOREIGN');
    expect((await readdir(home)).sort()).toEqual(['notes.txt.tmp-1-deadbeef', 'projects']);
    expect(await readFile(join(home, 'projects', 'draft.tmp-42-0123abcd'), 'utf8')).toBe('a draft');
  });

  it('removes only its own temporaries, inside its own folders, and keeps anything else beside the catalog', async () => {
    const dataDir = await makeTempDir('peakform-own-');
    dirs.push(dataDir);
    (await Store.open(dataDir)).close();
    await writeFile(join(dataDir, 'README.tmp-1-deadbeef'), 'kept: not in a Peakform folder');
    await mkdir(join(dataDir, 'lake'), { recursive: true });
    await writeFile(join(dataDir, 'lake', 'x.parquet.tmp-7-0a1b2c3d'), 'stale');
    await writeFile(join(dataDir, 'lake', 'notes.tmp-backup'), 'not our pattern');
    (await Store.open(dataDir)).close();
    expect(await readdir(dataDir)).toContain('README.tmp-1-deadbeef');
    // Files in the lake that no catalog row names are removed on open, temporaries or not.
    expect(await readdir(join(dataDir, 'lake'))).toEqual([]);
  });

  it('removes originals that no source names (an upload that died before its commit) and keeps the rest', async () => {
    const dataDir = await makeTempDir('peakform-originals-');
    dirs.push(dataDir);
    const engine = await Engine.open({ dataDir });
    const kept = await engine.sources.ingest(
      'ora',
      csvRide({ startIso: '2024-05-01T07:00:00Z', durationS: 120 }),
    );
    const failed = await engine.sources.ingest('ora', new TextEncoder().encode('not an activity'));
    const deleted = await engine.sources.ingest(
      'ora',
      csvRide({ startIso: '2024-05-02T07:00:00Z', durationS: 120 }),
    );
    await engine.activities.delete('ora', deleted.activity_ids[0]!);
    engine.close();
    const folder = join(dataDir, 'originals', 'ora');
    const before = await readdir(folder);
    expect(before).toHaveLength(3);
    await writeFile(join(folder, 'f'.repeat(64)), 'bytes of an upload whose commit never happened');
    (await Engine.open({ dataDir })).close();
    expect((await readdir(folder)).sort()).toEqual(before.sort());
    expect([kept.status, failed.status]).toEqual(['processed', 'failed']);
  });
});
