import { getMetric } from '../../domain/metrics.ts';
import type { RawTrace } from '../raw-trace.ts';
import { DEVELOPER_FIELD_MEANINGS } from './developer-field-meanings.ts';
import type { DeveloperColumn } from './read-fit-records.ts';

/**
 * Moves developer fields with a known meaning (DEVELOPER_FIELD_MEANINGS) onto their canonical
 * column, in place: a native reading wins, the developer field fills the records without one.
 * Returns the mapping made, canonical metric → developer column.
 */
export function mapDeveloperFields(
  trace: RawTrace,
  developerColumns: readonly DeveloperColumn[],
): Record<string, string> {
  const mapped: Record<string, string> = {};
  for (const meaning of DEVELOPER_FIELD_MEANINGS) {
    const { min, max } = getMetric(meaning.metric);
    let best: { column: string; valid: number } | null = null;
    for (const { column, units } of developerColumns) {
      const values = trace.extra[column];
      if (!values || !meaning.name.test(column) || !meaning.units.test(units.trim().toLowerCase())) continue;
      let valid = 0;
      for (const v of values) if (v >= min && v <= max) valid++;
      if (valid > 0 && (!best || valid > best.valid)) best = { column, valid };
    }
    if (!best) continue;
    const source = trace.extra[best.column]!;
    const native = trace.columns[meaning.metric];
    if (native) {
      for (let i = 0; i < native.length; i++) if (Number.isNaN(native[i]!)) native[i] = source[i]!;
    } else {
      trace.columns[meaning.metric] = source;
    }
    delete trace.extra[best.column];
    mapped[meaning.metric] = best.column;
  }
  return mapped;
}
