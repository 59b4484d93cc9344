import type { DailyFill } from '../domain/daily-measures.ts';

/**
 * One value per calendar day from sparse stored values (WIRE.md §7.4): exactly one row per date
 * from `start` to `end`, each `stored` (a value was recorded that day), `estimated` (filled by the
 * measure's rule) or `missing`. Dates are `YYYY-MM-DD` calendar days, computed in UTC so that no
 * time-zone or DST change can shift them.
 */
export type { DailyFill };

export interface StoredDaily {
  date: string;
  value: number;
  source: string;
}

export interface DailyRow {
  date: string;
  value: number | null;
  status: 'stored' | 'estimated' | 'missing';
  source: string | null;
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The rows of [start, end] under a fill rule, from stored values sorted by date (they may lie
 * outside the range: the nearest ones before and after are what fills the edges):
 * - `linear`: linear interpolation between the stored values around a day; before the first or
 *   after the last, the nearest stored value (body mass, body fat);
 * - `carry`: the previous stored value, else the next one (sleep altitude);
 * - `increment`: the previous stored value plus the days since (menstrual cycle day); none before
 *   the first stored value;
 * - `none`: days without a stored value are missing (resting HR, HRV, sleep duration).
 */
export function dailySeries(
  stored: readonly StoredDaily[],
  start: string,
  end: string,
  fill: DailyFill,
): DailyRow[] {
  const first = dayNumber(start);
  const last = dayNumber(end);
  const byDay = new Map(stored.map((s) => [dayNumber(s.date), s]));
  const days = stored.map((s) => dayNumber(s.date));
  const rows: DailyRow[] = [];
  // `before` is the index of the last stored value on or before the current day.
  let before = -1;
  for (let day = first; day <= last; day++) {
    while (before + 1 < days.length && days[before + 1]! <= day) before++;
    const own = byDay.get(day);
    if (own) {
      rows.push({ date: dateOf(day), value: own.value, status: 'stored', source: own.source });
      continue;
    }
    const value = estimate(stored, days, before, day, fill);
    rows.push(
      value === null
        ? { date: dateOf(day), value: null, status: 'missing', source: null }
        : { date: dateOf(day), value, status: 'estimated', source: null },
    );
  }
  return rows;
}

function estimate(
  stored: readonly StoredDaily[],
  days: readonly number[],
  before: number,
  day: number,
  fill: DailyFill,
): number | null {
  const previous = before >= 0 ? stored[before]! : undefined;
  const next = before + 1 < stored.length ? stored[before + 1]! : undefined;
  switch (fill) {
    case 'none':
      return null;
    case 'increment':
      return previous ? previous.value + (day - days[before]!) : null;
    case 'carry':
      return previous?.value ?? next?.value ?? null;
    case 'linear': {
      if (previous && next) {
        const span = days[before + 1]! - days[before]!;
        return previous.value + ((next.value - previous.value) * (day - days[before]!)) / span;
      }
      return previous?.value ?? next?.value ?? null;
    }
  }
}
