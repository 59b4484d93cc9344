import type { Store } from './store.ts';

/**
 * The durable side of the background re-derivation after a threshold change: one row per athlete
 * with the earliest date still to re-derive from, written when a change is scheduled and cleared
 * when a run from that date (or earlier) has finished.
 */
export class RecomputeRepository {
  constructor(private readonly store: Store) {}

  /** Records that the athlete's activities from `from` on need re-deriving (the earliest date wins). */
  async save(athleteId: string, from: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO pending_recomputes (athlete_id, from_date) VALUES ($1, CAST($2 AS DATE))
         ON CONFLICT (athlete_id) DO UPDATE SET from_date = least(pending_recomputes.from_date, excluded.from_date),
           requested_at = now()`,
        [athleteId, from],
      ),
    );
  }

  /** Clears the athlete's row when a run from `from` covered it (a later, earlier-dated request stays). */
  async done(athleteId: string, from: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run('DELETE FROM pending_recomputes WHERE athlete_id = $1 AND from_date >= CAST($2 AS DATE)', [
        athleteId,
        from,
      ]),
    );
  }

  list(): Promise<{ athleteId: string; from: string }[]> {
    return this.store.all<{ athleteId: string; from: string }>(
      `SELECT athlete_id AS "athleteId", strftime(from_date, '%Y-%m-%d') AS "from" FROM pending_recomputes
       ORDER BY athlete_id`,
    );
  }
}
