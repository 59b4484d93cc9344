import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  type DuckDBType,
  type DuckDBValue,
  FLOAT,
  INTEGER,
  LIST,
  listValue,
  SMALLINT,
  VARCHAR,
} from '@duckdb/node-api';
import type { SampleTable } from '../domain/activity.ts';
import { QUERY_GRID_S } from '../domain/durations.ts';
import { PeakformError } from '../domain/errors.ts';
import { CATALOG_SCHEMA, ENSURE_ATHLETE_SQL } from './catalog-schema.ts';
import type { ColumnBatch, ColumnType } from './column-batch.ts';
import { Database, type SqlParams, type WriteTransaction } from './database.ts';
import {
  DATA_DIR_ENTRIES,
  Lake,
  listFiles,
  listTemporaries,
  removeTemporaries,
  temporaryPathFor,
  writeFileAtomic,
} from './lake.ts';
import {
  type CurveWrite,
  LAKE_PARQUET,
  type LakeActivity,
  type LakeFilePaths,
  LakeFileWriter,
  SAFE_IDENTIFIER,
  storedPathsOf,
} from './lake-file-writer.ts';
import { sqlString } from './sql-string.ts';
import { emitWebhookEvents, type SourceBefore, sourceWriteEvents } from './webhook-outbox.ts';

/** Values for one catalog row by column name; string arrays go to VARCHAR[] columns. */
export type CatalogRow = Record<string, DuckDBValue | readonly string[]>;

export type { CurveWrite, LakeFilePaths };
export { sqlString };

/** One activity ready to be written: ids assigned, catalog values prepared by the engine. */
export interface ActivityWrite {
  id: string;
  athleteId: string;
  year: number;
  sport: string;
  localDate: string;
  startS: number;
  /** Its samples; null once a decode worker has written them to `lakeFiles` (they stay there). */
  samples: SampleTable | null;
  curves: CurveWrite[];
  gapPolicy: string;
  /** The lake files a decode worker wrote ahead (new names, not yet named by the catalog), or null. */
  lakeFiles: LakeFilePaths | null;
  /** Column values for the `activities` table, without the paths (the store sets those). */
  row: CatalogRow;
  laps: CatalogRow[];
  metricRows: CatalogRow[];
  zoneRows: CatalogRow[];
}

export interface SourceWrite {
  athleteId: string;
  contentSha256: string;
  bytes: Uint8Array;
  row: CatalogRow;
}

/** One source of a batch write: its bytes and row, and its activities when it was processed. */
export interface SourceBatchItem {
  source: SourceWrite;
  status: 'processed' | 'failed';
  activities: ActivityWrite[];
  /** Deleted activities of the source come back (an upload of the same bytes restores them). */
  restoreDeleted: boolean;
}

/** Tables whose rows belong to one activity, by `activity_id`. */
const ACTIVITY_TABLES = ['laps', 'activity_metrics', 'activity_zones', 'curve_points'];

/**
 * The only module that knows paths, Parquet and DuckDB. Writes follow one order so that a crash at
 * any point leaves either the old state or the new one: original bytes → Parquet files under new
 * names (temp + rename) → catalog rows in one transaction → removal of the files the commit
 * replaced. Opening a data dir removes temporaries and lake files that no catalog row names (the
 * remains of a write that died before or after its commit).
 */
/** An export's Parquet options: lake files are zstd, exports snappy (what the official clients read). */
export interface ParquetFileOptions {
  compression?: 'zstd' | 'snappy';
  /** Entries of the footer's key-value metadata, such as the `ARROW:schema` of an export. */
  keyValueMetadata?: Record<string, string>;
}

function copyToParquetSql(sql: string, path: string, options: ParquetFileOptions): string {
  const metadata = Object.entries(options.keyValueMetadata ?? {});
  const kv =
    metadata.length > 0
      ? `, KV_METADATA {${metadata.map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ')}}`
      : '';
  return `COPY (${sql}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION ${options.compression ?? 'zstd'}${kv})`;
}

export class Store {
  /**
   * Athletes whose catalog row this store has written or seen committed: an upload skips its
   * upsert (≈ 3 ms of CPU even when the row exists). Only `deleteAthlete` removes such a row, and
   * it forgets the athlete first, inside the write queue.
   */
  private readonly knownAthletes = new Set<string>();

  private constructor(
    readonly lake: Lake,
    private readonly db: Database,
    /** Writes the lake files of activities that come without them (see `ActivityWrite.lakeFiles`). */
    private readonly lakeWriter: LakeFileWriter,
  ) {}

  static async open(dataDir: string): Promise<Store> {
    await mkdir(dataDir, { recursive: true });
    await assertOwnDataDir(dataDir);
    const lake = new Lake(dataDir);
    const db = await Database.open(lake.catalogPath);
    let lakeWriter: LakeFileWriter;
    try {
      lakeWriter = await LakeFileWriter.open();
    } catch (error) {
      db.close();
      throw error;
    }
    const store = new Store(lake, db, lakeWriter);
    try {
      for (const statement of CATALOG_SCHEMA) await db.exec(statement);
      // DuckDB cannot replay an ADD COLUMN on a table with a DEFAULT from its WAL: make schema changes durable now.
      await db.exec('CHECKPOINT');
      await store.recover();
      await store.migrateCurveFiles();
    } catch (error) {
      store.close();
      throw error;
    }
    return store;
  }

