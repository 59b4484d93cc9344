import { compileMeasuredTests } from '../../query/metabolic-profile-sql.ts';
import type { Store } from '../../store/store.ts';

/** One test's results (WIRE.md §2.3 `TestResults`) with the local date it was taken on. */
export interface MeasuredTest {
  id: string;
  sport: string;
  date: string;
  results: Record<string, unknown>;
}

/**
 * The athlete's tests with results (their `results` JSON, sport and local date): the one place
 * measured markers come from.
 */
export async function readMeasuredTests(store: Store, athleteId: string): Promise<MeasuredTest[]> {
  const rows = await store.select<{ id: string; sport: string; date: string; results: string | null }>(
    compileMeasuredTests(athleteId),
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
