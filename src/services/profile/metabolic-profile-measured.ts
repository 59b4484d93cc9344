import {
  compileMeasuredTests,
  compileTableColumns,
  TEST_DATE_COLUMNS,
} from '../../query/metabolic-profile-sql.ts';
import type { Store } from '../../store/store.ts';

/** One test's results (WIRE.md §2.3 `TestResults`) with the local date it was taken on. */
export interface MeasuredTest {
  id: string;
  sport: string;
  date: string;
  results: Record<string, unknown>;
}

/**
 * The athlete's tests with results: the one place measured markers come from. It reads the
 * `tests` table when the catalog has one (its `results` JSON, its sport and a date column) and
 * answers nothing otherwise, so the profile works from declared and modeled markers alone.
 */
export async function readMeasuredTests(store: Store, athleteId: string): Promise<MeasuredTest[]> {
  const columns = new Set(
    (await store.select<{ column_name: string }>(compileTableColumns('tests'))).map((c) => c.column_name),
  );
  const dateColumn = TEST_DATE_COLUMNS.find((c) => columns.has(c));
  if (!dateColumn || !['id', 'athlete_id', 'sport', 'results'].every((c) => columns.has(c))) return [];
  const rows = await store.select<{ id: string; sport: string; date: string; results: string | null }>(
    compileMeasuredTests(athleteId, dateColumn),
  );
  return rows.flatMap((row) => {
    try {
      const results = row.results ? JSON.parse(row.results) : null;
      return results && typeof results === 'object'
        ? [{ id: row.id, sport: row.sport, date: row.date, results }]
        : [];
    } catch {
      return [];
    }
  });
}
