import { type CompiledQuery, compileSql, sql } from './sql.ts';

/** Catalog reads and writes of the metabolic profile: declared markers, body mass, what to re-derive. */

export interface DeclaredMarkerRow {
  id: string;
  sport: string;
  name: string;
  metric: string;
  effective_from: string;
  value: number;
  provenance: 'declared' | 'external';
  pinned: boolean;
  note: string | null;
}

export function compileListDeclaredMarkers(athleteId: string): CompiledQuery {
  return compileSql(sql`SELECT id, sport, name, metric, strftime(effective_from, '%Y-%m-%d') AS effective_from,
      value, provenance, pinned, note FROM profile_markers WHERE athlete_id = ${athleteId}
      ORDER BY effective_from, sport, name, metric`);
}

/** Replaces the declaration of the same sport, marker, metric and date. */
export function compileReplaceDeclaredMarker(athleteId: string, row: DeclaredMarkerRow): CompiledQuery[] {
  return [
    compileSql(sql`DELETE FROM profile_markers WHERE athlete_id = ${athleteId} AND sport = ${row.sport}
        AND name = ${row.name} AND metric = ${row.metric} AND effective_from = CAST(${row.effective_from} AS DATE)`),
    compileSql(sql`INSERT INTO profile_markers (id, athlete_id, sport, name, metric, effective_from, value, provenance, pinned, note)
        VALUES (${row.id}, ${athleteId}, ${row.sport}, ${row.name}, ${row.metric}, CAST(${row.effective_from} AS DATE),
          ${row.value}, ${row.provenance}, ${row.pinned}, ${row.note})`),
  ];
}

/** Deletes the declarations of a marker (of one metric, one date, or all), returning their dates. */
export function compileDeleteDeclaredMarkers(
  athleteId: string,
  filter: { name: string; sport: string; metric?: string; effectiveFrom?: string },
): CompiledQuery {
  const metric = filter.metric ? sql` AND metric = ${filter.metric}` : sql``;
  const date = filter.effectiveFrom
    ? sql` AND effective_from = CAST(${filter.effectiveFrom} AS DATE)`
    : sql``;
  return compileSql(sql`DELETE FROM profile_markers WHERE athlete_id = ${athleteId} AND name = ${filter.name}
      AND sport = ${filter.sport}${metric}${date} RETURNING strftime(effective_from, '%Y-%m-%d') AS effective_from`);
}

/** Every stored body-mass daily of an athlete, oldest first. */
export function compileBodyMassDailies(athleteId: string): CompiledQuery {
  return compileSql(sql`SELECT strftime(date, '%Y-%m-%d') AS date, value, source FROM dailies
      WHERE athlete_id = ${athleteId} AND measure = 'body_mass' ORDER BY date`);
}

/**
 * The athlete's sources with an activity on or after a local date (oldest first, with the tags
 * their activities carry): what a threshold change from that date must re-derive.
 */
export function compileSourcesFromDate(athleteId: string, from: string): CompiledQuery {
  return compileSql(sql`SELECT s.athlete_id, s.content_sha256, s.file_name, any_value(a.tags) AS tags
      FROM sources s JOIN activities a ON a.source_id = s.id
      WHERE s.athlete_id = ${athleteId} AND s.status = 'processed'
      GROUP BY s.athlete_id, s.content_sha256, s.file_name, s.created_at
      HAVING max(a.local_date) >= CAST(${from} AS DATE)
      ORDER BY s.created_at`);
}

/**
 * The results of the athlete's tests with the local date they were taken on, oldest first, from
 * the `tests` table (`results` JSON holding WIRE.md §2.3 `TestResults`).
 */
export function compileMeasuredTests(athleteId: string): CompiledQuery {
  return compileSql(sql`SELECT id, sport, strftime(local_date, '%Y-%m-%d') AS date, CAST(results AS VARCHAR) AS results
      FROM tests WHERE athlete_id = ${athleteId} AND results IS NOT NULL ORDER BY local_date`);
}
