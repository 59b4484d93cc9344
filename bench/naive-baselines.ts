/**
 * The naive alternatives that the longitudinal benches compare the engine against: the same
 * answers recomputed from the raw sample files in DuckDB SQL on every call, with no stored curves,
 * roll-ups or per-activity totals. They read exactly the sample files that the catalog names for
 * the activities in range (not a glob over the athlete's folder), so they pay for the computation,
 * not for a careless scan.
 *
 * Values: the engine's stored curves use the gap policy `interp:23` (DESIGN.md §4), these use
 * `zero` (the plain elapsed-time grid), so on activities with short gaps the two differ slightly;
 * the benches compare cost, not values.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { Engine } from '../src/engine/engine.ts';
import { activityFilter } from '../src/query/activity-sql.ts';
import { compileSql, sql } from '../src/query/sql.ts';

export interface NaiveRange {
  /** Local dates, inclusive (YYYY-MM-DD). */
  start?: string;
  end?: string;
}

export interface NaiveMeanMaxOptions extends NaiveRange {
  durationsS: readonly number[];
  /** Open Sport Taxonomy filters, as the API takes them (`cycling` matches `cycling+stationary`). */
  sport?: string | readonly string[];
}

export interface NaiveCurvePoint {
  duration_s: number;
  /** Best mean power (W) over a window of exactly `duration_s` seconds. */
  value: number;
  activity_id: string;
}

export interface NaiveWeek {
  /** ISO week of the local date, e.g. `2024-W03`. */
  week: string;
  /** Monday of that week (YYYY-MM-DD). */
  week_start: string;
  activities: number;
  /** First to last sample, summed over the week's activities. */
  duration_s: number;
  /** Recorded seconds (rows), summed. */
  moving_s: number;
  distance_m: number;
  /** Sum of the 1 Hz power readings (J). */
  work_j: number;
  mean_power_w: number | null;
  max_power_w: number | null;
  mean_heart_rate_bpm: number | null;
  max_heart_rate_bpm: number | null;
}

/**
 * The athlete's best mean power for each duration over the activities in range, recomputed from
 * the raw samples: each activity's 1 Hz grid (generate_series from its first to its last second,
 * LEFT JOIN the samples, missing seconds and missing readings as 0 W — gap policy `zero`), a
 * rolling `ROWS BETWEEN d − 1 PRECEDING` sum per duration keeping only full windows, the best per
 * activity, then the best over activities (ties to the earliest activity). Durations no activity
 * is long enough for are left out.
 */
export async function naiveLongitudinalMeanMax(
  engine: Engine,
  athleteId: string,
  options: NaiveMeanMaxOptions,
): Promise<NaiveCurvePoint[]> {
  const durations = [...new Set(options.durationsS)].sort((a, b) => a - b);
  for (const d of durations) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`durations must be positive integers, got ${d}`);
  }
  if (durations.length === 0) return [];
  const sport = typeof options.sport === 'string' ? [options.sport] : options.sport;
  const { sql: where, params } = compileSql(
    sql`${activityFilter(athleteId, { start: options.start, end: options.end, sport: sport ? [...sport] : undefined })}
    AND list_contains(metrics, 'power')`,
  );
  const source = await samplesSource(engine, where, params);
  if (!source) return [];

  const windows = durations
    .map(
      (d) =>
        `CASE WHEN k >= ${d - 1} THEN sum(p) OVER (PARTITION BY activity_id ORDER BY k ROWS BETWEEN ${d - 1} PRECEDING AND CURRENT ROW) END AS w${d}`,
    )
    .join(',\n      ');
  const bests = durations.map((d) => `max(w${d}) AS b${d}`).join(', ');
  const unpivot = durations.map((d) => `{'duration_s': ${d}, 'best': b${d}}`).join(', ');
  const query = `
    WITH acts AS (
      SELECT id AS activity_id, CAST(epoch(start_utc) AS BIGINT) AS t0, CAST(epoch(end_utc) AS BIGINT) AS t1
      FROM activities WHERE ${where}
    ),
    grid AS (
      SELECT activity_id, t0, unnest(generate_series(0, t1 - t0)) AS k FROM acts
    ),
    samples AS (
      SELECT activity_id, CAST(epoch(timestamp) AS BIGINT) AS t, power FROM ${source}
    ),
    filled AS (
      SELECT g.activity_id, g.t0, g.k, CAST(coalesce(s.power, 0) AS INTEGER) AS p
      FROM grid g LEFT JOIN samples s ON s.activity_id = g.activity_id AND s.t = g.t0 + g.k
    ),
    windows AS (
      SELECT activity_id, t0,
      ${windows}
      FROM filled
    ),
    per_activity AS (
      SELECT activity_id, t0, ${bests} FROM windows GROUP BY activity_id, t0
    ),
    long AS (
      SELECT activity_id, t0, unnest([${unpivot}], recursive := true) FROM per_activity
    )
    SELECT DISTINCT ON (duration_s) CAST(duration_s AS INTEGER) AS duration_s,
      CAST(best AS DOUBLE) / duration_s AS value, activity_id
    FROM long WHERE best IS NOT NULL
    ORDER BY duration_s, best DESC, t0, activity_id`;
  const rows = await engine.store.all<NaiveCurvePoint>(query, params as DuckDBValue[]);
  return rows.sort((a, b) => a.duration_s - b.duration_s);
}

