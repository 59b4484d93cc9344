import { addDays } from './format.ts';

/**
 * When the fitness page fits a model over time: every 28 days back from the range's end, or, past
 * 26 fits, in wider steps of whole weeks (so a five-year range asks for about two dozen fits).
 * Pure (no DOM), so tests run it in Node.
 */
const TREND_STEP_DAYS = 28;
/** At most this many fits per page. */
const TREND_MAX_FITS = 26;

/** Days between fits: 28, or more (whole weeks) when the range would need more than 26 fits. */
export function trendStepDays(start: string, end: string): number {
  const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000 + 1;
  return Math.max(TREND_STEP_DAYS, Math.ceil(days / TREND_MAX_FITS / 7) * 7);
}

/** The ends of the rolling fits: `end`, then every step back while still inside the range. */
export function trendDates(start: string, end: string): string[] {
  const step = trendStepDays(start, end);
  const dates: string[] = [];
  for (let date = end; date >= start; date = addDays(date, -step)) dates.unshift(date);
  return dates;
}
