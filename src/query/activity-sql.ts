import { parseSport } from '../domain/sport.ts';
import type { ActivityListQuery } from '../domain/wire.ts';
import type { SqlParams } from '../store/database.ts';

/** A compiled query: SQL with positional parameters; user input only ever travels in `params`. */
export interface CompiledQuery {
  sql: string;
  params: SqlParams & unknown[];
}

/** The columns of an activity as the engine reads them (times as epoch seconds, JSON as text). */
export const ACTIVITY_COLUMNS = `id, source_id, sport, epoch(start_utc) AS start_s, epoch(end_utc) AS end_s,
  strftime(start_local, '%Y-%m-%dT%H:%M:%S') AS start_local, strftime(end_local, '%Y-%m-%dT%H:%M:%S') AS end_local,
  utc_offset_s, elapsed_s, timer_s, distance_m, sample_count, metrics, extra_fields, tags,
  samples_path, extras_path, curves_path, CAST(summary AS VARCHAR) AS summary, CAST(device AS VARCHAR) AS device,
  CAST(issues AS VARCHAR) AS issues`;

/** Binds a list of strings (the driver cannot bind untyped lists, so it travels as JSON). */
export function pushList(params: unknown[], values: readonly string[]): string {
  params.push(JSON.stringify(values));
  return `CAST(CAST($${params.length} AS JSON) AS VARCHAR[])`;
}

/**
 * The SQL condition for one sport filter (DESIGN.md §2): the activity's path starts with the
 * filter's path and the activity carries every modifier of the filter.
 */
function compileSportCondition(filter: string, params: unknown[]): string {
  const { path, modifiers } = parseSport(filter);
  params.push(path.join('.'));
  const p = `$${params.length}`;
  const m = pushList(params, modifiers);
  return `((split_part(sport, '+', 1) = ${p} OR starts_with(split_part(sport, '+', 1), ${p} || '.'))
    AND list_has_all(string_split(sport, '+')[2:], ${m}))`;
}

export function compileActivityFilter(
  athleteId: string,
  filter: Pick<ActivityListQuery, 'start' | 'end' | 'sport' | 'tags'>,
  params: unknown[],
): string {
  params.push(athleteId);
  const conditions = [`athlete_id = $${params.length}`];
  if (filter.start) {
    params.push(filter.start);
    conditions.push(`local_date >= CAST($${params.length} AS DATE)`);
  }
  if (filter.end) {
    params.push(filter.end);
    conditions.push(`local_date <= CAST($${params.length} AS DATE)`);
  }
  if (filter.sport && filter.sport.length > 0) {
    conditions.push(`(${filter.sport.map((s) => compileSportCondition(s, params)).join(' OR ')})`);
  }
  if (filter.tags && filter.tags.length > 0) {
    conditions.push(`list_has_all(tags, ${pushList(params, filter.tags)})`);
  }
  return conditions.join(' AND ');
}

export function compileActivityList(athleteId: string, query: ActivityListQuery): CompiledQuery {
  const params: unknown[] = [];
  const where = compileActivityFilter(athleteId, query, params);
  params.push(query.limit, query.offset);
  return {
    sql: `SELECT ${ACTIVITY_COLUMNS} FROM activities WHERE ${where}
      ORDER BY start_utc DESC, id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params: params as CompiledQuery['params'],
  };
}

export function compileActivityById(athleteId: string, activityId: string): CompiledQuery {
  return {
    sql: `SELECT ${ACTIVITY_COLUMNS} FROM activities WHERE athlete_id = $1 AND id = $2`,
    params: [athleteId, activityId],
  };
}

/** One activity's samples, chosen columns, in time order. Column names come from the metrics table. */
export function compileActivitySamples(samplesSource: string, metrics: readonly string[]): string {
  return `SELECT timestamp, ${metrics.join(', ')} FROM ${samplesSource} ORDER BY timestamp`;
}
