import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DOUBLE, INTEGER, LIST, VARCHAR } from '@duckdb/node-api';
import type { SampleTable } from '../domain/activity.ts';
import { METRICS } from '../domain/metrics.ts';
import { Database, type TypedColumnSource } from './database.ts';
import { type Lake, type LakeKind, temporaryPathFor } from './lake.ts';
import { sqlString } from './sql-string.ts';

/** One exact curve: `values[d − 1]` and `startS[d − 1]` for windows of exactly d seconds. */
export interface CurveWrite {
  metric: string;
  afterKj: number;
  values: Float64Array;
  startS: Int32Array;
  /** Best for at least d seconds, the duration of that window, and its start. */
  envelope: Float64Array;
  envelopeDurationS: Int32Array;
  envelopeStartS: Int32Array;
}

/** What an activity's lake files are made of. */
export interface LakeActivity {
  id: string;
  athleteId: string;
  year: number;
  samples: SampleTable;
  curves: readonly CurveWrite[];
  gapPolicy: string;
}

/** An activity's lake files, as the catalog stores their paths (relative to the data dir). */
export interface LakeFilePaths {
  samples_path: string;
  extras_path: string | null;
  curves_path: string | null;
}

/** The stored paths of an activity's lake files. */
export function storedPathsOf(files: LakeFilePaths): string[] {
  return [files.samples_path, files.extras_path, files.curves_path].filter((p): p is string => p !== null);
}

/** Lower-case names that are safe to use as SQL identifiers without quoting rules. */
export const SAFE_IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

const CURVE_FILE_TYPES = [VARCHAR, LIST(DOUBLE), LIST(INTEGER)];

/**
 * How lake files are written. zstd at level 1 compresses the ride's samples and curves files to
 * within 1 % of the default level 3 for about 15 % less of the COPY's CPU; no bloom filters, which
 * DuckDB writes by default for dictionary columns: no lake query looks values up by equality, and
 * without them the samples file is 3 % smaller (measured on the real 6 h ride).
 */
export const LAKE_PARQUET =
  'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, WRITE_BLOOM_FILTER false, PARQUET_VERSION V2';

/**
 * Writes an activity's lake files (samples, extras, whole-activity curves) as Parquet, each under
 * a new name (temp + rename), through an in-memory DuckDB instance of its own with one thread: a
 * pool's workers spent 30–40 % more CPU on these small COPYs (bench/bulk-ingest.ts), and with an
 * instance of its own a writer never queues behind catalog transactions — the store has one, and
 * each ingest worker thread has one so that a bulk ingest writes files where it decodes them.
 * Files only: the catalog rows that name them commit later (see `Store.writeSources`).
 */
export class LakeFileWriter {
  private constructor(private readonly db: Database) {}

