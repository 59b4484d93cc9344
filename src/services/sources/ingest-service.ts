import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import type { GapPolicy } from '../../analytics/gap-policy.ts';
import { PeakformError } from '../../domain/errors.ts';
import { sha256Hex, sourceIdFor } from '../../domain/ids.ts';
import { isoUtc } from '../../domain/time-format.ts';
import type { SourceRecord } from '../../domain/wire.ts';
import {
  compileActivityIdsOfSources,
  compileDeletedActivitiesOfSources,
  compileSourceCount,
  compileSourcesByIds,
  compileSourcesToRecompute,
} from '../../query/catalog-sql.ts';
import { compileSourcesFromDate } from '../../query/metabolic-profile-sql.ts';
import type { SourceBatchItem, Store } from '../../store/store.ts';
import { assertAthleteIdValid } from '../profile/athlete-id.ts';
import type { ProfileService } from '../profile/profile-service.ts';
import type { DecodeRequest, DecodeResult } from './decode-and-derive.ts';

/** An uploaded file on disk, waiting to be ingested (or discarded when the upload fails). */
export interface StagedUpload {
  ingest(athleteId: string, options: IngestOptions): Promise<SourceRecord>;
  /** Its bytes (for `ingestMany`, which ingests several staged files as one bulk run). */
  read(): Promise<Uint8Array>;
  discard(): Promise<void>;
}

export interface IngestOptions {
  fileName?: string;
  tags?: string[];
}

/** One file of a bulk ingest: read when its batch comes up, so a folder never sits in memory whole. */
export interface IngestFile {
  fileName?: string;
  read(): Promise<Uint8Array>;
}

/** Where a bulk ingest stands, after each committed batch. */
export interface IngestProgress {
  /** Files done (committed, duplicate or failed) and files in the run. */
  files: number;
  totalFiles: number;
  /** Samples (rows) and activities written so far. */
  samples: number;
  activities: number;
  duplicates: number;
  failed: number;
  elapsedS: number;
}

export interface IngestManyOptions {
  tags?: string[];
  /** After each committed batch: the results of its files (in input order, from `firstIndex`) and the totals. */
  onBatch?: (results: SourceRecord[], firstIndex: number, progress: IngestProgress) => void;
  /** Files per catalog transaction (default 16); two batches are in memory at most. */
  batchFiles?: number;
  /**
   * Bytes of files per batch (default 64 MiB): a batch ends early at the file that reaches it, so
   * a folder of very long recordings keeps memory bounded too (a file larger alone is a batch).
   */
  batchBytes?: number;
  /** Checked between batches: once true, no further batch is written (the results stop short). */
  cancelled?: () => boolean;
}

/** A batch of files read ahead, and the thresholds they were decoded with. */
interface PreparedBatch {
  files: PreparedFile[];
  thresholds: Awaited<ReturnType<ProfileService['ingestThresholds']>>;
}

/** A file of a batch, read and hashed, decoded unless it looked like a duplicate. */
interface PreparedFile {
  index: number;
  bytes: Uint8Array;
  contentSha256: string;
  sourceId: string;
  fileName: string | null;
  decoded: DecodeResult | undefined;
}

interface SourceRow {
  id: string;
  file_name: string | null;
  format: string | null;
  size_bytes: bigint | number;
  status: 'processed' | 'failed';
  error_code: string | null;
  error_message: string | null;
  issues: string | null;
  created_s: number;
  activity_ids: string[] | null;
}

/**
 * Turns uploaded bytes into stored activities: decode, derive curves and metrics under the
 * athlete's thresholds, write originals, Parquet and catalog rows atomically. Ingests run one at
 * a time (the engine's write queue), so concurrent uploads of one file cannot race.
 */
export class IngestService {
  constructor(
    private readonly store: Store,
    private readonly profile: ProfileService,
    private readonly curveGapPolicy: GapPolicy,
    private readonly enqueueWrite: <T>(work: () => Promise<T>) => Promise<T>,
    private readonly onChange: (athleteId: string) => void,
    /** The CPU-heavy step (decode, derive): in worker threads, or in this thread. */
    private readonly decode: (request: DecodeRequest) => Promise<DecodeResult>,
  ) {}

  /** Ingests one file. The same bytes twice give the same source and activity ids and change nothing. */
  ingest(athleteId: string, bytes: Uint8Array, options: IngestOptions = {}): Promise<SourceRecord> {
    assertAthleteIdValid(athleteId);
    return this.enqueueWrite(() => this.ingestNow(athleteId, bytes, options));
  }

