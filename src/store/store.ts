import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DOUBLE, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { SampleTable } from '../domain/activity.ts';
import { METRICS } from '../domain/metrics.ts';
import { CATALOG_SCHEMA } from './catalog-schema.ts';
import type { ColumnBatch } from './column-batch.ts';
import { Database, type SqlParams, type WriteTransaction } from './database.ts';
import { Lake, listFiles, removeTemporaries, temporaryPathFor, writeFileAtomic } from './lake.ts';

/** Values for one catalog row by column name; string arrays go to VARCHAR[] columns. */
export type CatalogRow = Record<string, DuckDBValue | readonly string[]>;

/** One activity ready to be written: ids assigned, catalog values prepared by the engine. */
export interface ActivityWrite {
  id: string;
  year: number;
  samples: SampleTable;
  /** Column values for the `activities` table, without the paths (the store sets those). */
  row: CatalogRow;
  laps: CatalogRow[];
}

export interface SourceWrite {
  athleteId: string;
  contentSha256: string;
  bytes: Uint8Array;
  row: CatalogRow;
}

/**
 * The only module that knows paths, Parquet and DuckDB. Writes follow one order so that a crash at
 * any point leaves either the old state or the new one: original bytes → Parquet files (temp +
 * rename) → catalog rows in one transaction. Opening a data dir removes temporaries and sample
 * files that no catalog row names (the remains of a write that died before its commit).
 */
export class Store {
  private constructor(
    readonly lake: Lake,
    private readonly db: Database,
  ) {}

  static async open(dataDir: string): Promise<Store> {
    await mkdir(dataDir, { recursive: true });
    const lake = new Lake(dataDir);
    const db = await Database.open(lake.catalogPath);
    const store = new Store(lake, db);
    try {
      for (const statement of CATALOG_SCHEMA) await db.exec(statement);
      await db.exec(
        `CREATE TEMP TABLE IF NOT EXISTS staging_samples (${STAGING_COLUMNS.map((c) => `${c} DOUBLE`).join(', ')})`,
      );
      await store.recover();
    } catch (error) {
      db.close();
      throw error;
    }
    return store;
  }

