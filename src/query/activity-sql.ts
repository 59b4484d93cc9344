import { METRICS, WIRE_METRICS } from '../domain/metrics.ts';
import { parseSport } from '../domain/sport.ts';
import type { ActivityListQuery } from '../domain/wire.ts';
import { type CompiledQuery, compileSql, joinSql, type Sql, sql, stringList, trusted } from './sql.ts';

export type { CompiledQuery } from './sql.ts';

/** The columns of an activity as the services read them (times as epoch seconds, JSON as text). */
export const ACTIVITY_COLUMNS =
  trusted(`id, source_id, sport, epoch(start_utc) AS start_s, epoch(end_utc) AS end_s,
  strftime(start_local, '%Y-%m-%dT%H:%M:%S') AS start_local, strftime(end_local, '%Y-%m-%dT%H:%M:%S') AS end_local,
  utc_offset_s, elapsed_s, timer_s, distance_m, sample_count, metrics, extra_fields, tags,
  samples_path, extras_path, curves_path, CAST(summary AS VARCHAR) AS summary, CAST(device AS VARCHAR) AS device,
  CAST(issues AS VARCHAR) AS issues`);

export type ActivityFilter = Pick<ActivityListQuery, 'start' | 'end' | 'sport' | 'tags'>;

/**
 * The SQL condition for one sport filter (DESIGN.md §2): the activity's path starts with the
 * filter's path and the activity carries every modifier of the filter.
 */
function sportCondition(filter: string): Sql {
  const { path, modifiers } = parseSport(filter);
  const code = path.join('.');
  return sql`((split_part(sport, '+', 1) = ${code} OR starts_with(split_part(sport, '+', 1), ${`${code}.`}))
    AND list_has_all(string_split(sport, '+')[2:], ${stringList(modifiers)}))`;
}

/** The condition selecting an athlete's activities by local dates, sports (any) and tags (all). */
export function activityFilter(athleteId: string, filter: ActivityFilter): Sql {
  const conditions = [sql`athlete_id = ${athleteId}`];
  if (filter.start) conditions.push(sql`local_date >= CAST(${filter.start} AS DATE)`);
  if (filter.end) conditions.push(sql`local_date <= CAST(${filter.end} AS DATE)`);
  if (filter.sport && filter.sport.length > 0) {
    conditions.push(sql`(${joinSql(filter.sport.map(sportCondition), ' OR ')})`);
  }
  if (filter.tags && filter.tags.length > 0)
    conditions.push(sql`list_has_all(tags, ${stringList(filter.tags)})`);
  return joinSql(conditions, ' AND ');
}

export function compileActivityList(athleteId: string, query: ActivityListQuery): CompiledQuery {
  return compileSql(sql`SELECT ${ACTIVITY_COLUMNS} FROM activities WHERE ${activityFilter(athleteId, query)}
      ORDER BY start_utc DESC, id LIMIT ${query.limit} OFFSET ${query.offset}`);
}

export function compileActivityCount(athleteId: string, filter: ActivityFilter): CompiledQuery {
  return compileSql(sql`SELECT count(*) AS n FROM activities WHERE ${activityFilter(athleteId, filter)}`);
}

export function compileActivityById(athleteId: string, activityId: string): CompiledQuery {
  return compileSql(
    sql`SELECT ${ACTIVITY_COLUMNS} FROM activities WHERE athlete_id = ${athleteId} AND id = ${activityId}`,
  );
}

export function compileLaps(activityId: string): CompiledQuery {
  return compileSql(sql`SELECT lap_index, epoch(start_utc) AS start_s, epoch(end_utc) AS end_s, elapsed_s, timer_s,
      distance_m, avg_power_w, avg_heart_rate_bpm, trigger FROM laps WHERE activity_id = ${activityId} ORDER BY lap_index`);
}

/** The sports an athlete has activities in, sorted. */
export function compileAthleteSports(athleteId: string): CompiledQuery {
  return compileSql(
    sql`SELECT DISTINCT sport FROM activities WHERE athlete_id = ${athleteId} ORDER BY sport`,
  );
}

/** The tags used on an athlete's activities, tests and traces (WIRE.md §3.8), sorted. */
export function compileAthleteTags(athleteId: string): CompiledQuery {
  return compileSql(
    sql`SELECT DISTINCT tag FROM (
          SELECT unnest(tags) AS tag FROM activities WHERE athlete_id = ${athleteId}
          UNION ALL SELECT unnest(tags) FROM tests WHERE athlete_id = ${athleteId}
          UNION ALL SELECT unnest(tags) FROM traces WHERE athlete_id = ${athleteId}
        ) WHERE tag IS NOT NULL ORDER BY tag`,
  );
}

/** The start of the athlete's oldest activity (epoch seconds), or null. */
export function compileOldestActivityStart(athleteId: string): CompiledQuery {
  return compileSql(
    sql`SELECT epoch(min(start_utc)) AS start_s FROM activities WHERE athlete_id = ${athleteId}`,
  );
}

const NULL_COLUMN_SQL: Record<string, string> = {
  int16: 'SMALLINT',
  float32: 'FLOAT',
  float64: 'DOUBLE',
  utf8: 'VARCHAR',
};

/**
 * The select expression of one wire metric over a samples file: a stored column as it is,
 * `duration` as 1 s per row, and a metric Peakform does not record as an all-null column of its
 * type. Names come from the metrics table, never from a request.
 */
export function sampleColumnSql(metric: string): string {
  if (metric === 'duration') return '1::BIGINT AS duration';
  if (METRICS.some((m) => m.name === metric)) return metric;
  const wire = WIRE_METRICS.find((m) => m.name === metric);
  if (!wire) throw new Error(`not a wire metric: ${metric}`);
  return `CAST(NULL AS ${NULL_COLUMN_SQL[wire.type]}) AS ${metric}`;
}

/** The local wall clock of a sample from its instant and the activity's offset (a catalog value). */
function localTimestampSql(utcOffsetS: number): string {
  return `make_timestamp(epoch_us(timestamp) + ${Math.trunc(utcOffsetS) * 1_000_000}) AS timestamp_local`;
}

/**
 * One activity's samples with its local wall clock and the chosen metrics, in time order. Every
 * value in the text is ours (file paths, catalog offsets, metric names), so the query needs no
 * parameters and DuckDB can also COPY it to Parquet as it is.
 */
export function compileActivitySamples(
  samplesSource: string,
  metrics: readonly string[],
  utcOffsetS: number,
): string {
  const columns = ['timestamp', localTimestampSql(utcOffsetS), ...metrics.map(sampleColumnSql)];
  return `SELECT ${columns.join(', ')} FROM ${samplesSource} ORDER BY timestamp`;
}