  private async ingestNow(
    athleteId: string,
    bytes: Uint8Array,
    options: IngestOptions,
    rederive = false,
  ): Promise<SourceRecord> {
    const contentSha256 = sha256Hex(bytes);
    const sourceId = sourceIdFor(athleteId, contentSha256);
    const existing = await this.find(athleteId, sourceId);
    const deleted = await this.store.deletedActivityIds(sourceId);
    // The same bytes again: nothing changes, unless some of their activities were deleted, which
    // an upload restores. A recompute re-derives but leaves deleted activities deleted.
    const restoreDeleted = !rederive && deleted.size > 0;
    if (existing && existing.status !== 'failed' && !rederive && !restoreDeleted) {
      return { ...existing, duplicate: true };
    }

    // Only the name is kept, never a client's directories.
    const fileName = options.fileName ? (options.fileName.split(/[\\/]/).pop() ?? null) : null;
    const sourceRow = {
      id: sourceId,
      athlete_id: athleteId,
      content_sha256: contentSha256,
      file_name: fileName,
      size_bytes: bytes.length,
    };
    const decoded = await this.decode({
      bytes,
      fileName: fileName ?? undefined,
      athleteId,
      sourceId,
      tags: options.tags ?? [],
      thresholds: await this.profile.ingestThresholds(athleteId),
      curveGapPolicy: this.curveGapPolicy,
      skipActivityIds: restoreDeleted ? [] : [...deleted],
      // The worker writes the lake files too (the samples then stay in it), under new names that
      // no catalog row names until the commit below; a failed commit removes them.
      writeLakeFiles: { dataDir: this.store.lake.dataDir, generation: randomBytes(4).toString('hex') },
    });
    if (!decoded.ok) {
      await this.store.writeFailedSource({
        athleteId,
        contentSha256,
        bytes,
        row: sourceRowAfter(sourceRow, decoded),
      });
      return (await this.find(athleteId, sourceId))!;
    }
    const { writes } = decoded;
    // Set here rather than by the column's default, so that the record needs no read-back.
    const createdMs = Date.now();
    const row = { ...sourceRowAfter(sourceRow, decoded), created_at: new Date(createdMs).toISOString() };
    try {
      await this.store.writeSource({ athleteId, contentSha256, bytes, row }, writes, { restoreDeleted });
    } catch (error) {
      await this.store.discardLakeFiles(writes);
      throw error;
    }
    this.onChange(athleteId);
    // What `find` would read now: the row just written and its activities, in session order
    // (the write replaced any the source had; deleted ones a recompute skips are not among them).
    const activityIds = [...writes]
      .sort((a, b) => Number(a.row.session_index) - Number(b.row.session_index))
      .map((write) => write.id);
    return toSourceRecord({ ...row, created_s: createdMs / 1000, activity_ids: activityIds });
  }

  /**
   * Ingests many files of one athlete (a folder, a backfill) with the same outcome as ingesting
   * them one by one in order (same ids, rows, curves, catalog rows and webhook events), at a
   * fraction of the cost: files are read, looked up and decoded a batch ahead in the decode
   * workers while the previous batch is written, and each batch's catalog rows commit in one
   * transaction (see `Store.writeSources`: a crash leaves each file either in or out). Results
   * come in input order; a file that cannot be read is a failed source, as with `ingest`.
   */
  async ingestMany(
    athleteId: string,
    files: readonly IngestFile[],
    options: IngestManyOptions = {},
  ): Promise<SourceRecord[]> {
    assertAthleteIdValid(athleteId);
    const batchFiles = Math.max(1, options.batchFiles ?? 16);
    const startedMs = performance.now();
    const progress: IngestProgress = {
      files: 0,
      totalFiles: files.length,
      samples: 0,
      activities: 0,
      duplicates: 0,
      failed: 0,
      elapsedS: 0,
    };
    const limits = { files: batchFiles, bytes: Math.max(1, options.batchBytes ?? 64 * 2 ** 20) };
    const prepare = (first: number) => this.prepareBatch(athleteId, files, first, limits, options.tags ?? []);
    const results: SourceRecord[] = [];
    let next: Promise<PreparedBatch> | undefined = files.length > 0 ? prepare(0) : undefined;
    try {
      while (next) {
        const prepared = await next;
        next = undefined;
        if (options.cancelled?.()) {
          await this.discardPrepared(prepared.files);
          break;
        }
        const first = prepared.files[0]!.index;
        const end = first + prepared.files.length;
        // The next batch is read and decoded while this one is written.
        next = end < files.length ? prepare(end) : undefined;
        next?.catch(() => undefined);
        const batch = await this.enqueueWrite(() =>
          this.commitBatch(athleteId, prepared, options.tags ?? [], progress),
        );
        results.push(...batch);
        progress.files += batch.length;
        progress.elapsedS = (performance.now() - startedMs) / 1000;
        options.onBatch?.(batch, first, { ...progress });
      }
    } finally {
      // A batch decoded ahead of a commit that failed: its files would wait for the next start.
      if (next)
        await next.then(
          (batch) => this.discardPrepared(batch.files),
          () => undefined,
        );
    }
    return results;
  }

