import { randomBytes } from 'node:crypto';
import { ERROR_CATALOG, type ErrorCode } from '../../domain/error-catalog.ts';
import { isPeakformError, PeakformError } from '../../domain/errors.ts';
import { isoUtc } from '../../domain/time-format.ts';
import type { SourceRecord } from '../../domain/wire.ts';
import type { ImportFile, ImportJob } from '../../domain/wire-imports.ts';
import type { ImportJobRepository, StoredImportJob } from '../../store/import-job-repository.ts';
import { assertAthleteIdValid } from '../profile/athlete-id.ts';
import type { IngestService } from '../sources/ingest-service.ts';

export interface ImportOptions {
  /** Jobs that run at once on the server (default 2); one per athlete at a time whatever this says. */
  concurrentJobs?: number;
  /** Jobs queued or running on the server (default 64); beyond, a new import is refused with 429. */
  maxUnfinishedJobs?: number;
  /** Jobs queued or running per athlete (default 8). */
  maxUnfinishedPerAthlete?: number;
  /** How long an ended job stays readable (default 30 days); older ones are forgotten when a server starts. */
  keepEndedS?: number;
  /** Files per catalog transaction (default: `ingestMany`'s). */
  batchFiles?: number;
  /** Awaited before a job reads one of its files (tests hold a job between batches with it). */
  beforeRead?: (jobId: string, index: number) => Promise<void>;
}

/** An import being received: its files are staged one by one, then submitted as a job (or discarded). */
export interface ImportDraft {
  stage(fileName: string, stream: NodeJS.ReadableStream): Promise<void>;
  readonly fileCount: number;
  submit(tags: readonly string[]): Promise<ImportJob>;
  /** Removes what was staged and frees the reserved place in the queue (also after `submit`: then a no-op). */
  discard(): Promise<void>;
}

/** A job that runs in this process, with the clock of its current run. */
interface Running {
  job: StoredImportJob;
  runStartedMs: number;
  /** Seconds the job ran before this run (earlier processes). */
  activeBeforeS: number;
  done: Promise<void>;
  /** Saves the job's row after the saves queued before (saves of one job never overtake each other). */
  save: (snapshot?: StoredImportJob) => Promise<void>;
}

/**
 * Import jobs (issue 11): the files of an upload are staged on disk, a job row is written, and the
 * job runs in the background through `IngestService.ingestMany`, which commits one batch of files
 * per transaction. After each batch the job's counters and per-file results are saved, so a poll
 * sees the progress and a restarted server resumes at the first file without a result. One job per
 * athlete runs at a time (its batches would queue behind each other anyway), at most
 * `concurrentJobs` in all, in the order they came; the queue is bounded.
 */
export class ImportService {
  private readonly queue: StoredImportJob[] = [];
  private readonly running = new Map<string, Running>();
  /** Places held by imports still being received, per athlete. */
  private readonly reserved = new Map<string, number>();
  private started = false;
  private stopping = false;

  constructor(
    private readonly repository: ImportJobRepository,
    private readonly sources: IngestService,
    private readonly options: ImportOptions = {},
  ) {}

