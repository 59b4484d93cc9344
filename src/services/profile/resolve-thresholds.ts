import { parseSport, sportMatches } from '../../domain/sport.ts';
import type { Thresholds } from '../../domain/wire.ts';

export type ThresholdField = Exclude<keyof Thresholds, 'sport' | 'effective_from'>;
export type ResolvedThresholds = Partial<Record<ThresholdField, number>>;

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
 * the most specific sport (cycling.road before cycling), then the latest date.
 */
export function resolveThresholds(
  entries: readonly Thresholds[],
  sport: string,
  localDate: string,
): ResolvedThresholds {
  const candidates = entries
    .filter((t) => t.effective_from <= localDate && sportMatches(sport, t.sport))
    .sort(
      (a, b) => specificity(b.sport) - specificity(a.sport) || (a.effective_from < b.effective_from ? 1 : -1),
    );
  const resolved: ResolvedThresholds = {};
  for (const field of FIELDS) {
    const found = candidates.find((t) => t[field] !== null && t[field] !== undefined);
    if (found) resolved[field] = found[field]!;
  }
  return resolved;
}

function specificity(sport: string): number {
  const { path, modifiers } = parseSport(sport);
  return path.length * 10 + modifiers.length;
}
