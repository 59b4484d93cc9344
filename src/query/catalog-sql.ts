import type { Thresholds } from '../domain/wire.ts';
import { ENSURE_ATHLETE_SQL } from '../store/catalog-schema.ts';
import { ACTIVITY_COLUMNS } from './activity-sql.ts';
import { type CompiledQuery, compileSql, joinSql, type Sql, sql, stringList } from './sql.ts';

/** Catalog reads and writes of sources, thresholds and settings, compiled with their parameters. */

/** Where an activity's samples are now, and the catalog values a lake read adds to its rows. */
export function compileActivityLakeFile(athleteId: string, activityId: string): CompiledQuery {
  return compileSql(sql`SELECT id, samples_path, sport, utc_offset_s, sample_count FROM activities
    WHERE athlete_id = ${athleteId} AND id = ${activityId}`);
}

/**
 * Sources by their ids alone, with their athletes for the caller to check: `id IN ($1, …)` over the
 * key is an index lookup (≈ 2 ms of CPU at a million sources), while any further condition, or a
 * `list_contains` over one list parameter, made DuckDB scan the table (26 ms). With
 * `compileActivityIdsOfSources`, an upload's lookup (one id) and a bulk batch's (up to 16).
 */
export function compileSourcesByIds(sourceIds: readonly string[]): CompiledQuery {
  return compileSql(sql`SELECT s.athlete_id, s.id, s.file_name, s.format, s.size_bytes, s.status, s.error_code,
        s.error_message, CAST(s.issues AS VARCHAR) AS issues, epoch(s.created_at) AS created_s
       FROM sources s WHERE s.id IN ${parameterList(sourceIds)}`);
}

/** The sources' activity ids, by source and in session order (index lookups on activities_source). */
export function compileActivityIdsOfSources(sourceIds: readonly string[]): CompiledQuery {
  return compileSql(sql`SELECT source_id, id FROM activities WHERE source_id IN ${parameterList(sourceIds)}
       ORDER BY source_id, session_index`);
}

/** `($1, $2, …)`, one parameter per value (at least one). */
function parameterList(values: readonly string[]): Sql {
  if (values.length === 0) throw new Error('an IN list needs at least one value');
  return sql`(${joinSql(
    values.map((value) => sql`${value}`),
    ', ',
  )})`;
}

/** The deleted activities (tombstones) of several sources, as (source_id, activity_id) rows. */
export function compileDeletedActivitiesOfSources(sourceIds: readonly string[]): CompiledQuery {
  return compileSql(sql`SELECT source_id, activity_id FROM deleted_activities
       WHERE list_contains(${stringList(sourceIds)}, source_id)`);
}

/**
 * Every activity of an athlete with its local date, in the list's order (newest first, then id):
 * what the in-memory catalog view of the activity service is built from.
 */
export function compileAthleteActivities(athleteId: string): CompiledQuery {
  return compileSql(sql`SELECT ${ACTIVITY_COLUMNS}, strftime(local_date, '%Y-%m-%d') AS local_date
       FROM activities WHERE athlete_id = ${athleteId} ORDER BY start_utc DESC, id`);
}

/** Every stored source (of one athlete, or all), oldest first, with the tags its activities carry. */
export function compileSourcesToRecompute(athleteId: string | undefined): CompiledQuery {
  const where = athleteId ? sql`WHERE s.athlete_id = ${athleteId}` : sql``;
  return compileSql(sql`SELECT s.athlete_id, s.content_sha256, s.file_name, s.created_at, any_value(a.tags) AS tags
       FROM sources s LEFT JOIN activities a ON a.source_id = s.id
       ${where} GROUP BY ALL ORDER BY s.athlete_id, s.created_at`);
}

export function compileSourceCount(athleteId: string | undefined): CompiledQuery {
  const where = athleteId ? sql`WHERE athlete_id = ${athleteId}` : sql``;
  return compileSql(sql`SELECT count(*) AS n FROM sources ${where}`);
}

export function compileListThresholds(athleteId: string): CompiledQuery {
  return compileSql(sql`SELECT sport, strftime(effective_from, '%Y-%m-%d') AS effective_from, ftp_w, cp_w, w_prime_j, lthr_bpm,
        max_hr_bpm, rest_hr_bpm, weight_kg FROM thresholds WHERE athlete_id = ${athleteId} ORDER BY effective_from, sport`);
}

export function compileEnsureAthlete(athleteId: string): CompiledQuery {
  return { sql: ENSURE_ATHLETE_SQL, params: [athleteId] };
}

export function compileReplaceThresholds(athleteId: string, t: Thresholds): CompiledQuery[] {
  return [
    compileSql(sql`DELETE FROM thresholds WHERE athlete_id = ${athleteId} AND sport = ${t.sport}
        AND effective_from = CAST(${t.effective_from} AS DATE)`),
    compileSql(sql`INSERT INTO thresholds (athlete_id, sport, effective_from, ftp_w, cp_w, w_prime_j, lthr_bpm, max_hr_bpm, rest_hr_bpm, weight_kg)
         VALUES (${athleteId}, ${t.sport}, CAST(${t.effective_from} AS DATE), ${t.ftp_w ?? null}, ${t.cp_w ?? null},
           ${t.w_prime_j ?? null}, ${t.lthr_bpm ?? null}, ${t.max_hr_bpm ?? null}, ${t.rest_hr_bpm ?? null}, ${t.weight_kg ?? null})`),
  ];
}

export function compileGetSetting(key: string): CompiledQuery {
  return compileSql(sql`SELECT value FROM settings WHERE key = ${key}`);
}

export function compileSetSetting(key: string, value: string): CompiledQuery {
  return compileSql(sql`INSERT INTO settings (key, value) VALUES (${key}, ${value})`);
}