  /**
   * Starts running jobs: first those a previous process left queued or running (a running one
   * goes on from its first file without a result). Only a server calls this: a CLI command that
   * opens the data dir leaves the jobs alone.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    await this.repository.removeEndedBefore(Date.now() / 1000 - (this.options.keepEndedS ?? 30 * 86_400));
    const known = new Set(this.queue.map((job) => job.id));
    for (const job of await this.repository.loadUnfinished()) if (!known.has(job.id)) this.queue.push(job);
    this.queue.sort((a, b) => a.createdS - b.createdS);
    this.pump();
  }

  /** Stops taking jobs up and waits for the running ones to reach the end of a batch; they stay unfinished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Holds a place in the queue for an import about to be received; 429 when the queue is full. */
  draft(athleteId: string): ImportDraft {
    assertAthleteIdValid(athleteId);
    const total = this.queue.length + this.running.size + sum(this.reserved.values());
    const ofAthlete =
      this.queue.filter((job) => job.athleteId === athleteId).length +
      [...this.running.values()].filter((r) => r.job.athleteId === athleteId).length +
      (this.reserved.get(athleteId) ?? 0);
    if (total >= (this.options.maxUnfinishedJobs ?? 64)) {
      throw new PeakformError(
        'ERR_UPLOAD_BUSY',
        `The server has ${total} imports queued or running; send this one again later.`,
      );
    }
    if (ofAthlete >= (this.options.maxUnfinishedPerAthlete ?? 8)) {
      throw new PeakformError(
        'ERR_UPLOAD_BUSY',
        `This athlete has ${ofAthlete} imports queued or running; send this one again when one has ended (GET /api/v1/imports).`,
      );
    }
    this.reserved.set(athleteId, (this.reserved.get(athleteId) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.reserved.set(athleteId, (this.reserved.get(athleteId) ?? 1) - 1);
    };
    const staged: { name: string; path: string; sizeBytes: number }[] = [];
    let submitted = false;
    return {
      stage: async (fileName, stream) => {
        const file = await this.repository.stage(stream);
        staged.push({ name: fileName, ...file });
      },
      get fileCount() {
        return staged.length;
      },
      submit: async (tags) => {
        const job: StoredImportJob = {
          id: `imp_${randomBytes(8).toString('hex')}`,
          athleteId,
          state: 'queued',
          cancelRequested: false,
          tags: [...tags],
          files: staged.map((file) => ({
            // Only the name is kept, never a client's directories.
            name: file.name ? (file.name.split(/[\\/]/).pop() ?? null) : null,
            sizeBytes: file.sizeBytes,
            state: 'pending',
            source: null,
          })),
          samples: 0,
          activities: 0,
          activeS: 0,
          errorCode: null,
          errorMessage: null,
          createdS: Date.now() / 1000,
          startedS: null,
          finishedS: null,
        };
        await this.repository.insert(
          job,
          staged.map((file) => file.path),
        );
        submitted = true;
        this.queue.push(job);
        release();
        this.pump();
        return this.view(job);
      },
      discard: async () => {
        release();
        if (!submitted) await Promise.all(staged.map((file) => this.repository.discardStaged(file.path)));
      },
    };
  }

  async get(athleteId: string, id: string): Promise<ImportJob> {
    return this.view(await this.find(athleteId, id));
  }

  /** The athlete's jobs, newest first. */
  async list(athleteId: string, page: { limit: number; offset: number }): Promise<ImportJob[]> {
    const stored = await this.repository.list(athleteId, page.limit, page.offset);
    return stored.map((job) => this.view(this.live(job.id) ?? job));
  }

  /**
   * Cancels a job: a queued one at once, a running one at the end of its current batch (committed
   * batches stay). A job that has ended is returned as it is.
   */
  async cancel(athleteId: string, id: string): Promise<ImportJob> {
    const job = await this.find(athleteId, id);
    if (job.state === 'queued') {
      const at = this.queue.findIndex((queued) => queued.id === id);
      if (at >= 0) this.queue.splice(at, 1);
      job.cancelRequested = true;
      await this.end(job, 'cancelled');
    } else if (job.state === 'running' && !job.cancelRequested) {
      job.cancelRequested = true;
      await (this.running.get(id)?.save() ?? this.repository.save(job));
    }
    return this.view(job);
  }

  private async find(athleteId: string, id: string): Promise<StoredImportJob> {
    const live = this.live(id);
    if (live) {
      if (live.athleteId === athleteId) return live;
    } else {
      const stored = await this.repository.find(athleteId, id);
      if (stored) return stored;
    }
    throw new PeakformError('ERR_IMPORT_NOT_FOUND', `No import ${id} for this athlete.`);
  }

  /** The in-memory copy of a queued or running job (fresher than its row between saves). */
  private live(id: string): StoredImportJob | undefined {
    return this.running.get(id)?.job ?? this.queue.find((job) => job.id === id);
  }

  /** Starts queued jobs while there is room: oldest first, skipping athletes who have one running. */
  private pump(): void {
    if (!this.started || this.stopping) return;
    const limit = Math.max(1, this.options.concurrentJobs ?? 2);
    for (let i = 0; i < this.queue.length && this.running.size < limit; ) {
      const job = this.queue[i]!;
      const busy = [...this.running.values()].some((r) => r.job.athleteId === job.athleteId);
      if (busy) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      const entry: Running = {
        job,
        runStartedMs: Date.now(),
        activeBeforeS: job.activeS,
        done: Promise.resolve(),
        save: () => Promise.resolve(),
      };
      let saving: Promise<void> = Promise.resolve();
      entry.save = (snapshot = structuredClone(job)) => {
        saving = saving.catch(() => undefined).then(() => this.repository.save(snapshot));
        return saving;
      };
      this.running.set(job.id, entry);
      // run() settles every outcome in the job's row; what escapes (the catalog closed under a
      // stopping server) leaves the row unfinished, to be resumed.
      entry.done = this.run(entry)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(job.id);
          this.pump();
        });
    }
  }

  private async run(entry: Running): Promise<void> {
    const { job } = entry;
    const resumed = job.state === 'running';
    job.state = 'running';
    job.startedS ??= entry.runStartedMs / 1000;
    const clock = () => {
      job.activeS = entry.activeBeforeS + (Date.now() - entry.runStartedMs) / 1000;
    };
    const pending = job.files.flatMap((file, index) => (file.state === 'pending' ? [index] : []));
    const save = entry.save;
    let saving: Promise<void> = Promise.resolve();
    const samplesBefore = job.samples;
    try {
      await save();
      await this.sources.ingestMany(
        job.athleteId,
        pending.map((index) => ({
          fileName: job.files[index]!.name ?? undefined,
          read: async () => {
            await this.options.beforeRead?.(job.id, index);
            return this.repository.readFile(job.id, index);
          },
        })),
        {
          tags: job.tags,
          ...(this.options.batchFiles ? { batchFiles: this.options.batchFiles } : {}),
          cancelled: () => job.cancelRequested || this.stopping,
          onBatch: (results, firstIndex, progress) => {
            for (const [i, source] of results.entries()) {
              const file = job.files[pending[firstIndex + i]!]!;
              // After a restart, a file of the batch that committed just before the crash comes
              // back as a duplicate of itself: it was stored by this job.
              const ownEarlierWrite =
                resumed &&
                source.duplicate &&
                Date.parse(source.created_at) / 1000 >= Math.floor(job.startedS!);
              const result = ownEarlierWrite ? { ...source, duplicate: false } : source;
              file.source = result;
              file.state =
                result.status === 'failed' ? 'failed' : result.duplicate ? 'duplicate' : 'processed';
            }
            job.samples = samplesBefore + progress.samples;
            job.activities = countActivities(job);
            clock();
            saving = save();
            saving.catch(() => undefined);
          },
        },
      );
      await saving;
      clock();
      if (job.cancelRequested) await this.end(job, 'cancelled');
      else if (this.stopping) await save();
      else await this.end(job, 'succeeded');
    } catch (error) {
      await saving.catch(() => undefined);
      // A stopping server leaves the job to the next one; anything else ends it as failed.
      if (this.stopping) return;
      clock();
      Object.assign(job, failure(error));
      await this.end(job, 'failed').catch(() => undefined);
    }
  }

  /**
   * Ends a job: files not reached are skipped, the row saved, the staged files removed; only then
   * does the job read as ended (a crash in between resumes it, and finds every file still there).
   */
  private async end(job: StoredImportJob, state: 'succeeded' | 'failed' | 'cancelled'): Promise<void> {
    const ended = structuredClone(job);
    ended.state = state;
    ended.finishedS = Date.now() / 1000;
    for (const file of ended.files) if (file.state === 'pending') file.state = 'skipped';
    await (this.running.get(job.id)?.save(ended) ?? this.repository.save(ended));
    await this.repository.removeFiles(job.id);
    Object.assign(job, ended);
  }

  private view(job: StoredImportJob): ImportJob {
    const live = this.running.get(job.id);
    const elapsedS = live ? live.activeBeforeS + (Date.now() - live.runStartedMs) / 1000 : job.activeS;
    const done = job.files.filter((f) => f.state !== 'pending' && f.state !== 'skipped');
    const bytesTotal = sum(job.files.map((f) => f.sizeBytes));
    const bytesDone = sum(done.map((f) => f.sizeBytes));
    const queueAt = this.queue.findIndex((queued) => queued.id === job.id);
    return {
      id: job.id,
      state: job.state,
      cancel_requested: job.cancelRequested,
      tags: job.tags,
      created_at: isoUtc(job.createdS),
      started_at: job.startedS === null ? null : isoUtc(job.startedS),
      finished_at: job.finishedS === null ? null : isoUtc(job.finishedS),
      queue_position: job.state === 'queued' && queueAt >= 0 ? queueAt : null,
      files_total: job.files.length,
      files_done: done.length,
      files_duplicate: done.filter((f) => f.state === 'duplicate').length,
      files_failed: done.filter((f) => f.state === 'failed').length,
      bytes_total: bytesTotal,
      bytes_done: bytesDone,
      samples: job.samples,
      activities: job.activities,
      elapsed_s: round(elapsedS),
      samples_per_s: done.length > 0 && elapsedS > 0 ? round(job.samples / elapsedS) : null,
      eta_s:
        job.state === 'running' && bytesDone > 0
          ? round((elapsedS / bytesDone) * (bytesTotal - bytesDone))
          : null,
      error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
      files: job.files.map((file, index) => wireFile(file, index)),
    };
  }
}

