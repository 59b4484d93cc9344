import { parseSport, sportMatches } from '../../domain/sport.ts';
import type { Thresholds } from '../../domain/wire.ts';

export type ThresholdField = Exclude<keyof Thresholds, 'sport' | 'effective_from'>;
export type ResolvedThresholds = Partial<Record<ThresholdField, number>>;

/** An entry ingest resolves: a thresholds row, or one the metabolic profile derives (pinned markers win). */
export type ThresholdEntry = Thresholds & { pinned?: boolean };
/** The sport of entries that hold for every sport (body mass). */
export const ANY_SPORT = '*';

const FIELDS: ThresholdField[] = [
  'ftp_w',
  'cp_w',
  'w_prime_j',
  'lthr_bpm',
  'max_hr_bpm',
  'rest_hr_bpm',
  'weight_kg',
];

/**
 * The thresholds in force for an activity of `sport` on `localDate`: among the entries whose sport
 * covers the activity's and whose `effective_from` is on or before the date, each field comes from
 * the most specific sport (cycling.road before cycling), then a pinned entry, then the latest date;
 * the weight is the latest on or before the date whatever the sport.
 */
export function resolveThresholds(
  entries: readonly ThresholdEntry[],
  sport: string,
  localDate: string,
): ResolvedThresholds {
  const byDate = (a: ThresholdEntry, b: ThresholdEntry) =>
    a.effective_from < b.effective_from ? 1 : a.effective_from > b.effective_from ? -1 : 0;
  const candidates = entries
    .filter((t) => t.effective_from <= localDate && (t.sport === ANY_SPORT || sportMatches(sport, t.sport)))
    .sort(
      (a, b) =>
        specificity(b.sport) - specificity(a.sport) ||
        Number(b.pinned ?? false) - Number(a.pinned ?? false) ||
        byDate(a, b),
    );
  // Body mass is nobody's sport: the latest value on or before the date, whatever its sport.
  const byDateOnly = [...candidates].sort(byDate);
  const resolved: ResolvedThresholds = {};
  for (const field of FIELDS) {
    const found = (field === 'weight_kg' ? byDateOnly : candidates).find(
      (t) => t[field] !== null && t[field] !== undefined,
    );
    if (found) resolved[field] = found[field]!;
  }
  return resolved;
}

function specificity(sport: string): number {
  if (sport === ANY_SPORT) return 0;
  const { path, modifiers } = parseSport(sport);
  return path.length * 10 + modifiers.length;
}
