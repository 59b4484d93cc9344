/**
 * Which of several values of a metabolic marker holds on a date (the metabolic profile's rule):
 *
 * 1. a **pinned** declared (or external) value dated on or before the date: the latest pinned one;
 * 2. else a **recent** measured, declared or external value (dated within `recentDays` before the
 *    date): the latest one, and on the same day measured before declared before external;
 * 3. else the **modeled** value (fitted to the training data up to the date);
 * 4. else the latest older measured, declared or external value.
 *
 * So a test (or a declaration) wins over the model for `recentDays` after it and then yields to
 * what training data says, unless it is pinned. Values dated after the date never count.
 * Pure: candidates in, ordered candidates out.
 */
export interface MarkerCandidate<R = unknown> {
  value: number;
  provenance: 'measured' | 'modeled' | 'declared' | 'external';
  /** YYYY-MM-DD the value dates from. */
  date: string;
  pinned: boolean;
  /** Anything the caller carries along (record, fit, name). */
  payload: R;
}

export const RECENT_MARKER_DAYS = 90;

const SAME_DAY_ORDER = { measured: 0, declared: 1, external: 2, modeled: 3 } as const;

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function rank<R>(c: MarkerCandidate<R>, onDate: string, recentDays: number): number {
  if (c.pinned && c.provenance !== 'modeled') return 0;
  if (c.provenance === 'modeled') return 2;
  return daysBetween(c.date, onDate) < recentDays ? 1 : 3;
}

/** The candidates in force on `onDate`, best first (empty when none is dated on or before it). */
export function rankMarkerCandidates<R>(
  candidates: readonly MarkerCandidate<R>[],
  onDate: string,
  recentDays = RECENT_MARKER_DAYS,
): MarkerCandidate<R>[] {
  return candidates
    .filter((c) => c.date <= onDate && Number.isFinite(c.value))
    .map((c) => ({ c, rank: rank(c, onDate, recentDays) }))
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        (a.c.date < b.c.date ? 1 : a.c.date > b.c.date ? -1 : 0) ||
        SAME_DAY_ORDER[a.c.provenance] - SAME_DAY_ORDER[b.c.provenance],
    )
    .map((x) => x.c);
}
