import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from './store.ts';

/** One file of an import job as the catalog keeps it: the result is the source record, as JSON. */
export interface StoredImportFile {
  name: string | null;
  sizeBytes: number;
  state: 'pending' | 'processed' | 'duplicate' | 'failed' | 'skipped';
  /** The file's source record (what the upload route answers for it), once done. */
  source: unknown;
}

export interface StoredImportJob {
  id: string;
  athleteId: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  cancelRequested: boolean;
  tags: string[];
  files: StoredImportFile[];
  samples: number;
  activities: number;
  activeS: number;
  errorCode: string | null;
  errorMessage: string | null;
  createdS: number;
  startedS: number | null;
  finishedS: number | null;
}

interface JobRow {
  id: string;
  athlete_id: string;
  state: StoredImportJob['state'];
  cancel_requested: boolean;
  tags: string;
  files: string;
  samples: bigint | number;
  activities: number;
  active_s: number;
  error_code: string | null;
  error_message: string | null;
  created_s: number;
  started_s: number | null;
  finished_s: number | null;
}

const COLUMN_NAMES = [
  'id',
  'athlete_id',
  'state',
  'cancel_requested',
  'tags',
  'files',
  'samples',
  'activities',
  'active_s',
  'error_code',
  'error_message',
  'created_s',
  'started_s',
  'finished_s',
] as const satisfies readonly (keyof JobRow)[];
const COLUMNS = COLUMN_NAMES.join(', ');
/** What `save` rewrites: everything but the id, the owner, the tags and the creation time. */
const MUTABLE_COLUMNS = COLUMN_NAMES.filter(
  (name) => !['id', 'athlete_id', 'tags', 'created_s'].includes(name),
);

/**
 * Import jobs: their catalog rows (`import_jobs`) and their staged files, one folder per job under
 * the data dir's `uploads/imports/<job id>/`, a file per upload part named by its index. A job's
 * folder is complete before its row is inserted, and removed after the job ends; a folder without
 * a row (a crash between the two) is removed when the jobs are next loaded.
 */
export class ImportJobRepository {
  constructor(private readonly store: Store) {}

  /** Streams an upload part to a temporary file under uploads/ (see `Store.stageUpload`). */
  async stage(stream: NodeJS.ReadableStream): Promise<{ path: string; sizeBytes: number }> {
    const path = await this.store.stageUpload(stream);
    return { path, sizeBytes: (await stat(path)).size };
  }

  /** Removes a staged file that never became part of a job (the upload failed). */
  discardStaged(path: string): Promise<void> {
    return rm(path, { force: true });
  }

  /** Moves staged files into the job's folder (in order), then inserts the job's row. */
  async insert(job: StoredImportJob, stagedPaths: readonly string[]): Promise<void> {
    const folder = this.folder(job.id);
    await mkdir(folder, { recursive: true });
    try {
      for (const [index, path] of stagedPaths.entries()) await rename(path, join(folder, String(index)));
      const row = toRow(job);
      await this.store.write((tx) =>
        tx.run(
          `INSERT INTO import_jobs (${COLUMNS}) VALUES (${COLUMN_NAMES.map((_, i) => `$${i + 1}`).join(', ')})`,
          rowParams(row, COLUMN_NAMES),
        ),
      );
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** Rewrites a job's mutable columns (state, counters, per-file results, times). */
  async save(job: StoredImportJob): Promise<void> {
    const row = toRow(job);
    await this.store.write((tx) =>
      tx.run(
        `UPDATE import_jobs SET ${MUTABLE_COLUMNS.map((name, i) => `${name} = $${i + 2}`).join(', ')} WHERE id = $1`,
        [row.id, ...rowParams(row, MUTABLE_COLUMNS)],
      ),
    );
  }

  async find(athleteId: string, id: string): Promise<StoredImportJob | undefined> {
    const [row] = await this.store.all<JobRow>(
      `SELECT ${COLUMNS} FROM import_jobs WHERE athlete_id = $1 AND id = $2`,
      [athleteId, id],
    );
    return row && fromRow(row);
  }

  /** An athlete's jobs, newest first. */
  async list(athleteId: string, limit: number, offset: number): Promise<StoredImportJob[]> {
    const rows = await this.store.all<JobRow>(
      `SELECT ${COLUMNS} FROM import_jobs WHERE athlete_id = $1
       ORDER BY created_s DESC, id DESC LIMIT $2 OFFSET $3`,
      [athleteId, limit, offset],
    );
    return rows.map(fromRow);
  }

  /**
   * Jobs a previous process left queued or running, oldest first; removes the staged folders that
   * belong to no such job (ended jobs whose folder outlived a crash, folders without a row).
   */
  async loadUnfinished(): Promise<StoredImportJob[]> {
    const rows = await this.store.all<JobRow>(
      `SELECT ${COLUMNS} FROM import_jobs WHERE state IN ('queued', 'running') ORDER BY created_s, id`,
    );
    const jobs = rows.map(fromRow);
    const keep = new Set(jobs.map((job) => job.id));
    const folders = await readdir(this.store.lake.fromStored(join('uploads', 'imports'))).catch(
      () => [] as string[],
    );
    await Promise.all(
      folders
        .filter((name) => !keep.has(name))
        .map((name) => rm(this.folder(name), { recursive: true, force: true })),
    );
    return jobs;
  }

  /** Forgets the jobs that ended before `cutoffS` (epoch seconds); their files are gone already. */
  async removeEndedBefore(cutoffS: number): Promise<void> {
    await this.store.write((tx) =>
      tx.run(`DELETE FROM import_jobs WHERE state NOT IN ('queued', 'running') AND finished_s < $1`, [
        cutoffS,
      ]),
    );
  }

  /** The bytes of a job's file. */
  readFile(jobId: string, index: number): Promise<Uint8Array> {
    return readFile(join(this.folder(jobId), String(index)));
  }

  /** Removes a job's staged files (once it has ended). */
  removeFiles(jobId: string): Promise<void> {
    return rm(this.folder(jobId), { recursive: true, force: true });
  }

  private folder(jobId: string): string {
    return this.store.lake.fromStored(join('uploads', 'imports', jobId));
  }
}

function toRow(job: StoredImportJob): JobRow {
  return {
    id: job.id,
    athlete_id: job.athleteId,
    state: job.state,
    cancel_requested: job.cancelRequested,
    tags: JSON.stringify(job.tags),
    files: JSON.stringify(job.files),
    samples: job.samples,
    activities: job.activities,
    active_s: job.activeS,
    error_code: job.errorCode,
    error_message: job.errorMessage,
    created_s: job.createdS,
    started_s: job.startedS,
    finished_s: job.finishedS,
  };
}

/** The row's values of the given columns, in their order (`samples` as a number: DuckDB may give a bigint). */
function rowParams(row: JobRow, names: readonly (keyof JobRow)[]) {
  return names.map((name) => (name === 'samples' ? Number(row.samples) : row[name]));
}

function fromRow(row: JobRow): StoredImportJob {
  return {
    id: row.id,
    athleteId: row.athlete_id,
    state: row.state,
    cancelRequested: row.cancel_requested,
    tags: JSON.parse(row.tags),
    files: JSON.parse(row.files),
    samples: Number(row.samples),
    activities: Number(row.activities),
    activeS: row.active_s,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    createdS: row.created_s,
    startedS: row.started_s,
    finishedS: row.finished_s,
  };
}