/** Why a job stopped, in words an operator can act on (committed batches stay in every case). */
function failure(error: unknown): { errorCode: string; errorMessage: string } {
  if (isPeakformError(error)) return { errorCode: error.code, errorMessage: error.message };
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOSPC' || /No space left on device/i.test(message ?? ''))
    return {
      errorCode: 'ERR_STORE_DISK_FULL',
      errorMessage:
        'The server’s disk is full; the files not reached were left out. Import them again once space is freed.',
    };
  if (code === 'ENOENT')
    return {
      errorCode: 'ERR_INTERNAL',
      errorMessage:
        'The staged files of this import are gone (a data dir restored from a backup keeps no uploads); import the files not reached again.',
    };
  return {
    errorCode: 'ERR_INTERNAL',
    errorMessage:
      'The import stopped on an internal error; the files not reached were left out. Import them again.',
  };
}

function wireFile(file: StoredImportJob['files'][number], index: number): ImportFile {
  const source = (file.source ?? null) as SourceRecord | null;
  const code = source?.error?.code;
  const entry = code && code in ERROR_CATALOG ? ERROR_CATALOG[code as ErrorCode] : undefined;
  return {
    index,
    filename: file.name,
    size_bytes: file.sizeBytes,
    state: file.state,
    source,
    problem:
      file.state === 'failed' && source?.error
        ? {
            type: `https://peakform.dev/problems/${source.error.code.toLowerCase().replaceAll('_', '-')}`,
            title: entry?.meaning ?? 'The file could not be ingested.',
            status: entry?.status ?? 422,
            code: source.error.code,
            detail: source.error.message,
          }
        : null,
  };
}

/** Activities the job wrote: those of its processed files (a duplicate's were there before). */
function countActivities(job: StoredImportJob): number {
  return sum(
    job.files.map((f) =>
      f.state === 'processed' ? ((f.source as SourceRecord | null)?.activity_ids.length ?? 0) : 0,
    ),
  );
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
