import { constants } from 'node:fs';
import { copyFile, link, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { PeakformError } from '../domain/errors.ts';
import { DATA_DIR_ENTRIES } from './lake.ts';
import { type Store, sqlString } from './store.ts';

/** What a backup leaves out: the live catalog (copied by DuckDB instead), the socket, staging. */
const NOT_BACKED_UP = new Set([
  'catalog.duckdb',
  'catalog.duckdb.wal',
  'admin.sock',
  'admin.sock.path',
  'uploads',
  'exports',
]);
const TEMPORARY_NAME = /\.tmp-\d+-[0-9a-f]{8}$|\.incoming$/;

export interface BackupSummary {
  /** Files of the lake, originals, keys and pages in the backup. */
  files: number;
  bytes: number;
  /** How many of them share their blocks with the data dir (hard links on the same filesystem). */
  linked: number;
}

/**
 * Writes a consistent copy of a data dir into `target` (a new or empty folder) while it is in use:
 * between two writes, DuckDB copies the catalog (`COPY FROM DATABASE`, sequences included) and
 * every file beside it is hard-linked (copied across filesystems). Lake files, originals and page
 * versions are never changed in place, so a link is a snapshot. The backup is itself a data dir:
 * serve it, or move it back, to restore.
 */
export async function backupDataDir(store: Store, target: string): Promise<BackupSummary> {
  await assertEmptyTarget(target);
  const source = store.lake.dataDir;
  return store.exclusive(async (run) => {
    await run(`ATTACH ${sqlString(join(target, 'catalog.duckdb'))} AS peakform_backup`);
    try {
      await run('COPY FROM DATABASE catalog TO peakform_backup');
    } finally {
      await run('DETACH peakform_backup');
    }
    const summary: BackupSummary = { files: 0, bytes: 0, linked: 0 };
    for (const entry of DATA_DIR_ENTRIES) {
      if (NOT_BACKED_UP.has(entry)) continue;
      await copyTree(join(source, entry), join(target, entry), summary);
    }
    return summary;
  });
}

async function assertEmptyTarget(target: string): Promise<void> {
  const entries = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) {
    throw new PeakformError(
      'ERR_BACKUP_TARGET',
      `${target} is not empty: a backup goes into a new or empty folder.`,
      409,
    );
  }
  await mkdir(target, { recursive: true });
}

async function copyTree(from: string, to: string, summary: BackupSummary): Promise<void> {
  const info = await stat(from).catch(() => undefined);
  if (!info) return;
  if (info.isFile()) {
    await copyOne(from, to, info.size, summary);
    return;
  }
  for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || TEMPORARY_NAME.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    if (
      relative(from, path)
        .split('/')
        .some((part) => TEMPORARY_NAME.test(part))
    )
      continue;
    await copyOne(path, join(to, relative(from, path)), (await stat(path)).size, summary);
  }
}

async function copyOne(from: string, to: string, size: number, summary: BackupSummary): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await link(from, to);
    summary.linked++;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to, constants.COPYFILE_FICLONE);
  }
  summary.files++;
  summary.bytes += size;
}
