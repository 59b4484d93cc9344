import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PeakformError } from '../../src/domain/errors.ts';
import { Store } from '../../src/store/store.ts';
import { makeTempDir } from '../helpers/test-server.ts';

describe('a data dir is Peakform’s alone', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
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
});