  static async open(): Promise<LakeFileWriter> {
    const db = await Database.inMemory({ threads: 1 });
    try {
      await db.exec(
        'CREATE TEMP TABLE staging_curve_file (metric VARCHAR, value DOUBLE[], start_offset_s INTEGER[])',
      );
    } catch (error) {
      db.close();
      throw error;
    }
    return new LakeFileWriter(db);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Writes the activity's files under names of `generation` and returns their stored paths. On an
   * error the files it wrote are removed before the error is passed on.
   */
  async writeActivity(lake: Lake, activity: LakeActivity, generation: string): Promise<LakeFilePaths> {
    const path = (kind: LakeKind) =>
      lake.lakePath(kind, activity.athleteId, activity.year, activity.id, generation);
    const written: string[] = [];
    try {
      const samplesPath = path('samples');
      written.push(samplesPath);
      await this.writeSamples(activity.id, activity.samples, samplesPath);
      let extrasPath: string | null = null;
      if (Object.keys(activity.samples.extra).length > 0) {
        extrasPath = path('extras');
        written.push(extrasPath);
        await this.writeExtras(activity.samples, extrasPath);
      }
      let curvesPath: string | null = null;
      if (activity.curves.length > 0) {
        curvesPath = path('curves');
        written.push(curvesPath);
        await this.writeCurves(activity, curvesPath);
      }
      return {
        samples_path: lake.toStored(samplesPath),
        extras_path: extrasPath && lake.toStored(extrasPath),
        curves_path: curvesPath && lake.toStored(curvesPath),
      };
    } catch (error) {
      await Promise.all(written.map((p) => rm(p, { force: true })));
      throw error;
    }
  }
  private async writeSamples(activityId: string, samples: SampleTable, path: string): Promise<void> {
    // Only the metrics the activity has are read from their arrays; a missing reading (NaN) is NULL.
    const present = METRICS.filter((m) => samples.columns[m.name] !== undefined);
    await this.copyToParquet(
      [
        { name: 'timestamp_s', type: DOUBLE, values: samples.timestampS },
        ...present.map((m) => ({
          name: m.name,
          type: DOUBLE,
          values: samples.columns[m.name]!,
          nullWhereNaN: true,
        })),
      ],
      (from) =>
        `SELECT ${sqlString(activityId)} AS activity_id, to_timestamp(timestamp_s) AS timestamp, ${METRICS.map(
          (m) =>
            present.includes(m)
              ? `CAST(${m.name} AS ${m.duckdbType}) AS ${m.name}`
              : `CAST(NULL AS ${m.duckdbType}) AS ${m.name}`,
        ).join(', ')} FROM ${from}`,
      path,
    );
  }

  private async writeExtras(samples: SampleTable, path: string): Promise<void> {
    const names = Object.keys(samples.extra).filter((name) => SAFE_IDENTIFIER.test(name));
    await this.copyToParquet(
      [
        { name: 'timestamp_s', type: DOUBLE, values: samples.timestampS },
        ...names.map((name) => ({ name, type: DOUBLE, values: samples.extra[name]!, nullWhereNaN: true })),
      ],
      (from) =>
        `SELECT to_timestamp(timestamp_s) AS timestamp${names.map((c) => `, "${c}"`).join('')} FROM ${from}`,
      path,
    );
  }

  /**
   * The whole-activity curves at every duration (CURVES_FILE_LAYOUT): one row per metric, sorted by
   * metric, whose `value` and `start_offset_s` lists hold the curve at every duration d in
   * position d (NULL where no window of d seconds has a value). Envelopes and fatigue-resistance
   * curves are kept in the catalog index only, at the query-grid durations: they derive from these
   * or matter at those durations.
   */
  private async writeCurves(activity: LakeActivity, path: string): Promise<void> {
    const whole = activity.curves
      .filter((c) => c.afterKj === 0)
      .sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
    await mkdir(dirname(path), { recursive: true });
    const temporary = temporaryPathFor(path);
    await this.db.scratch(async (tx) => {
      // Each curve's buffers go in at once; a duration without a window (NaN) is NULL in both lists.
      await tx.appendListRows(
        'staging_curve_file',
        CURVE_FILE_TYPES,
        whole.map((c) => ({
          key: c.metric,
          lists: [c.values, c.startS.subarray(0, c.values.length)],
          nullWhereNaN: c.values,
        })),
      );
      await tx.run(
        `COPY (SELECT ${sqlString(activity.id)} AS activity_id, metric, ${sqlString(activity.gapPolicy)} AS gap_policy,
            value, start_offset_s FROM staging_curve_file) TO ${sqlString(temporary)} (${LAKE_PARQUET})`,
      );
    });
    await rename(temporary, path);
  }

  /** COPYs a query of typed columns (see `Database.runOverTypedColumns`) to a Parquet file (temp + rename). */
  private async copyToParquet(
    columns: readonly TypedColumnSource[],
    select: (from: string) => string,
    path: string,
  ): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const temporary = temporaryPathFor(path);
    await this.db.runOverTypedColumns(
      columns,
      (from) => `COPY (${select(from)}) TO ${sqlString(temporary)} (${LAKE_PARQUET})`,
    );
    await rename(temporary, path);
  }
}