/**
 * Per local ISO week: activity count, duration, distance, work, mean/max power and heart rate,
 * computed from the raw samples of the activities in range (per activity first, then per week by
 * the catalog's local date). Weeks without activities are absent.
 */
export async function naiveWeeklyAggregate(
  engine: Engine,
  athleteId: string,
  range: NaiveRange = {},
): Promise<NaiveWeek[]> {
  const { sql: where, params } = compileSql(
    activityFilter(athleteId, { start: range.start, end: range.end }),
  );
  const source = await samplesSource(engine, where, params);
  if (!source) return [];
  const query = `
    WITH acts AS (
      SELECT id AS activity_id, local_date FROM activities WHERE ${where}
    ),
    per_activity AS (
      SELECT activity_id,
        epoch(max(timestamp)) - epoch(min(timestamp)) + 1 AS duration_s,
        count(*) AS moving_s,
        max(distance) AS distance_m,
        sum(power) AS power_sum, count(power) AS power_n, max(power) AS power_max,
        sum(heart_rate) AS hr_sum, count(heart_rate) AS hr_n, max(heart_rate) AS hr_max
      FROM ${source} GROUP BY activity_id
    )
    SELECT
      printf('%04d-W%02d', isoyear(a.local_date), week(a.local_date)) AS week,
      strftime(date_trunc('week', a.local_date), '%Y-%m-%d') AS week_start,
      CAST(count(*) AS INTEGER) AS activities,
      CAST(sum(p.duration_s) AS DOUBLE) AS duration_s,
      CAST(sum(p.moving_s) AS DOUBLE) AS moving_s,
      CAST(coalesce(sum(p.distance_m), 0) AS DOUBLE) AS distance_m,
      CAST(coalesce(sum(p.power_sum), 0) AS DOUBLE) AS work_j,
      CAST(sum(p.power_sum) AS DOUBLE) / nullif(sum(p.power_n), 0) AS mean_power_w,
      CAST(max(p.power_max) AS DOUBLE) AS max_power_w,
      CAST(sum(p.hr_sum) AS DOUBLE) / nullif(sum(p.hr_n), 0) AS mean_heart_rate_bpm,
      CAST(max(p.hr_max) AS DOUBLE) AS max_heart_rate_bpm
    FROM acts a JOIN per_activity p USING (activity_id)
    GROUP BY ALL ORDER BY week_start`;
  return engine.store.all<NaiveWeek>(query, params as DuckDBValue[]);
}

/** `read_parquet([...])` over the sample files of the matching activities, or null when none match. */
async function samplesSource(engine: Engine, where: string, params: unknown[]): Promise<string | null> {
  const rows = await engine.store.all<{ samples_path: string }>(
    `SELECT samples_path FROM activities WHERE ${where} ORDER BY start_utc`,
    params as DuckDBValue[],
  );
  if (rows.length === 0) return null;
  const paths = rows.map((r) => quote(engine.store.lake.fromStored(r.samples_path)));
  return `read_parquet([${paths.join(', ')}])`;
}

/** A SQL string literal for paths the catalog holds (our own ids), never for user input. */
function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
