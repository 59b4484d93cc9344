import type { z } from 'zod';
import { dailySeries, type StoredDaily } from '../../analytics/daily-series.ts';
import { type DailyImportResult, readDailyCsv } from '../../domain/daily-csv.ts';
import {
  DAILY_MEASURES,
  DAILY_SOURCES,
  type DailyMeasure,
  type DailySource,
} from '../../domain/daily-measures.ts';
import { assertDateRange } from '../../domain/date-range.ts';
import { PeakformError } from '../../domain/errors.ts';
import type { DailySchema } from '../../domain/wire.ts';
import {
  compileDeleteDaily,
  compileStoredDailies,
  compileStoredDaily,
  compileUpsertDailies,
  compileUpsertDaily,
} from '../../query/daily-sql.ts';
import type { Store } from '../../store/store.ts';
import { assertAthleteIdValid } from '../profile/athlete-id.ts';

type Daily = z.infer<typeof DailySchema>;

export type { DailyImportResult };

/** Daily measures (body mass, HRV, sleep, …): one value per athlete, measure and date. */
export class DailyService {
  constructor(
    private readonly store: Store,
    /** Told after a day's value is stored or deleted (body mass feeds ingest thresholds). */
    private readonly onChange: (athleteId: string, measure: DailyMeasure, date: string) => void = () => {},
  ) {}

  /** Exactly one row per date of [start, end]; with `interpolate`, gaps filled by the measure's rule. */
  async list(
    athleteId: string,
    measure: DailyMeasure,
    query: { start: string; end: string; interpolate?: boolean },
  ): Promise<Daily[]> {
    assertDateRange(query.start, query.end);
    const stored = await this.store.select<StoredDaily>(
      compileStoredDailies(athleteId, measure, query.start, query.end),
    );
    const fill = query.interpolate ? DAILY_MEASURES[measure].fill : 'none';
    return dailySeries(stored, query.start, query.end, fill) as Daily[];
  }

  /** Stores a day's value (an upsert); a manual value is never replaced by an import. Returns the day as stored. */
  async set(
    athleteId: string,
    measure: DailyMeasure,
    date: string,
    value: number,
    source: DailySource = 'manual',
  ): Promise<Daily> {
    assertAthleteIdValid(athleteId);
    const upsert = compileUpsertDaily(athleteId, measure, date, value, source);
    await this.store.write((tx) => tx.run(upsert.sql, upsert.params as never));
    this.onChange(athleteId, measure, date);
    const [row] = await this.store.select<{ value: number; source: DailySource }>(
      compileStoredDaily(athleteId, measure, date),
    );
    return { date, value: row!.value, status: 'stored', source: row!.source };
  }

  async delete(athleteId: string, measure: DailyMeasure, date: string): Promise<void> {
    const query = compileDeleteDaily(athleteId, measure, date);
    const deleted = await this.store.write((tx) => tx.all(query.sql, query.params as never));
    if (deleted.length === 0) {
      throw new PeakformError('ERR_DAILY_NOT_FOUND', `No ${measure} value on ${date} for this athlete.`);
    }
    this.onChange(athleteId, measure, date);
  }

  /**
   * Stores many days' values in one transaction (an import, a backfill); a manual value is never
   * replaced by an import. Listeners hear once per measure, from its earliest date.
   */
  async setMany(
    athleteId: string,
    rows: readonly { measure: DailyMeasure; date: string; value: number }[],
    source: DailySource = 'manual',
  ): Promise<{ stored: number; keptManual: number }> {
    assertAthleteIdValid(athleteId);
    // The last value given for a day wins, as it would row by row.
    const byDay = new Map(rows.map((row) => [`${row.measure}/${row.date}`, row]));
    const upsert = compileUpsertDailies(athleteId, [...byDay.values()], source);
    const stored = (await this.store.write((tx) => tx.all(upsert.sql, upsert.params as never))).length;
    const earliest = new Map<DailyMeasure, string>();
    for (const row of rows) {
      const date = earliest.get(row.measure);
      if (date === undefined || row.date < date) earliest.set(row.measure, row.date);
    }
    for (const [measure, date] of earliest) this.onChange(athleteId, measure, date);
    return { stored, keptManual: byDay.size - stored };
  }

  /**
   * Imports dailies from CSV text with a header `date,measure,value` (other columns ignored), as
   * `source` (manual by default). Lines that do not parse are reported, not fatal.
   */
  async importCsv(
    athleteId: string,
    text: string,
    source: DailySource = 'manual',
  ): Promise<DailyImportResult> {
    if (!DAILY_SOURCES.includes(source))
      throw new PeakformError('ERR_REQUEST_INVALID', `Unknown source ${source}.`);
    const csv = readDailyCsv(text);
    return { ...(await this.setMany(athleteId, csv.rows, source)), rejected: csv.rejected };
  }
}
