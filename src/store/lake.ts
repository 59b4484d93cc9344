import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

const TEMP_MARKER = '.tmp-';
/** A temporary name exactly as `temporaryPathFor` makes it: `<name>.tmp-<pid>-<8 hex>`. */
const TEMPORARY_NAME = /\.tmp-\d+-[0-9a-f]{8}$/;

/** The entries of a data dir that are Peakform's; nothing else in it is ever read, moved or deleted. */
export const DATA_DIR_ENTRIES = [
  'catalog.duckdb',
  'catalog.duckdb.wal',
  'originals',
  'lake',
  'exports',
  'keys',
  'uploads',
  'demo-token',
  // Deployed static sites (Pages), one folder per slug and version.
  'pages',
  // The admin socket of a running server, and the file naming it when it lives elsewhere.
  'admin.sock',
  'admin.sock.path',
];
/** The folders that hold Peakform's files (and so may hold its temporaries). */
const OWN_FOLDERS = ['originals', 'lake', 'exports', 'keys', 'uploads'];

export type LakeKind = 'samples' | 'extras' | 'curves';

/**
 * Where every file of a data dir lives (DESIGN.md §3). All paths are derived from ids that were
 * validated at the edge, so nothing here is built from raw user input.
 */
export class Lake {
  constructor(readonly dataDir: string) {}

  get catalogPath(): string {
    return join(this.dataDir, 'catalog.duckdb');
  }

  originalPath(athleteId: string, contentSha256: string): string {
    return join(this.dataDir, 'originals', athleteId, contentSha256);
  }

  /**
   * A lake file of one activity. The generation suffix gives every (re)derivation its own name, so
   * that a recompute writes new files beside the old ones and swaps them in one catalog commit.
   */
  lakePath(kind: LakeKind, athleteId: string, year: number, activityId: string, generation: string): string {
    return join(
      this.dataDir,
      'lake',
      kind,
      `athlete_id=${athleteId}`,
      `year=${year}`,
      `${activityId}-${generation}.parquet`,
    );
  }

  /** Every sample file of an athlete, for Hive-partitioned reads. */
  athleteSamplesGlob(athleteId: string): string {
    return join(this.dataDir, 'lake', 'samples', `athlete_id=${athleteId}`, '*', '*.parquet');
  }

  /** Paths are stored relative to the data dir so that a data dir can be moved. */
  toStored(path: string): string {
    return relative(this.dataDir, path);
  }

  fromStored(stored: string): string {
    return join(this.dataDir, stored);
  }
}

/** A temporary name in the same folder as `path`, so that the final rename is atomic. */
export function temporaryPathFor(path: string): string {
  return `${path}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Writes bytes under a temporary name, flushes them to disk, then renames into place. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPathFor(path);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

/** Lists every file under `dir` (recursive); a missing dir has none. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Temporaries (by the exact pattern) inside Peakform's own folders of a data dir. */
export async function listTemporaries(dataDir: string): Promise<string[]> {
  const files = (await Promise.all(OWN_FOLDERS.map((folder) => listFiles(join(dataDir, folder))))).flat();
  return files.filter((path) => TEMPORARY_NAME.test(path));
}

/**
 * Removes temporaries left behind by a process that died mid-write: only names of the exact
 * temporary pattern, only inside Peakform's own folders of the data dir.
 */
export async function removeTemporaries(dataDir: string): Promise<string[]> {
  const stale = await listTemporaries(dataDir);
  await Promise.all(stale.map((path) => rm(path, { force: true })));
  return stale;
}
