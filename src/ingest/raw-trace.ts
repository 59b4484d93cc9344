import type { MetricName } from '../domain/metrics.ts';

/**
 * Readings as a format reader found them, before the 1 Hz rule: one row per record, in file
 * order, columnar. `timeS[i]` is the UTC epoch second of row i (may be fractional, unsorted,
 * repeated); every column has the same length and NaN marks a missing reading.
 */
export interface RawTrace {
  timeS: Float64Array;
  columns: Partial<Record<MetricName, Float64Array>>;
  /** Numeric fields with no canonical meaning (e.g. developer fields), by snake_case name. */
  extra: Record<string, Float64Array>;
}

/** A column of `length` missing readings, to be filled in place by a reader. */
export function missingColumn(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}

/** The rows of `trace` at `rows` (indices in order), as a new trace. */
export function selectRawRows(trace: RawTrace, rows: Uint32Array): RawTrace {
  const pick = (column: Float64Array): Float64Array => {
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = column[rows[i]!]!;
    return out;
  };
  const columns: RawTrace['columns'] = {};
  for (const [name, column] of Object.entries(trace.columns) as [MetricName, Float64Array][]) {
    columns[name] = pick(column);
  }
  const extra: RawTrace['extra'] = {};
  for (const [name, column] of Object.entries(trace.extra)) extra[name] = pick(column);
  return { timeS: pick(trace.timeS), columns, extra };
}