  /**
   * Reads the files of the batch that starts at `first` (up to the limits), looks their sources up
   * in one query and decodes those not yet stored.
   */
  private async prepareBatch(
    athleteId: string,
    files: readonly IngestFile[],
    first: number,
    limits: { files: number; bytes: number },
    tags: readonly string[],
  ): Promise<PreparedBatch> {
    const thresholds = await this.profile.ingestThresholds(athleteId);
    const prepared: PreparedFile[] = [];
    let batchBytes = 0;
    for (
      let index = first;
      index < files.length && prepared.length < limits.files && batchBytes < limits.bytes;
      index++
    ) {
      const file = files[index]!;
      const bytes = await file.read();
      batchBytes += bytes.length;
      const contentSha256 = sha256Hex(bytes);
      prepared.push({
        index,
        bytes,
        contentSha256,
        sourceId: sourceIdFor(athleteId, contentSha256),
        // Only the name is kept, never a client's directories.
        fileName: file.fileName ? (file.fileName.split(/[\\/]/).pop() ?? null) : null,
        decoded: undefined,
      });
    }
    const state = await this.lookUp(athleteId, prepared);
    const seen = new Set<string>();
    // The workers write the lake files too, under new names that no catalog row names until the
    // batch commits (a file not committed is removed, here or by the next start's recovery).
    const writeLakeFiles = { dataDir: this.store.lake.dataDir, generation: randomBytes(4).toString('hex') };
    await Promise.all(
      prepared.map(async (file) => {
        const firstOfItsBytes = !seen.has(file.sourceId);
        seen.add(file.sourceId);
        if (firstOfItsBytes && this.needsWrite(state, file.sourceId)) {
          file.decoded = await this.decodeFile(athleteId, file, tags, thresholds, writeLakeFiles);
        }
      }),
    );
    return { files: prepared, thresholds };
  }

  /**
   * Writes a prepared batch in one store write, deciding each file as `ingest` would at this
   * moment (the lookup is repeated inside the write queue: an ingest may have landed meanwhile).
   */
  private async commitBatch(
    athleteId: string,
    batch: PreparedBatch,
    tags: readonly string[],
    progress: IngestProgress,
  ): Promise<SourceRecord[]> {
    const prepared = batch.files;
    const state = await this.lookUp(athleteId, prepared);
    // Thresholds changed since the batch was decoded (their recompute may already have run):
    // decode again with those in force now, as an ingest at this moment would.
    const thresholds = await this.profile.ingestThresholds(athleteId);
    const current = JSON.stringify(thresholds) === JSON.stringify(batch.thresholds);
    const items: SourceBatchItem[] = [];
    /** For each file: the source it resolves to, and whether it is a duplicate of stored bytes. */
    const outcome: { sourceId: string; duplicate: boolean }[] = [];
    const written = new Map<string, SourceBatchItem>();
    for (const file of prepared) {
      const earlier = written.get(file.sourceId);
      if (earlier) {
        // The same bytes twice in a batch: as the second of two ingests, a duplicate of the first
        // (a failed first is retried and fails the same way: the same record, not a duplicate).
        outcome.push({ sourceId: file.sourceId, duplicate: earlier.status === 'processed' });
        continue;
      }
      if (!this.needsWrite(state, file.sourceId)) {
        await this.discardPrepared([file]);
        outcome.push({ sourceId: file.sourceId, duplicate: true });
        continue;
      }
      if (!current) await this.discardPrepared([file]);
      const decoded =
        (current ? file.decoded : undefined) ?? (await this.decodeFile(athleteId, file, tags, thresholds));
      const sourceRow = {
        id: file.sourceId,
        athlete_id: athleteId,
        content_sha256: file.contentSha256,
        file_name: file.fileName,
        size_bytes: file.bytes.length,
      };
      const source = { athleteId, contentSha256: file.contentSha256, bytes: file.bytes };
      const item: SourceBatchItem = decoded.ok
        ? {
            source: {
              ...source,
              row: sourceRowAfter(sourceRow, decoded),
            },
            status: 'processed',
            activities: decoded.writes,
            restoreDeleted: (state.deleted.get(file.sourceId)?.size ?? 0) > 0,
          }
        : {
            source: {
              ...source,
              row: sourceRowAfter(sourceRow, decoded),
            },
            status: 'failed',
            activities: [],
            restoreDeleted: false,
          };
      items.push(item);
      written.set(file.sourceId, item);
      outcome.push({ sourceId: file.sourceId, duplicate: false });
    }
    try {
      await this.store.writeSources(items);
    } catch (error) {
      await this.store.discardLakeFiles(items.flatMap((item) => item.activities));
      throw error;
    }
    if (items.some((item) => item.status === 'processed')) this.onChange(athleteId);
    for (const item of items) {
      if (item.status === 'failed') progress.failed++;
      progress.activities += item.activities.length;
      for (const activity of item.activities) progress.samples += Number(activity.row.sample_count);
    }
    const records = await this.findMany(athleteId, [...new Set(outcome.map((o) => o.sourceId))]);
    return outcome.map((o) => {
      if (o.duplicate) progress.duplicates++;
      return { ...records.get(o.sourceId)!, duplicate: o.duplicate };
    });
  }