  close(): void {
    this.db.close();
    this.lakeWriter.close();
  }

  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.db.all<T>(sql, params);
  }

  /** Runs a compiled query (SQL text and its parameters, as `query/` compiles them). */
  select<T = Record<string, unknown>>(query: { sql: string; params: readonly unknown[] }): Promise<T[]> {
    return this.db.all<T>(query.sql, query.params as DuckDBValue[]);
  }

  stream(sql: string, params?: SqlParams, groupedColumns?: readonly string[]): AsyncGenerator<ColumnBatch> {
    return this.db.stream(sql, params, groupedColumns);
  }

  write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.db.write(work);
  }

  /** A key that changes whenever any of these catalog tables may have changed (`Database.tableVersion`). */
  tableVersion(tables: readonly string[]): string {
    return this.db.tableVersion(tables);
  }

  /** Runs `work` between two writes, outside a transaction (see `Database.exclusive`). */
  exclusive<T>(work: (run: (sql: string) => Promise<void>) => Promise<T>): Promise<T> {
    return this.db.exclusive(work);
  }

  /**
   * Runs a query into a Parquet file at `path` (temp + rename). Lake files are zstd; exports are
   * snappy (what the official clients read) and may carry key-value metadata such as the
   * `ARROW:schema` that lets Arrow readers restore durations and wall-clock times.
   */
  async copyToParquet(sql: string, path: string, options: ParquetFileOptions = {}): Promise<void> {
    const temporary = temporaryPathFor(path);
    await this.db.exec(copyToParquetSql(sql, temporary, options));
    await rename(temporary, path);
  }

  /**
   * Writes batches computed outside SQL (curves, load series) to a Parquet file through a
   * temporary table, so that every tabular result can also be served as Parquet.
   */
  async batchesToParquet(
    batches: AsyncIterable<ColumnBatch>,
    path: string,
    options: ParquetFileOptions = {},
  ): Promise<void> {
    const iterator = batches[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) throw new Error('batchesToParquet: a result has at least one batch (its schema)');
    const second = await iterator.next();
    // A small result in one batch (curves, load series: the usual case) is written by one COPY of
    // a VALUES list; anything larger goes through a staging table.
    if (second.done && first.value.rowCount <= MAX_INLINE_EXPORT_ROWS) {
      await this.copyToParquet(inlineValuesSql(first.value), path, options);
      return;
    }
    const rest = async function* () {
      yield first.value;
      if (!second.done) yield second.value;
      yield* { [Symbol.asyncIterator]: () => iterator };
    };
    await this.stagedBatchesToParquet(rest(), path, options);
  }

  private async stagedBatchesToParquet(
    batches: AsyncIterable<ColumnBatch>,
    path: string,
    options: ParquetFileOptions,
  ): Promise<void> {
    const table = `staging_export_${randomBytes(4).toString('hex')}`;
    let created = false;
    let select = '';
    try {
      for await (const batch of batches) {
        if (!created) {
          const columns = batch.columns.map((c) => `"${c.name}" ${STAGED_TYPES[c.type].sql}`).join(', ');
          await this.db.exec(`CREATE TEMP TABLE ${table} (${columns})`);
          select = batch.columns.map((c) => STAGED_TYPES[c.type].select(`"${c.name}"`)).join(', ');
          created = true;
        }
        if (batch.rowCount === 0) continue;
        await this.db.write((tx) =>
          tx.append(
            table,
            batch.columns.map((c) => STAGED_TYPES[c.type].type),
            batch.columns.map((c) => c.values.map(STAGED_TYPES[c.type].value)),
          ),
        );
      }
      await this.copyToParquet(`SELECT ${select} FROM ${table}`, path, options);
    } finally {
      if (created) await this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    }
  }

  /**
   * Streams an uploaded file to a temporary file under `uploads/` (removed after use, or by the
   * next open after a crash), so an upload is never held in memory whole.
   */
  async stageUpload(stream: NodeJS.ReadableStream): Promise<string> {
    const folder = this.lake.fromStored('uploads');
    await mkdir(folder, { recursive: true });
    const path = temporaryPathFor(join(folder, 'upload'));
    try {
      await pipeline(stream, createWriteStream(path, { mode: 0o600 }));
      return path;
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }

  /** A `read_parquet` source for stored lake paths (relative to the data dir), in the given order. */
  parquetSource(storedPaths: readonly string[]): string {
    const list = storedPaths.map((p) => sqlString(this.lake.fromStored(p))).join(', ');
    return `read_parquet([${list}])`;
  }

  /**
   * Writes an ingested source and its activities; see the class comment for the order. When the
   * source already has activities (a recompute), they are replaced in the same commit.
   */
  async writeSource(
    source: SourceWrite,
    activities: ActivityWrite[],
    options: { restoreDeleted?: boolean } = {},
  ): Promise<void> {
    await this.writeSources([
      { source, status: 'processed', activities, restoreDeleted: options.restoreDeleted ?? false },
    ]);
  }

  /** Records a file that could not be ingested; its bytes are kept so that a fix can retry it. */
  async writeFailedSource(source: SourceWrite): Promise<void> {
    await this.writeSources([{ source, status: 'failed', activities: [], restoreDeleted: false }]);
  }

  /**
   * Writes a batch of sources (bulk ingest; one source is a batch of one): every original and lake
   * file first, then the catalog rows of the whole batch in one transaction, then the removal of the
   * files that commit replaced. A crash leaves every source of the batch either as it was or
   * written whole. Sources must be distinct. A processed source replaces its activities (a
   * recompute); a failed one keeps them and records the failure.
   */
  async writeSources(batch: readonly SourceBatchItem[]): Promise<void> {
    if (batch.length === 0) return;
    const generation = randomBytes(4).toString('hex');
    const activityRows: CatalogRow[] = [];
    // The originals in parallel, so that their syncs to disk overlap; then the lake files.
    await Promise.all(
      batch.map(({ source }) =>
        writeFileAtomic(this.lake.originalPath(source.athleteId, source.contentSha256), source.bytes),
      ),
    );
    for (const item of batch) {
      for (const activity of item.activities)
        activityRows.push(await this.writeActivityFiles(activity, generation));
    }
    const activities = batch.flatMap((item) => item.activities);
    const sourceIds = batch.map((item) => String(item.source.row.id));
    const replaced = await this.db.write(async (tx) => {
      for (const athleteId of new Set(batch.map((item) => item.source.athleteId))) {
        if (this.knownAthletes.has(athleteId)) continue;
        await tx.run(ENSURE_ATHLETE_SQL, [athleteId]);
        tx.afterCommit(() => this.knownAthletes.add(athleteId));
      }
      const before = await sourcesBeforeWrite(tx, sourceIds);
      const old: string[] = [];
      for (const item of batch) {
        const id = String(item.source.row.id);
        if (item.status === 'processed' && before.get(id)!.activityIds.size > 0) {
          old.push(...(await this.deleteSourceActivities(tx, id)));
        }
      }
      const restore = batch.filter((item) => item.restoreDeleted).map((item) => String(item.source.row.id));
      if (restore.length > 0) {
        await tx.run(
          `DELETE FROM deleted_activities WHERE source_id IN (${placeholders(restore.length)})`,
          restore,
        );
      }
      // A failed source retried after a fix is replaced (DuckDB's INSERT OR REPLACE needs a single key).
      const stored = sourceIds.filter((id) => before.get(id)!.status !== null);
      if (stored.length > 0)
        await tx.run(`DELETE FROM sources WHERE id IN (${placeholders(stored.length)})`, stored);
      await insertRows(
        tx,
        'sources',
        batch.map((item) => item.source.row),
      );
      await insertRows(tx, 'activities', activityRows);
      await insertRows(
        tx,
        'laps',
        activities.flatMap((a) => a.laps),
      );
      await insertRows(
        tx,
        'activity_metrics',
        activities.flatMap((a) => a.metricRows),
      );
      await insertRows(
        tx,
        'activity_zones',
        activities.flatMap((a) => a.zoneRows),
      );
      await insertCurvePoints(tx, activities);
      // Webhook events commit with the change (issue 10), source by source in the order single
      // ingests emit them.
      await emitWebhookEvents(
        tx,
        batch.flatMap((item) => {
          const id = String(item.source.row.id);
          return sourceWriteEvents(
            item.source.athleteId,
            id,
            before.get(id)!,
            item.status,
            item.activities.map((a) => a.id),
          );
        }),
      );
      return old;
    });
    await this.removeLakeFiles(replaced);
  }

  /**
   * An activity's catalog row with the paths of its lake files: those a decode worker wrote ahead,
   * or files written now under new names.
   */
  private async writeActivityFiles(activity: ActivityWrite, generation: string): Promise<CatalogRow> {
    const files =
      activity.lakeFiles ??
      (await this.lakeWriter.writeActivity(this.lake, lakeActivity(activity), generation));
    return { ...activity.row, ...files };
  }

  /**
   * Removes the lake files that a decode wrote ahead for activities that will not be committed (a
   * duplicate found at commit time, a batch decoded again or cancelled). Idempotent.
   */
  async discardLakeFiles(activities: readonly ActivityWrite[]): Promise<void> {
    await this.removeLakeFiles(activities.flatMap((a) => (a.lakeFiles ? storedPathsOf(a.lakeFiles) : [])));
  }

  /**
   * Every way the catalog and the files could disagree, as sentences (none on a healthy data dir):
   * rows whose files are missing, lake files or originals that no row names, rows that belong to
   * no activity, temporaries left behind.
   */
  async checkConsistency(): Promise<string[]> {
    const problems: string[] = [];
    const named = await this.db.all<{ id: string; path: string }>(
      `SELECT id, samples_path AS path FROM activities
       UNION ALL SELECT id, extras_path FROM activities WHERE extras_path IS NOT NULL
       UNION ALL SELECT id, curves_path FROM activities WHERE curves_path IS NOT NULL`,
    );
    const lakeFiles = new Set(await listFiles(this.lake.fromStored('lake')));
    const namedPaths = new Set<string>();
    for (const row of named) {
      const path = this.lake.fromStored(row.path);
      namedPaths.add(path);
      if (!lakeFiles.has(path)) problems.push(`activity ${row.id} names a missing file ${row.path}`);
    }
    for (const path of lakeFiles) {
      if (!namedPaths.has(path))
        problems.push(`lake file ${this.lake.toStored(path)} belongs to no activity`);
    }
    const sources = await this.db.all<{ id: string; athlete_id: string; content_sha256: string }>(
      'SELECT id, athlete_id, content_sha256 FROM sources',
    );
    const originals = new Set(await listFiles(this.lake.fromStored('originals')));
    const expected = new Set<string>();
    for (const source of sources) {
      const path = this.lake.originalPath(source.athlete_id, source.content_sha256);
      expected.add(path);
      if (!originals.has(path)) problems.push(`source ${source.id} has no original file`);
    }
    for (const path of originals) {
      if (!expected.has(path)) problems.push(`original ${this.lake.toStored(path)} belongs to no source`);
    }
    for (const table of [...ACTIVITY_TABLES, 'deleted_activities']) {
      const column = table === 'deleted_activities' ? 'source_id' : 'activity_id';
      const parent = table === 'deleted_activities' ? 'sources' : 'activities';
      const [row] = await this.db.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.id = t.${column})`,
      );
      if (Number(row?.n ?? 0) > 0) problems.push(`${row!.n} rows of ${table} belong to nothing`);
    }
    const [orphanActivities] = await this.db.all<{ n: bigint }>(
      'SELECT count(*) AS n FROM activities a WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.id = a.source_id)',
    );
    if (Number(orphanActivities?.n ?? 0) > 0)
      problems.push(`${orphanActivities!.n} activities belong to no source`);
    for (const path of await listTemporaries(this.lake.dataDir)) {
      problems.push(`temporary ${this.lake.toStored(path)} left behind`);
    }
    return problems;
  }

  /** The activities of a source that were deleted (tombstones), by id. */
  async deletedActivityIds(sourceId: string): Promise<Set<string>> {
    const rows = await this.db.all<{ activity_id: string }>(
      'SELECT activity_id FROM deleted_activities WHERE source_id = $1',
      [sourceId],
    );
    return new Set(rows.map((r) => r.activity_id));
  }

  /**
   * Deletes an activity's catalog rows and leaves a tombstone, then its files (a crash in between
   * leaves an orphan file that the next open removes). The source and its original stay.
   */
  async deleteActivity(athleteId: string, activityId: string): Promise<boolean> {
    const paths = await this.db.write(async (tx) => {
      const found = await tx.all<{ source_id: string }>(
        'SELECT source_id FROM activities WHERE id = $1 AND athlete_id = $2',
        [activityId, athleteId],
      );
      const row = found[0];
      if (!row) return null;
      const removed = await this.deleteActivityRows(tx, `id = $1`, [activityId]);
      await tx.run(
        'INSERT INTO deleted_activities (activity_id, source_id, athlete_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [activityId, row.source_id, athleteId],
      );
      // Every application's metadata of it goes with it (WIRE.md §7.8); a recompute keeps it.
      await tx.run(
        "DELETE FROM app_metadata WHERE athlete_id = $1 AND record_kind = 'activity' AND record_id = $2",
        [athleteId, activityId],
      );
      await emitWebhookEvents(tx, [{ athleteId, eventType: 'activity_deleted', resourceId: activityId }]);
      return removed;
    });
    if (!paths) return false;
    await this.removeLakeFiles(paths);
    return true;
  }

  /**
   * Deletes an athlete and everything of theirs in one catalog commit: activities and every row
   * that belongs to them, sources, tombstones, and every row of any table with an `athlete_id`
   * column (dailies, thresholds, tokens, delegations, … also tables added later), their team
   * memberships and grants, their user row; then their lake files and originals. Apps that could
   * read the athlete get activity_deleted and test_deleted events, kept in the outbox. A crash between
   * the commit and the file removal leaves orphan files that the next open removes.
   */
  async deleteAthlete(athleteId: string): Promise<void> {
    const paths = await this.db.write(async (tx) => {
      // Apps that could read the athlete hear of every activity and test going, before the grants
      // and tokens that make them recipients are deleted below.
      const activities = await tx.all<{ id: string }>('SELECT id FROM activities WHERE athlete_id = $1', [
        athleteId,
      ]);
      const tests = await tx.all<{ id: string }>('SELECT id FROM tests WHERE athlete_id = $1', [athleteId]);
      await emitWebhookEvents(tx, [
        ...activities.map((a) => ({ athleteId, eventType: 'activity_deleted' as const, resourceId: a.id })),
        ...tests.map((t) => ({ athleteId, eventType: 'test_deleted' as const, resourceId: t.id })),
      ]);
      const removed = await this.deleteActivityRows(tx, 'athlete_id = $1', [athleteId]);
      const tables = await tx.all<{ table_name: string }>(
        `SELECT DISTINCT table_name FROM information_schema.columns
         WHERE column_name = 'athlete_id' AND table_schema = 'main' AND table_catalog = current_database()
         ORDER BY table_name`,
      );
      for (const { table_name: table } of tables) {
        // The events feed is the apps' record of what happened, deletions included: it stays.
        if (!SAFE_IDENTIFIER.test(table) || OUTBOX_TABLES.has(table)) continue;
        await tx.run(`DELETE FROM "${table}" WHERE athlete_id = $1`, [athleteId]);
      }
      await tx.run('DELETE FROM team_members WHERE user_id = $1', [athleteId]);
      await tx.run('DELETE FROM team_authorizations WHERE user_id = $1', [athleteId]);
      await tx.run(
        'UPDATE delegations SET revoked_at = now() WHERE principal_id = $1 AND revoked_at IS NULL',
        [athleteId],
      );
      await tx.run('DELETE FROM oauth_models WHERE account_id = $1', [athleteId]);
      await tx.run('DELETE FROM users WHERE id = $1', [athleteId]);
      // Before the statement, so that no later write takes the athlete as present.
      this.knownAthletes.delete(athleteId);
      await tx.run('DELETE FROM athletes WHERE id = $1', [athleteId]);
      return removed;
    });
    await this.removeLakeFiles(paths);
    await rm(join(this.lake.dataDir, 'originals', athleteId), { recursive: true, force: true });
  }

  private deleteSourceActivities(tx: WriteTransaction, sourceId: string): Promise<string[]> {
    return this.deleteActivityRows(tx, 'source_id = $1', [sourceId]);
  }

  /** Deletes the activities matching `where` and every row that belongs to them; returns their lake paths. */
  private async deleteActivityRows(
    tx: WriteTransaction,
    where: string,
    params: DuckDBValue[],
  ): Promise<string[]> {
    const rows = await tx.all<{
      id: string;
      samples_path: string;
      extras_path: string | null;
      curves_path: string | null;
    }>(`SELECT id, samples_path, extras_path, curves_path FROM activities WHERE ${where}`, params);
    for (const row of rows) {
      for (const table of ACTIVITY_TABLES)
        await tx.run(`DELETE FROM ${table} WHERE activity_id = $1`, [row.id]);
      await tx.run('DELETE FROM activities WHERE id = $1', [row.id]);
    }
    return rows.flatMap((r) =>
      [r.samples_path, r.extras_path, r.curves_path].filter((p): p is string => p !== null),
    );
  }

  private async removeLakeFiles(storedPaths: readonly string[]): Promise<void> {
    await Promise.all(storedPaths.map((p) => rm(this.lake.fromStored(p), { force: true })));
  }

  /**
   * Converts curve files of an older layout (long rows: metric, duration_s, value, start_offset_s)
   * to the current one (a row per metric with lists), in the write order of every lake change: new
   * files under new names, then one catalog commit per chunk that points the activities at them,
   * then removal of the old files. A crash leaves each activity on its old file or its new one (the
   * next open removes the files no row names, then carries on); once every file is converted the
   * catalog records the layout, and later opens skip this at the cost of one lookup.
   */
  private async migrateCurveFiles(): Promise<void> {
    const [done] = await this.db.all<{ value: string }>('SELECT value FROM settings WHERE key = $1', [
      CURVES_LAYOUT_SETTING,
    ]);
    if (done?.value === CURVES_FILE_LAYOUT) return;
    const activities = await this.db.all<{ id: string; curves_path: string; gap_policy: string }>(
      'SELECT id, curves_path, gap_policy FROM activities WHERE curves_path IS NOT NULL ORDER BY id',
    );
    // A file that is missing cannot be converted (reads of it fail as they did before): left as it is.
    const present = new Set(await listFiles(this.lake.fromStored(join('lake', 'curves'))));
    const stored = activities.filter((a) => present.has(this.lake.fromStored(a.curves_path)));
    for (let i = 0; i < stored.length; i += MIGRATION_CHUNK) {
      const chunk = stored.slice(i, i + MIGRATION_CHUNK);
      // Files of the long layout have a duration_s column; a chunk converted before a crash has not.
      const long = new Set(
        (
          await this.db.all<{ file_name: string }>(
            `SELECT DISTINCT file_name FROM parquet_schema(${this.parquetList(chunk.map((a) => a.curves_path))})
             WHERE name = 'duration_s'`,
          )
        ).map((r) => r.file_name),
      );
      const old = chunk.filter((a) => long.has(this.lake.fromStored(a.curves_path)));
      if (old.length === 0) continue;
      const generation = randomBytes(4).toString('hex');
      const moved: { id: string; from: string; to: string }[] = [];
      for (const activity of old) {
        const from = this.lake.fromStored(activity.curves_path);
        const to = join(dirname(from), `${activity.id}-${generation}.parquet`);
        const temporary = temporaryPathFor(to);
        await this.db.exec(
          `COPY (${longCurvesToLists(sqlString(from), activity.id, activity.gap_policy)}) TO ${sqlString(temporary)}
           (${LAKE_PARQUET})`,
        );
        await rename(temporary, to);
        moved.push({ id: activity.id, from: activity.curves_path, to: this.lake.toStored(to) });
      }
      await this.db.write(async (tx) => {
        for (const m of moved) {
          await tx.run('UPDATE activities SET curves_path = $1 WHERE id = $2 AND curves_path = $3', [
            m.to,
            m.id,
            m.from,
          ]);
        }
      });
      await this.removeLakeFiles(moved.map((m) => m.from));
    }
    await this.db.write((tx) =>
      tx.run('INSERT OR REPLACE INTO settings (key, value) VALUES ($1, $2)', [
        CURVES_LAYOUT_SETTING,
        CURVES_FILE_LAYOUT,
      ]),
    );
  }

  private parquetList(storedPaths: readonly string[]): string {
    return `[${storedPaths.map((p) => sqlString(this.lake.fromStored(p))).join(', ')}]`;
  }

  /** Crash recovery: drop temporaries and lake files that no committed catalog row names. */
  private async recover(): Promise<void> {
    await removeTemporaries(this.lake.dataDir);
    const named = new Set(
      (
        await this.db.all<{ path: string }>(
          `SELECT samples_path AS path FROM activities
           UNION ALL SELECT extras_path FROM activities WHERE extras_path IS NOT NULL
           UNION ALL SELECT curves_path FROM activities WHERE curves_path IS NOT NULL`,
        )
      ).map((r) => this.lake.fromStored(r.path)),
    );
    const files = await listFiles(this.lake.fromStored('lake'));
    await Promise.all(files.filter((f) => !named.has(f)).map((f) => rm(f, { force: true })));
    // Originals are written before their source's catalog row: bytes without a row are the remains
    // of an upload that died before its commit (a failed source keeps its row, so its bytes stay).
    const kept = new Set(
      (
        await this.db.all<{ athlete_id: string; content_sha256: string }>(
          'SELECT athlete_id, content_sha256 FROM sources',
        )
      ).map((r) => this.lake.originalPath(r.athlete_id, r.content_sha256)),
    );
    const originals = await listFiles(this.lake.fromStored('originals'));
    await Promise.all(originals.filter((f) => !kept.has(f)).map((f) => rm(f, { force: true })));
  }
}

/**
 * A data dir is Peakform's when it holds a catalog, or is empty (a new one). A folder that holds
 * other things and no catalog (a home directory, a project) is refused rather than written into.
 */
async function assertOwnDataDir(dataDir: string): Promise<void> {
  const entries = await readdir(dataDir);
  if (entries.includes('catalog.duckdb')) return;
  const foreign = entries.filter((name) => !DATA_DIR_ENTRIES.includes(name));
  if (foreign.length > 0) {
    throw new PeakformError(
      'ERR_DATA_DIR_FOREIGN',
      `${dataDir} is not a Peakform data dir: it has no catalog and holds other files (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}). Choose an empty or new folder with --data.`,
    );
  }
}

/**
 * The layout of curve files, recorded in the catalog's settings once every file has it:
 * `lists` is a row per metric with lists by duration (earlier data dirs had a row per duration).
 */
const CURVES_LAYOUT_SETTING = 'lake.curves_layout';
const CURVES_FILE_LAYOUT = 'lists';
/** Activities whose curve files are converted per catalog commit when a data dir is migrated. */
const MIGRATION_CHUNK = 256;

/**
 * A curve file of the long layout (a row per metric and duration with a value) as the current
 * one: a row per metric, its lists holding the value and start at duration d in position d, NULL
 * where the long layout had no row.
 */
function longCurvesToLists(file: string, activityId: string, gapPolicy: string): string {
  return `WITH c AS (SELECT metric, duration_s, value, start_offset_s FROM read_parquet(${file})),
    d AS (SELECT metric, CAST(unnest(range(1, max(duration_s) + 1)) AS INTEGER) AS duration_s FROM c GROUP BY metric)
    SELECT ${sqlString(activityId)} AS activity_id, d.metric, ${sqlString(gapPolicy)} AS gap_policy,
      list(c.value ORDER BY d.duration_s) AS value, list(c.start_offset_s ORDER BY d.duration_s) AS start_offset_s
    FROM d LEFT JOIN c USING (metric, duration_s) GROUP BY d.metric ORDER BY d.metric`;
}

const MAX_INLINE_EXPORT_ROWS = 5000;

/**
 * One batch as a query over a VALUES list: each value rendered as a SQL literal (strings quoted,
 * non-finite numbers as NULL), typed by a cast, then shaped like the staged export.
 */
function inlineValuesSql(batch: ColumnBatch): string {
  const columns = batch.columns.map((c, i) => ({
    name: c.name,
    staged: STAGED_TYPES[c.type],
    alias: `c${i}`,
  }));
  const typed = columns.map((c) => `CAST(${c.alias} AS ${c.staged.sql}) AS "${c.name}"`).join(', ');
  const select = columns.map((c) => c.staged.select(`"${c.name}"`)).join(', ');
  if (batch.rowCount === 0) {
    const nulls = columns.map((c) => `CAST(NULL AS ${c.staged.sql}) AS "${c.name}"`).join(', ');
    return `SELECT ${select} FROM (SELECT ${nulls} WHERE false)`;
  }
  const rows: string[] = new Array(batch.rowCount);
  for (let row = 0; row < batch.rowCount; row++) {
    rows[row] =
      `(${batch.columns.map((c) => sqlLiteral(STAGED_TYPES[c.type].value(c.values[row] ?? null))).join(', ')})`;
  }
  return `SELECT ${select} FROM (SELECT ${typed} FROM (VALUES ${rows.join(', ')}) v(${columns.map((c) => c.alias).join(', ')}))`;
}

function sqlLiteral(value: DuckDBValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Object.is(value, -0)) return String(value);
    // A literal with a fraction is a DECIMAL to DuckDB, whose cast to FLOAT lands an ulp off
    // (1.6469999551773071 became 1.6469998359680176); a DOUBLE is exact, NaN and ±Infinity too.
    return `'${Object.is(value, -0) ? '-0.0' : String(value)}'::DOUBLE`;
  }
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return sqlString(String(value));
}

/** How each result column type is staged for a Parquet export (instants as epoch seconds). */
const STAGED_TYPES: Record<
  ColumnType,
  { sql: string; type: DuckDBType; value: (v: unknown) => DuckDBValue; select: (column: string) => string }
> = {
  int16: { sql: 'SMALLINT', type: SMALLINT, value: numberOrNull, select: asIs },
  int32: { sql: 'INTEGER', type: INTEGER, value: numberOrNull, select: asIs },
  int64: {
    sql: 'BIGINT',
    type: BIGINT,
    value: (v) => (v === null ? null : BigInt(v as bigint)),
    select: asIs,
  },
  float32: { sql: 'FLOAT', type: FLOAT, value: numberOrNull, select: asIs },
  float64: { sql: 'DOUBLE', type: DOUBLE, value: numberOrNull, select: asIs },
  bool: { sql: 'BOOLEAN', type: BOOLEAN, value: (v) => (v === null ? null : Boolean(v)), select: asIs },
  timestamp: {
    sql: 'DOUBLE',
    type: DOUBLE,
    value: epochSeconds,
    select: (c) => `to_timestamp(${c}) AS ${c}`,
  },
  timestamp_local: {
    sql: 'DOUBLE',
    type: DOUBLE,
    value: epochSeconds,
    select: (c) => `make_timestamp(CAST(${c} * 1000000 AS BIGINT)) AS ${c}`,
  },
  // Seconds as BIGINT; the ARROW:schema of the export makes it a duration[s] for Arrow readers.
  duration: {
    sql: 'BIGINT',
    type: BIGINT,
    value: (v) => (v === null ? null : BigInt(Math.round(Number(v)))),
    select: asIs,
  },
  date: { sql: 'VARCHAR', type: VARCHAR, value: (v) => (v === null ? null : String(v)), select: asIs },
  utf8: { sql: 'VARCHAR', type: VARCHAR, value: (v) => (v === null ? null : String(v)), select: asIs },
};

function numberOrNull(v: unknown): DuckDBValue {
  return v === null ? null : Number(v);
}

function epochSeconds(v: unknown): DuckDBValue {
  return v instanceof Date ? v.getTime() / 1000 : null;
}

function asIs(column: string): string {
  return column;
}

/** Staged columns of a curves file: metric, and its values and starts by duration. */
const _CURVE_FILE_TYPES = [VARCHAR, LIST(DOUBLE), LIST(INTEGER)];
/** Staged columns of curve points: activity and metric (indexes), after, duration, value, start, envelope. */
/** The staged curve points' columns, in the order of `insertCurvePoints`' arrays. */
const CURVE_COLUMNS: [string, DuckDBType][] = [
  ['activity_index', INTEGER],
  ['metric_index', INTEGER],
  ['after_kj', SMALLINT],
  ['duration_s', INTEGER],
  ['value', DOUBLE],
  ['start_offset_s', INTEGER],
  ['envelope_value', DOUBLE],
  ['envelope_duration_s', INTEGER],
  ['envelope_start_offset_s', INTEGER],
];
/** Tables of the webhook outbox, kept when an athlete is deleted (their deletion events are in it). */
const OUTBOX_TABLES = new Set(['webhook_events', 'webhook_deliveries', 'webhook_attempts']);

/** The query-grid curve points of a batch's activities, in one staged INSERT. */
async function insertCurvePoints(tx: WriteTransaction, activities: readonly ActivityWrite[]): Promise<void> {
  const metrics: string[] = [];
  const metricIndex = new Map<string, number>();
  let rows = 0;
  for (const activity of activities) {
    for (const curve of activity.curves) {
      if (!metricIndex.has(curve.metric)) {
        metricIndex.set(curve.metric, metrics.length);
        metrics.push(curve.metric);
      }
      for (const d of QUERY_GRID_S) {
        if (d > curve.values.length) break;
        if (!Number.isNaN(curve.values[d - 1]!)) rows++;
      }
    }
  }
  if (rows === 0) return;
  const columns = {
    activity: new Int32Array(rows),
    metric: new Int32Array(rows),
    afterKj: new Int16Array(rows),
    duration: new Int32Array(rows),
    value: new Float64Array(rows),
    start: new Int32Array(rows),
    envelope: new Float64Array(rows),
    envelopeDuration: new Int32Array(rows),
    envelopeStart: new Int32Array(rows),
  };
  // Whose points they are, by activity index (only activities with points have an index).
  const owners = {
    athleteId: [] as string[],
    activityId: [] as string[],
    sport: [] as string[],
    localDate: [] as string[],
    startS: [] as number[],
  };
  let at = 0;
  for (const activity of activities) {
    const first = at;
    const index = owners.activityId.length;
    for (const curve of activity.curves) {
      for (const d of QUERY_GRID_S) {
        if (d > curve.values.length) break;
        const v = curve.values[d - 1]!;
        if (Number.isNaN(v)) continue;
        columns.activity[at] = index;
        columns.metric[at] = metricIndex.get(curve.metric)!;
        columns.afterKj[at] = curve.afterKj;
        columns.duration[at] = d;
        columns.value[at] = v;
        columns.start[at] = curve.startS[d - 1]!;
        columns.envelope[at] = curve.envelope[d - 1]!;
        columns.envelopeDuration[at] = curve.envelopeDurationS[d - 1]!;
        columns.envelopeStart[at] = curve.envelopeStartS[d - 1]!;
        at++;
      }
    }
    if (at === first) continue;
    owners.athleteId.push(activity.athleteId);
    owners.activityId.push(activity.id);
    owners.sport.push(activity.sport);
    owners.localDate.push(activity.localDate);
    owners.startS.push(activity.startS);
  }
  // The points are read straight from their arrays; their owners' columns are list parameters.
  await tx.runOverTypedColumns(
    CURVE_COLUMNS.map(([name, type], c) => ({ name, type, values: Object.values(columns)[c]! })),
    (from) =>
      `INSERT INTO curve_points SELECT ($1::VARCHAR[])[c.activity_index + 1], ($2::VARCHAR[])[c.activity_index + 1],
        ($3::VARCHAR[])[c.activity_index + 1], CAST(($4::VARCHAR[])[c.activity_index + 1] AS DATE),
        ($5::DOUBLE[])[c.activity_index + 1], ($6::VARCHAR[])[c.metric_index + 1], c.after_kj, c.duration_s, c.value,
        c.start_offset_s, c.envelope_value, c.envelope_duration_s, c.envelope_start_offset_s
       FROM ${from} c`,
    [
      listValue(owners.athleteId),
      listValue(owners.activityId),
      listValue(owners.sport),
      listValue(owners.localDate),
      listValue(owners.startS),
      listValue(metrics),
    ],
  );
}

/** What each source of a batch was before the write (status, activities), in two queries. */
async function sourcesBeforeWrite(
  tx: WriteTransaction,
  sourceIds: readonly string[],
): Promise<Map<string, SourceBefore>> {
  const list = placeholders(sourceIds.length);
  const statuses = await tx.all<{ id: string; status: string }>(
    `SELECT id, status FROM sources WHERE id IN (${list})`,
    [...sourceIds],
  );
  const activities = await tx.all<{ id: string; source_id: string }>(
    `SELECT id, source_id FROM activities WHERE source_id IN (${list})`,
    [...sourceIds],
  );
  const before = new Map<string, SourceBefore>(
    sourceIds.map((id) => [id, { status: null, activityIds: new Set<string>() }]),
  );
  for (const row of statuses) before.get(row.id)!.status = row.status;
  for (const row of activities) before.get(row.source_id)!.activityIds.add(row.id);
  return before;
}

function placeholders(n: number, from = 1): string {
  return Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
}

/** Rows per INSERT statement: one multi-row VALUES list stays well inside DuckDB's parameter limits. */
const INSERT_CHUNK_PARAMS = 2000;

/** Inserts rows in multi-row statements (rows with the same columns go together, in order). */
async function insertRows(tx: WriteTransaction, table: string, rows: readonly CatalogRow[]): Promise<void> {
  let i = 0;
  while (i < rows.length) {
    const names = Object.keys(rows[i]!);
    const key = names.join(',');
    const perRow = Math.max(1, Math.floor(INSERT_CHUNK_PARAMS / Math.max(1, names.length)));
    const chunk: CatalogRow[] = [];
    while (i < rows.length && chunk.length < perRow && Object.keys(rows[i]!).join(',') === key)
      chunk.push(rows[i++]!);
    const bound: DuckDBValue[] = [];
    const tuples = chunk.map((row) => {
      const cells = names.map((name) => {
        const v = row[name];
        bound.push((Array.isArray(v) ? JSON.stringify(v) : v) as DuckDBValue);
        // The driver cannot bind untyped lists, so a list travels as JSON and is cast back.
        return Array.isArray(v) ? `CAST(CAST($${bound.length} AS JSON) AS VARCHAR[])` : `$${bound.length}`;
      });
      return `(${cells.join(', ')})`;
    });
    await tx.run(`INSERT INTO ${table} (${names.join(', ')}) VALUES ${tuples.join(', ')}`, bound);
  }
}

/** What the lake files of an activity are written from; its samples must still be at hand. */
function lakeActivity(activity: ActivityWrite): LakeActivity {
  if (!activity.samples) throw new Error(`activity ${activity.id} has neither samples nor lake files`);
  return { ...activity, samples: activity.samples };
}
