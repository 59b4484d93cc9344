/**
 * Duration sets for mean-max queries (seconds). `DEFAULT_DURATIONS_S` is what a route returns when
 * no `durations` are given; `ALL_DURATIONS_S` is `durations=all`: every second to 3 min, then
 * coarser. Their union is the query grid that the catalog indexes for fast longitudinal curves;
 * any other duration is answered from the per-activity curve files.
 */
export const DEFAULT_DURATIONS_S: readonly number[] = [
  1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 5400, 7200, 10800, 21600,
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let d = from; d <= to; d += step) out.push(d);
  return out;
}

/**
 * `durations=all` as WIRE.md §7.2 fixes it: 1–180 s step 1, 185–600 step 5, 610–1800 step 10,
 * 1830–3600 step 30, then step 60 (up to a day; a curve stops at its activity's length).
 */
export const ALL_DURATIONS_S: readonly number[] = [
  ...range(1, 180, 1),
  ...range(185, 600, 5),
  ...range(610, 1800, 10),
  ...range(1830, 3600, 30),
  ...range(3660, 86400, 60),
];

/**
 * The durations the longitudinal index keeps (every second to 3 min, then coarser): the indexed
 * part of a query is answered from memory, any other duration from the per-activity curve files.
 */
const INDEXED_DURATIONS_S: readonly number[] = [
  ...range(1, 180, 1),
  ...range(185, 600, 5),
  ...range(630, 1800, 30),
  ...range(1860, 3600, 60),
  ...range(3900, 7200, 300),
  ...range(7800, 21600, 600),
  ...range(23400, 86400, 1800),
];

export const QUERY_GRID_S: readonly number[] = [
  ...new Set([...INDEXED_DURATIONS_S, ...DEFAULT_DURATIONS_S]),
].sort((a, b) => a - b);

/** Work done before a window (kJ) for which fatigue-resistance curves are kept at ingest. */
export const AFTER_WORK_LADDER_KJ: readonly number[] = [250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000];

export const MAX_DURATION_S = 86400;
