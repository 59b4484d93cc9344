import { parseSport } from '../domain/sport.ts';
import { ACTIVITY_COLUMNS } from './activity-sql.ts';
import { type CompiledQuery, compileSql, joinSql, type Sql, sql, stringList, trusted } from './sql.ts';

/**
 * The SQL of tests, traces and app metadata (WIRE.md §2.2–§2.3, §3.4–§3.6, §7.5, §7.8). Instants
 * travel as ISO 8601 UTC text and come back as epoch milliseconds.
 */

/** A test row as the services read it. */
export interface TestRow {
  id: string;
  sport: string;
  start_ms: number;
  start_offset_s: number;
  end_ms: number;
  end_offset_s: number;
  title: string | null;
  results: string | null;
  tags: string[] | null;
  created_by: string | null;
}

/** A trace row, with the activity it falls in and the test whose window holds it (when not linked). */
export interface TraceRow {
  id: string;
  timestamp_ms: number;
  utc_offset_s: number;
  test_id: string | null;
  lactate: number | null;
  rpe: number | null;
  notes: string | null;
  power: number | null;
  speed: number | null;
  heart_rate: number | null;
  vo2: number | null;
  sport: string | null;
  tags: string[] | null;
  activity_id: string | null;
  window_test_id: string | null;
}

export interface TestValues {
  sport: string;
  startUtc: string;
  startOffsetS: number;
  endUtc: string;
  endOffsetS: number;
  localDate: string;
  title: string | null;
  results: string | null;
  tags: string[] | null;
}

export interface TraceValues {
  timestampUtc: string;
  offsetS: number;
  localDate: string;
  testId: string | null;
  lactate: number | null;
  rpe: number | null;
  notes: string | null;
  power: number | null;
  speed: number | null;
  heartRate: number | null;
  vo2: number | null;
  sport: string | null;
  tags: string[] | null;
}

export interface RecordFilter {
  start?: string;
  end?: string;
  sport?: string[];
  tags?: string[];
}

const TEST_COLUMNS = trusted(`id, sport, CAST(epoch_ms(start_utc) AS DOUBLE) AS start_ms, start_offset_s,
  CAST(epoch_ms(end_utc) AS DOUBLE) AS end_ms, end_offset_s, title, CAST(results AS VARCHAR) AS results, tags, created_by`);

/** A nullable list of strings as one parameter. */
const optionalList = (values: readonly string[] | null): Sql =>
  values === null ? sql`CAST(NULL AS VARCHAR[])` : stringList(values);

/** The sport filter of DESIGN.md §2 on a column: the path starts with the filter's, every modifier present. */
function sportCondition(column: Sql, filter: string): Sql {
  const { path, modifiers } = parseSport(filter);
  const code = path.join('.');
  return sql`((split_part(${column}, '+', 1) = ${code} OR starts_with(split_part(${column}, '+', 1), ${`${code}.`}))
    AND list_has_all(string_split(${column}, '+')[2:], ${stringList(modifiers)}))`;
}

function recordFilter(athleteId: string, filter: RecordFilter): Sql[] {
  const conditions = [sql`athlete_id = ${athleteId}`];
  if (filter.start) conditions.push(sql`local_date >= CAST(${filter.start} AS DATE)`);
  if (filter.end) conditions.push(sql`local_date <= CAST(${filter.end} AS DATE)`);
  if (filter.sport && filter.sport.length > 0)
    conditions.push(
      sql`(${joinSql(
        filter.sport.map((s) => sportCondition(trusted('sport'), s)),
        ' OR ',
      )})`,
    );
  if (filter.tags && filter.tags.length > 0)
    conditions.push(sql`list_has_all(coalesce(tags, []), ${stringList(filter.tags)})`);
  return conditions;
}

// ---- Tests ----

export function compileTestList(
  athleteId: string,
  filter: RecordFilter & { createdBy?: string; limit: number; offset: number },
): CompiledQuery {
  const conditions = recordFilter(athleteId, filter);
  if (filter.createdBy !== undefined) conditions.push(sql`created_by = ${filter.createdBy}`);
  return compileSql(sql`SELECT ${TEST_COLUMNS} FROM tests WHERE ${joinSql(conditions, ' AND ')}
    ORDER BY start_utc DESC, id LIMIT ${filter.limit} OFFSET ${filter.offset}`);
}

export function compileTestById(athleteId: string, testId: string): CompiledQuery {
  return compileSql(
    sql`SELECT ${TEST_COLUMNS} FROM tests WHERE athlete_id = ${athleteId} AND id = ${testId}`,
  );
}

export function compileTestsByIds(athleteId: string, testIds: readonly string[]): CompiledQuery {
  return compileSql(sql`SELECT ${TEST_COLUMNS} FROM tests
    WHERE athlete_id = ${athleteId} AND list_contains(${stringList(testIds)}, id)`);
}

