import { type CompiledQuery, compileSql, sql } from './sql.ts';

/**
 * Stored dailies of one measure in [start, end], plus the nearest stored value before and after
 * the range (fills use them), oldest first.
 */
export function compileStoredDailies(
  athleteId: string,
  measure: string,
  start: string,
  end: string,
): CompiledQuery {
  const own = sql`athlete_id = ${athleteId} AND measure = ${measure}`;
  return compileSql(sql`SELECT strftime(date, '%Y-%m-%d') AS date, value, source FROM (
      SELECT date, value, source FROM dailies WHERE ${own} AND date BETWEEN CAST(${start} AS DATE) AND CAST(${end} AS DATE)
      UNION ALL (SELECT date, value, source FROM dailies WHERE ${own} AND date < CAST(${start} AS DATE) ORDER BY date DESC LIMIT 1)
      UNION ALL (SELECT date, value, source FROM dailies WHERE ${own} AND date > CAST(${end} AS DATE) ORDER BY date LIMIT 1)
    ) ORDER BY date`);
}

/** The value stored for a day, with its source. */
export function compileStoredDaily(athleteId: string, measure: string, date: string): CompiledQuery {
  return compileSql(sql`SELECT value, source FROM dailies
    WHERE athlete_id = ${athleteId} AND measure = ${measure} AND date = CAST(${date} AS DATE)`);
}

/**
 * Stores a day's value. An import never replaces a manual value; a manual value replaces anything.
 */
export function compileUpsertDaily(
  athleteId: string,
  measure: string,
  date: string,
  value: number,
  source: string,
): CompiledQuery {
  return compileSql(sql`INSERT INTO dailies (athlete_id, measure, date, value, source)
    VALUES (${athleteId}, ${measure}, CAST(${date} AS DATE), ${value}, ${source})
    ON CONFLICT (athlete_id, measure, date) DO UPDATE SET value = excluded.value, source = excluded.source, updated_at = now()
    WHERE dailies.source <> 'manual' OR excluded.source = 'manual'
    RETURNING 1 AS stored`);
}

/**
 * Stores many days' values in one statement, with the same rule as `compileUpsertDaily`. The rows
 * must not repeat a (measure, date): one statement cannot update a row twice.
 */
export function compileUpsertDailies(
  athleteId: string,
  rows: readonly { measure: string; date: string; value: number }[],
  source: string,
): CompiledQuery {
  const json = JSON.stringify(rows.map(({ measure, date, value }) => ({ measure, date, value })));
  return compileSql(sql`INSERT INTO dailies (athlete_id, measure, date, value, source)
    SELECT ${athleteId}, measure, date, value, ${source} FROM (
      SELECT unnest(CAST(CAST(${json} AS JSON) AS STRUCT(measure VARCHAR, date DATE, value DOUBLE)[]), recursive := true)
    )
    ON CONFLICT (athlete_id, measure, date) DO UPDATE SET value = excluded.value, source = excluded.source, updated_at = now()
    WHERE dailies.source <> 'manual' OR excluded.source = 'manual'
    RETURNING 1 AS stored`);
}

export function compileDeleteDaily(athleteId: string, measure: string, date: string): CompiledQuery {
  return compileSql(sql`DELETE FROM dailies WHERE athlete_id = ${athleteId} AND measure = ${measure}
    AND date = CAST(${date} AS DATE) RETURNING 1 AS deleted`);
}
