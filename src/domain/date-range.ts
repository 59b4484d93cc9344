import { PeakformError } from './errors.ts';

/** The longest date range a request may ask for: wide enough for any career, small enough to bound work. */
export const MAX_RANGE_YEARS = 20;

/** A real calendar date `YYYY-MM-DD` (2024-02-30 is not; years 0000–0099 stay as written). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/**
 * Checks a range of local dates: start on or before end, and at most `MAX_RANGE_YEARS` long (an
 * open end counts as today; an open start is the athlete's whole history, bounded by the data).
 */
export function assertDateRange(
  start: string | undefined,
  end: string | undefined,
  today = new Date(),
): void {
  if (start && end && start > end) {
    throw new PeakformError('ERR_DATE_RANGE_INVALID', `start (${start}) is after end (${end}); swap them.`);
  }
  if (!start) return;
  const last = end ?? today.toISOString().slice(0, 10);
  const years = (Date.parse(`${last}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / (365.25 * 86_400_000);
  if (years > MAX_RANGE_YEARS) {
    throw new PeakformError(
      'ERR_DATE_RANGE_TOO_LONG',
      `The range ${start} … ${last} spans more than ${MAX_RANGE_YEARS} years; ask for at most ${MAX_RANGE_YEARS} years at a time.`,
    );
  }
}