export function compileInsertTest(
  id: string,
  athleteId: string,
  values: TestValues,
  createdBy: string | null,
): CompiledQuery {
  return compileSql(sql`INSERT INTO tests (id, athlete_id, sport, start_utc, start_offset_s, end_utc, end_offset_s,
      local_date, title, results, tags, created_by)
    VALUES (${id}, ${athleteId}, ${values.sport}, CAST(${values.startUtc} AS TIMESTAMPTZ), ${values.startOffsetS},
      CAST(${values.endUtc} AS TIMESTAMPTZ), ${values.endOffsetS}, CAST(${values.localDate} AS DATE), ${values.title},
      CAST(${values.results} AS JSON), ${optionalList(values.tags)}, ${createdBy})`);
}

/** Sets every field of a test (a full replace); `created_by` stays. */
export function compileReplaceTest(athleteId: string, id: string, values: TestValues): CompiledQuery {
  return compileSql(sql`UPDATE tests SET sport = ${values.sport}, start_utc = CAST(${values.startUtc} AS TIMESTAMPTZ),
      start_offset_s = ${values.startOffsetS}, end_utc = CAST(${values.endUtc} AS TIMESTAMPTZ),
      end_offset_s = ${values.endOffsetS}, local_date = CAST(${values.localDate} AS DATE), title = ${values.title},
      results = CAST(${values.results} AS JSON), tags = ${optionalList(values.tags)}, updated_at = now()
    WHERE athlete_id = ${athleteId} AND id = ${id}`);
}

export function compileDeleteTest(athleteId: string, id: string): CompiledQuery {
  return compileSql(sql`DELETE FROM tests WHERE athlete_id = ${athleteId} AND id = ${id}`);
}

/** Traces linked to a deleted test lose the link (they stay, as measurements of their own). */
export function compileUnlinkTraces(athleteId: string, testId: string): CompiledQuery {
  return compileSql(sql`UPDATE traces SET test_id = NULL, updated_at = now()
    WHERE athlete_id = ${athleteId} AND test_id = ${testId}`);
}

/** The activities overlapping [start, end] (ISO 8601 UTC), oldest first. */
export function compileActivitiesOverlapping(
  athleteId: string,
  startUtc: string,
  endUtc: string,
): CompiledQuery {
  return compileSql(sql`SELECT ${ACTIVITY_COLUMNS} FROM activities
    WHERE athlete_id = ${athleteId} AND start_utc <= CAST(${endUtc} AS TIMESTAMPTZ)
      AND end_utc >= CAST(${startUtc} AS TIMESTAMPTZ)
    ORDER BY start_utc, id`);
}

export function compileActivitiesByIds(athleteId: string, activityIds: readonly string[]): CompiledQuery {
  return compileSql(sql`SELECT ${ACTIVITY_COLUMNS} FROM activities
    WHERE athlete_id = ${athleteId} AND list_contains(${stringList(activityIds)}, id)`);
}

export function compileLapsOfActivities(activityIds: readonly string[]): CompiledQuery {
  return compileSql(sql`SELECT activity_id, lap_index, epoch(start_utc) AS start_s, epoch(end_utc) AS end_s, elapsed_s,
      timer_s, distance_m, avg_power_w, avg_heart_rate_bpm, trigger
    FROM laps WHERE list_contains(${stringList(activityIds)}, activity_id) ORDER BY activity_id, lap_index`);
}

// ---- Traces ----

/** The trace columns, plus the activity it falls in and the test whose window holds it when not linked. */
const TRACE_SELECT =
  trusted(`SELECT t.id, CAST(epoch_ms(t.timestamp_utc) AS DOUBLE) AS timestamp_ms, t.utc_offset_s,
    t.test_id, t.lactate, t.rpe, t.notes, t.power, t.speed, t.heart_rate, t.vo2, t.sport, t.tags,
    (SELECT arg_max(a.id, a.start_utc) FROM activities a
      WHERE a.athlete_id = t.athlete_id AND t.timestamp_utc BETWEEN a.start_utc AND a.end_utc) AS activity_id,
    CASE WHEN t.test_id IS NULL THEN (SELECT arg_max(s.id, s.start_utc) FROM tests s
      WHERE s.athlete_id = t.athlete_id AND t.timestamp_utc BETWEEN s.start_utc AND s.end_utc) END AS window_test_id
  FROM traces t`);

export function compileTraceList(
  athleteId: string,
  filter: RecordFilter & { limit: number; offset: number },
): CompiledQuery {
  return compileSql(sql`${TRACE_SELECT} WHERE t.id IN (SELECT id FROM traces WHERE ${joinSql(
    recordFilter(athleteId, filter),
    ' AND ',
  )})
    ORDER BY t.timestamp_utc DESC, t.id LIMIT ${filter.limit} OFFSET ${filter.offset}`);
}

export function compileTraceById(athleteId: string, traceId: string): CompiledQuery {
  return compileSql(sql`${TRACE_SELECT} WHERE t.athlete_id = ${athleteId} AND t.id = ${traceId}`);
}

/**
 * The traces a test holds (WIRE.md §7.5), oldest first: `linked`, those whose `test_id` is the
 * test; `auto`, those plus the unlinked traces inside [start, end].
 */