  close(): void {
    this.db.close();
  }

  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.db.all<T>(sql, params);
  }

  stream(sql: string, params?: SqlParams): AsyncGenerator<ColumnBatch> {
    return this.db.stream(sql, params);
  }

  write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.db.write(work);
  }

  /** Runs a query into a Parquet file at `path` (temp + rename). */
  async copyToParquet(sql: string, path: string): Promise<void> {
    const temporary = temporaryPathFor(path);
    await this.db.exec(`COPY (${sql}) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd)`);
    await rename(temporary, path);
  }

  /** Reads one activity's samples file, by the path stored in its catalog row. */
  samplesSource(storedPath: string): string {
    return `read_parquet(${sqlString(this.lake.fromStored(storedPath))})`;
  }

  /** Writes an ingested source and its activities; see the class comment for the order. */
  async writeSource(source: SourceWrite, activities: ActivityWrite[]): Promise<void> {
    await writeFileAtomic(this.lake.originalPath(source.athleteId, source.contentSha256), source.bytes);
    const rows: CatalogRow[] = [];
    for (const activity of activities) {
      const samplesPath = this.lake.samplesPath(source.athleteId, activity.year, activity.id);
      await this.writeSamples(activity.id, activity.samples, samplesPath);
      let extrasPath: string | null = null;
      if (Object.keys(activity.samples.extra).length > 0) {
        extrasPath = this.lake.extrasPath(source.athleteId, activity.year, activity.id);
        await this.writeExtras(activity.samples, extrasPath);
      }
      rows.push({
        ...activity.row,
        samples_path: this.lake.toStored(samplesPath),
        extras_path: extrasPath === null ? null : this.lake.toStored(extrasPath),
      });
    }
    await this.db.write(async (tx) => {
      await tx.run('INSERT INTO athletes (id) VALUES ($1) ON CONFLICT DO NOTHING', [source.athleteId]);
      await insertRow(tx, 'sources', source.row, true);
      for (const row of rows) await insertRow(tx, 'activities', row, false);
      for (const activity of activities)
        for (const lap of activity.laps) await insertRow(tx, 'laps', lap, false);
    });
  }

  /** Records a file that could not be ingested; its bytes are kept so that a fix can retry it. */
  async writeFailedSource(source: SourceWrite): Promise<void> {
    await writeFileAtomic(this.lake.originalPath(source.athleteId, source.contentSha256), source.bytes);
    await this.db.write(async (tx) => {
      await tx.run('INSERT INTO athletes (id) VALUES ($1) ON CONFLICT DO NOTHING', [source.athleteId]);
      await insertRow(tx, 'sources', source.row, true);
    });
  }

  /** Deletes an activity's catalog rows, then its files (a crash in between leaves an orphan file that the next open removes). */
  async deleteActivity(athleteId: string, activityId: string): Promise<boolean> {
    const paths = await this.db.write(async (tx) => {
      const found = await tx.all<{ samples_path: string; extras_path: string | null; source_id: string }>(
        'SELECT samples_path, extras_path, source_id FROM activities WHERE id = $1 AND athlete_id = $2',
        [activityId, athleteId],
      );
      const row = found[0];
      if (!row) return null;
      await tx.run('DELETE FROM laps WHERE activity_id = $1', [activityId]);
      await tx.run('DELETE FROM activities WHERE id = $1', [activityId]);
      // A source with no activity left is forgotten, so that uploading the same file again restores it.
      await tx.run(
        'DELETE FROM sources WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM activities WHERE source_id = $1)',
        [row.source_id],
      );
      return [row.samples_path, row.extras_path].filter((p): p is string => p !== null);
    });
    if (!paths) return false;
    await Promise.all(paths.map((p) => rm(this.lake.fromStored(p), { force: true })));
    return true;
  }

  private async writeSamples(activityId: string, samples: SampleTable, path: string): Promise<void> {
    const n = samples.timestampS.length;
    const columns: DuckDBValue[][] = [Array.from(samples.timestampS)];
    for (const metric of METRICS) columns.push(toNullable(samples.columns[metric.name], n));
    await this.stageAndCopy(
      STAGING_COLUMNS.map(() => DOUBLE),
      'staging_samples',
      columns,
      `SELECT ${sqlString(activityId)} AS activity_id, to_timestamp(timestamp_s) AS timestamp, ${METRICS.map(
        (m) => `CAST(${m.name} AS ${m.duckdbType}) AS ${m.name}`,
      ).join(', ')} FROM staging_samples ORDER BY timestamp_s`,
      path,
    );
  }

  private async writeExtras(samples: SampleTable, path: string): Promise<void> {
    const names = Object.keys(samples.extra).filter((name) => SAFE_IDENTIFIER.test(name));
    const n = samples.timestampS.length;
    const table = 'staging_extras';
    await this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    await this.db.exec(
      `CREATE TEMP TABLE ${table} (timestamp_s DOUBLE${names.map((c) => `, "${c}" DOUBLE`).join('')})`,
    );
    await this.stageAndCopy(
      [DOUBLE, ...names.map(() => DOUBLE)],
      table,
      [Array.from(samples.timestampS), ...names.map((name) => toNullable(samples.extra[name], n))],
      `SELECT to_timestamp(timestamp_s) AS timestamp${names.map((c) => `, "${c}"`).join('')} FROM ${table} ORDER BY timestamp_s`,
      path,
    );
  }

  private async stageAndCopy(
    types: DuckDBType[],
    table: string,
    columns: DuckDBValue[][],
    select: string,
    path: string,
  ): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const temporary = temporaryPathFor(path);
    await this.db.write(async (tx) => {
      await tx.run(`DELETE FROM ${table}`);
      await tx.append(table, types, columns);
      await tx.run(
        `COPY (${select}) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION V2)`,
      );
      await tx.run(`DELETE FROM ${table}`);
    });
    await rename(temporary, path);
  }

  /** Crash recovery: drop temporaries and files that no committed catalog row names. */
  private async recover(): Promise<void> {
    await removeTemporaries(this.lake.dataDir);
    const named = new Set(
      (
        await this.db.all<{ path: string }>(
          'SELECT samples_path AS path FROM activities UNION ALL SELECT extras_path FROM activities WHERE extras_path IS NOT NULL',
        )
      ).map((r) => this.lake.fromStored(r.path)),
    );
    const files = await listFiles(this.lake.fromStored('lake'));
    await Promise.all(files.filter((f) => !named.has(f)).map((f) => rm(f, { force: true })));
  }
}

const STAGING_COLUMNS = ['timestamp_s', ...METRICS.map((m) => m.name)];
const SAFE_IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

function toNullable(values: Float64Array | undefined, n: number): DuckDBValue[] {
  const out: DuckDBValue[] = new Array(n);
  if (!values) return out.fill(null);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    out[i] = Number.isNaN(v) ? null : v;
  }
  return out;
}

async function insertRow(
  tx: WriteTransaction,
  table: string,
  row: CatalogRow,
  replace: boolean,
): Promise<void> {
  const names = Object.keys(row);
  const values = Object.values(row);
  // The driver cannot bind untyped lists, so a list travels as JSON and is cast back.
  const placeholders = values.map((v, i) =>
    Array.isArray(v) ? `CAST(CAST($${i + 1} AS JSON) AS VARCHAR[])` : `$${i + 1}`,
  );
  const bound = values.map((v) => (Array.isArray(v) ? JSON.stringify(v) : v)) as DuckDBValue[];
  // A failed source retried after a fix is replaced (DuckDB's INSERT OR REPLACE needs a single key).
  if (replace) await tx.run(`DELETE FROM ${table} WHERE id = $1`, [row.id as DuckDBValue]);
  await tx.run(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${placeholders.join(', ')})`, bound);
}

/** A SQL string literal for values we generate ourselves (paths, ids); user input goes in parameters. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
