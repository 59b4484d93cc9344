import { DAILY_MEASURES, type DailyMeasure } from './daily-measures.ts';
import { isCalendarDate } from './date-range.ts';
import { PeakformError } from './errors.ts';

/** One value of a dailies CSV, with its 1-based line number. */
export interface DailyCsvRow {
  line: number;
  date: string;
  measure: DailyMeasure;
  value: number;
}

export interface DailyCsv {
  rows: DailyCsvRow[];
  /** Lines that do not parse, with the reason; the rest are still read. */
  rejected: { line: number; reason: string }[];
}

/** What an import of a dailies CSV did. */
export interface DailyImportResult {
  stored: number;
  /** Days that already held a manual value, which an import never replaces. */
  keptManual: number;
  rejected: { line: number; reason: string }[];
}

/**
 * Reads dailies CSV text with a header naming `date`, `measure` and `value` (other columns
 * ignored; blank lines skipped). A line that does not parse is reported, not fatal; a header
 * without the three columns throws ERR_DAILY_IMPORT_INVALID. Shared by the local import and the
 * CLI's upload to a server, so both accept and reject the same lines.
 */
export function readDailyCsv(text: string): DailyCsv {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const [dateAt, measureAt, valueAt] = ['date', 'measure', 'value'].map((name) => header.indexOf(name));
  if (dateAt! < 0 || measureAt! < 0 || valueAt! < 0) {
    throw new PeakformError(
      'ERR_DAILY_IMPORT_INVALID',
      'The CSV needs a header with date, measure and value columns.',
    );
  }
  const result: DailyCsv = { rows: [], rejected: [] };
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]!.trim()) continue;
    const cells = lines[i]!.split(',').map((c) => c.trim());
    const date = cells[dateAt!] ?? '';
    const measure = cells[measureAt!] ?? '';
    const value = Number(cells[valueAt!]);
    if (!isCalendarDate(date))
      result.rejected.push({ line: i + 1, reason: `"${date}" is not a date (YYYY-MM-DD)` });
    else if (!(measure in DAILY_MEASURES))
      result.rejected.push({ line: i + 1, reason: `unknown measure "${measure}"` });
    else if (cells[valueAt!] === '' || !Number.isFinite(value))
      result.rejected.push({ line: i + 1, reason: 'the value is not a number' });
    else result.rows.push({ line: i + 1, date, measure: measure as DailyMeasure, value });
  }
  return result;
}