export function compileTestTraces(
  athleteId: string,
  test: { id: string; startUtc: string; endUtc: string },
  resolution: 'auto' | 'linked',
): CompiledQuery {
  const window =
    resolution === 'auto'
      ? sql` OR (t.test_id IS NULL AND t.timestamp_utc BETWEEN CAST(${test.startUtc} AS TIMESTAMPTZ)
          AND CAST(${test.endUtc} AS TIMESTAMPTZ))`
      : sql``;
  return compileSql(sql`${TRACE_SELECT} WHERE t.athlete_id = ${athleteId} AND (t.test_id = ${test.id}${window})
    ORDER BY t.timestamp_utc, t.id`);
}

export function compileInsertTrace(id: string, athleteId: string, values: TraceValues): CompiledQuery {
  return compileSql(sql`INSERT INTO traces (id, athlete_id, timestamp_utc, utc_offset_s, local_date, test_id, lactate,
      rpe, notes, power, speed, heart_rate, vo2, sport, tags)
    VALUES (${id}, ${athleteId}, CAST(${values.timestampUtc} AS TIMESTAMPTZ), ${values.offsetS},
      CAST(${values.localDate} AS DATE), ${values.testId}, ${values.lactate}, ${values.rpe}, ${values.notes},
      ${values.power}, ${values.speed}, ${values.heartRate}, ${values.vo2}, ${values.sport}, ${optionalList(values.tags)})`);
}

/** Sets every field of a trace (a full replace: a null `test_id` unlinks it). */
export function compileReplaceTrace(athleteId: string, id: string, values: TraceValues): CompiledQuery {
  return compileSql(sql`UPDATE traces SET timestamp_utc = CAST(${values.timestampUtc} AS TIMESTAMPTZ),
      utc_offset_s = ${values.offsetS}, local_date = CAST(${values.localDate} AS DATE), test_id = ${values.testId},
      lactate = ${values.lactate}, rpe = ${values.rpe}, notes = ${values.notes}, power = ${values.power},
      speed = ${values.speed}, heart_rate = ${values.heartRate}, vo2 = ${values.vo2}, sport = ${values.sport},
      tags = ${optionalList(values.tags)}, updated_at = now()
    WHERE athlete_id = ${athleteId} AND id = ${id}`);
}

export function compileDeleteTrace(athleteId: string, id: string): CompiledQuery {
  return compileSql(sql`DELETE FROM traces WHERE athlete_id = ${athleteId} AND id = ${id}`);
}

export function compileTraceExists(athleteId: string, id: string): CompiledQuery {
  return compileSql(sql`SELECT id FROM traces WHERE athlete_id = ${athleteId} AND id = ${id}`);
}

export function compileTestExists(athleteId: string, id: string): CompiledQuery {
  return compileSql(sql`SELECT id, created_by, strftime(local_date, '%Y-%m-%d') AS local_date FROM tests
    WHERE athlete_id = ${athleteId} AND id = ${id}`);
}

// ---- App metadata ----

export type AppMetadataKind = 'activity' | 'test' | 'trace' | 'profile';

export function compileRecordExists(athleteId: string, kind: AppMetadataKind, id: string): CompiledQuery {
  const table = { activity: 'activities', test: 'tests', trace: 'traces', profile: '' }[kind];
  if (!table) return compileSql(sql`SELECT ${athleteId} AS id`);
  return compileSql(sql`SELECT id FROM ${trusted(table)} WHERE athlete_id = ${athleteId} AND id = ${id}`);
}

export function compileUpsertAppMetadata(
  athleteId: string,
  clientId: string,
  kind: AppMetadataKind,
  recordId: string,
  text: string,
): CompiledQuery {
  return compileSql(sql`INSERT INTO app_metadata (athlete_id, client_id, record_kind, record_id, metadata)
    VALUES (${athleteId}, ${clientId}, ${kind}, ${recordId}, ${text})
    ON CONFLICT (athlete_id, client_id, record_kind, record_id)
    DO UPDATE SET metadata = excluded.metadata, updated_at = now()`);
}

export function compileDeleteAppMetadata(
  athleteId: string,
  clientId: string,
  kind: AppMetadataKind,
  recordId: string,
): CompiledQuery {
  return compileSql(sql`DELETE FROM app_metadata WHERE athlete_id = ${athleteId} AND client_id = ${clientId}
    AND record_kind = ${kind} AND record_id = ${recordId} RETURNING 1 AS deleted`);
}

/** Every application's metadata of one record (deleted with the record). */
export function compileDeleteRecordAppMetadata(
  athleteId: string,
  kind: AppMetadataKind,
  recordId: string,
): CompiledQuery {
  return compileSql(sql`DELETE FROM app_metadata WHERE athlete_id = ${athleteId} AND record_kind = ${kind}
    AND record_id = ${recordId}`);
}

/** One application's metadata of the records named, as text. */
export function compileAppMetadataOf(
  athleteId: string,
  clientId: string,
  kind: AppMetadataKind,
  recordIds: readonly string[],
): CompiledQuery {
  return compileSql(sql`SELECT record_id, metadata FROM app_metadata
    WHERE athlete_id = ${athleteId} AND client_id = ${clientId} AND record_kind = ${kind}
      AND list_contains(${stringList(recordIds)}, record_id)`);
}
