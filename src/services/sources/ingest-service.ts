import { readFile, rm } from 'node:fs/promises';
import type { GapPolicy } from '../../analytics/gap-policy.ts';
import { PeakformError } from '../../domain/errors.ts';
import { sha256Hex, sourceIdFor } from '../../domain/ids.ts';
import { isoUtc } from '../../domain/time-format.ts';
import type { SourceRecord } from '../../domain/wire.ts';
import { compileFindSource, compileSourceCount, compileSourcesToRecompute } from '../../query/catalog-sql.ts';
import { compileSourcesFromDate } from '../../query/metabolic-profile-sql.ts';
import type { Store } from '../../store/store.ts';
import { assertAthleteIdValid } from '../profile/athlete-id.ts';
import type { ProfileService } from '../profile/profile-service.ts';
import type { DecodeRequest, DecodeResult } from './decode-and-derive.ts';

/** An uploaded file on disk, waiting to be ingested (or discarded when the upload fails). */
export interface StagedUpload {
  ingest(athleteId: string, options: IngestOptions): Promise<SourceRecord>;
  discard(): Promise<void>;
}

export interface IngestOptions {
  fileName?: string;
  tags?: string[];
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
    });
    if (!decoded.ok) {
      await this.store.writeFailedSource({
        athleteId,
        contentSha256,
        bytes,
        row: {
          ...sourceRow,
          format: null,
          status: 'failed',
          error_code: decoded.code,
          error_message: decoded.message,
          issues: JSON.stringify([]),
        },
      });
      return (await this.find(athleteId, sourceId))!;
    }
    const { writes } = decoded;
    await this.store.writeSource(
      {
        athleteId,
        contentSha256,
        bytes,
        row: {
          ...sourceRow,
          format: decoded.format,
          status: 'processed',
          error_code: null,
          error_message: null,
          issues: JSON.stringify(decoded.issues),
        },
      },
      writes,
      { restoreDeleted },
    );
    this.onChange(athleteId);
    return (await this.find(athleteId, sourceId))!;
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
    const [row] = await this.store.select<SourceRow>(compileFindSource(athleteId, sourceId));
    return row && toSourceRecord(row);
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