  /** Stored status and tombstones of a batch's sources, in two queries. */
  private async lookUp(
    athleteId: string,
    files: readonly PreparedFile[],
  ): Promise<{ status: Map<string, string>; deleted: Map<string, Set<string>> }> {
    const ids = [...new Set(files.map((f) => f.sourceId))];
    const sources = await this.findMany(athleteId, ids);
    const tombstones = await this.store.select<{ source_id: string; activity_id: string }>(
      compileDeletedActivitiesOfSources(ids),
    );
    const deleted = new Map<string, Set<string>>();
    for (const t of tombstones) {
      if (!deleted.has(t.source_id)) deleted.set(t.source_id, new Set());
      deleted.get(t.source_id)!.add(t.activity_id);
    }
    return { status: new Map([...sources].map(([id, source]) => [id, source.status])), deleted };
  }

  /** As `ingest` decides: new bytes, a failed source (retried), or deleted activities to restore. */
  private needsWrite(
    state: { status: Map<string, string>; deleted: Map<string, Set<string>> },
    sourceId: string,
  ): boolean {
    const status = state.status.get(sourceId);
    return status === undefined || status === 'failed' || (state.deleted.get(sourceId)?.size ?? 0) > 0;
  }

  /** Removes the lake files written ahead for prepared files that will not be committed. */
  private async discardPrepared(files: readonly PreparedFile[]): Promise<void> {
    await this.store.discardLakeFiles(files.flatMap((file) => (file.decoded?.ok ? file.decoded.writes : [])));
  }

  private decodeFile(
    athleteId: string,
    file: PreparedFile,
    tags: readonly string[],
    thresholds: Awaited<ReturnType<ProfileService['ingestThresholds']>>,
    writeLakeFiles?: DecodeRequest['writeLakeFiles'],
  ): Promise<DecodeResult> {
    return this.decode({
      bytes: file.bytes,
      fileName: file.fileName ?? undefined,
      athleteId,
      sourceId: file.sourceId,
      tags: [...tags],
      thresholds,
      curveGapPolicy: this.curveGapPolicy,
      // An ingest restores deleted activities, so none is skipped (only a recompute skips them).
      skipActivityIds: [],
      writeLakeFiles,
    });
  }

  /**
   * Stages an uploaded file that arrives as a stream on disk as it arrives (so an upload of many
   * large files never sits in memory); it is then ingested, or discarded when the upload fails.
   */
  async stageUpload(stream: NodeJS.ReadableStream): Promise<StagedUpload> {
    const path = await this.store.stageUpload(stream);
    return {
      ingest: async (athleteId, options) => {
        try {
          return await this.ingest(athleteId, await readFile(path), options);
        } finally {
          await rm(path, { force: true });
        }
      },
      read: () => readFile(path),
      discard: () => rm(path, { force: true }),
    };
  }

  /**
   * Re-derives every stored source of an athlete (or of every athlete) from its original bytes:
   * samples, curves and metrics under the current kernels and thresholds. Ids stay the same; each
   * source is swapped in one commit, so a crash leaves every source either old or new.
   */
  async recompute(
    athleteId?: string,
    onSource?: (source: SourceRecord) => void,
    /** Only the athlete's sources with an activity on or after `from`; `total` hears how many; `cancelled` stops early. */
    options: { from?: string; total?: (n: number) => void; cancelled?: () => boolean } = {},
  ): Promise<{ sources: number; activities: number; failed: number }> {
    const sources = await this.store.select<{
      athlete_id: string;
      content_sha256: string;
      file_name: string | null;
      tags: string[] | null;
    }>(
      athleteId && options.from
        ? compileSourcesFromDate(athleteId, options.from)
        : compileSourcesToRecompute(athleteId),
    );
    options.total?.(sources.length);
    const totals = { sources: 0, activities: 0, failed: 0 };
    for (const source of sources) {
      if (options.cancelled?.()) break;
      const bytes = await readFile(this.store.lake.originalPath(source.athlete_id, source.content_sha256));
      const result = await this.enqueueWrite(() =>
        this.ingestNow(
          source.athlete_id,
          bytes,
          { fileName: source.file_name ?? undefined, tags: source.tags ?? [] },
          true,
        ),
      );
      totals.sources++;
      totals.activities += result.activity_ids.length;
      if (result.status === 'failed') totals.failed++;
      onSource?.(result);
    }
    return totals;
  }

  /** Stored sources (of one athlete, or of all). */
  async count(athleteId?: string): Promise<number> {
    const [row] = await this.store.select<{ n: bigint | number }>(compileSourceCount(athleteId));
    return Number(row?.n ?? 0);
  }

  async find(athleteId: string, sourceId: string): Promise<SourceRecord | undefined> {
    return (await this.findMany(athleteId, [sourceId])).get(sourceId);
  }

  /**
   * The athlete's sources among these ids, by id. Two lookups by key: one query joining the
   * activities scanned all of them (60 ms of CPU at a million activities, twice per upload), and
   * the athlete is checked here because a condition beside the key made DuckDB scan.
   */
  private async findMany(
    athleteId: string,
    sourceIds: readonly string[],
  ): Promise<Map<string, SourceRecord>> {
    const found = new Map<string, SourceRecord>();
    if (sourceIds.length === 0) return found;
    const rows = (
      await this.store.select<SourceRow & { athlete_id: string }>(compileSourcesByIds(sourceIds))
    ).filter((row) => row.athlete_id === athleteId);
    if (rows.length === 0) return found;
    const activityIds = new Map<string, string[]>();
    for (const { source_id, id } of await this.store.select<{ source_id: string; id: string }>(
      compileActivityIdsOfSources(rows.map((row) => row.id)),
    ))
      activityIds.set(source_id, [...(activityIds.get(source_id) ?? []), id]);
    for (const row of rows)
      found.set(row.id, toSourceRecord({ ...row, activity_ids: activityIds.get(row.id) ?? [] }));
    return found;
  }

  async get(athleteId: string, sourceId: string): Promise<SourceRecord> {
    const source = await this.find(athleteId, sourceId);
    if (!source) {
      throw new PeakformError('ERR_SOURCE_NOT_FOUND', `No source ${sourceId} for this athlete.`);
    }
    return source;
  }
}

function toSourceRecord(row: SourceRow): SourceRecord {
  return {
    id: row.id,
    type: row.format,
    origin: 'manual_upload',
    filename: row.file_name,
    status: row.status,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    activity_ids: row.activity_ids ?? [],
    created_at: isoUtc(row.created_s),
    duplicate: false,
    size_bytes: Number(row.size_bytes),
    issues: row.issues ? JSON.parse(row.issues) : [],
  };
}

/** A source's catalog row once decoded: who and what it is, and how its decode ended. */
function sourceRowAfter(
  identity: {
    id: string;
    athlete_id: string;
    content_sha256: string;
    file_name: string | null;
    size_bytes: number;
  },
  decoded: DecodeResult,
) {
  return decoded.ok
    ? {
        ...identity,
        format: decoded.format,
        status: 'processed' as const,
        error_code: null,
        error_message: null,
        issues: JSON.stringify(decoded.issues),
      }
    : {
        ...identity,
        format: null,
        status: 'failed' as const,
        error_code: decoded.code,
        error_message: decoded.message,
        issues: JSON.stringify([]),
      };
}
