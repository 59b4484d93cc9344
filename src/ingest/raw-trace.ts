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

/** Rows compared per hash bucket before a row is kept as new: bounds the work on hostile input. */
const MAX_BUCKET_COMPARISONS = 8;

/**
 * The trace without rows that repeat an earlier row exactly (same time, same value or missing in
 * every column), e.g. the records of a FIT file chained several times. Expected linear time: rows
 * are hashed, and only rows with equal hashes are compared.
 */
export function dropRepeatedRows(trace: RawTrace): { trace: RawTrace; dropped: number } {
  const columns = [trace.timeS, ...Object.values(trace.columns), ...Object.values(trace.extra)];
  const rowCount = trace.timeS.length;
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  const hashOf = (row: number): number => {
    let hash = 0x811c9dc5;
    for (const column of columns) {
      bits[0] = column[row]!;
      hash = Math.imul(hash ^ words[0]!, 0x01000193);
      hash = Math.imul(hash ^ words[1]!, 0x01000193);
    }
    return hash >>> 0;
  };
  const sameRow = (a: number, b: number): boolean =>
    columns.every((column) => Object.is(column[a], column[b]));

  const buckets = new Map<number, number[]>();
  const kept = new Uint32Array(rowCount);
  let keptCount = 0;
  for (let row = 0; row < rowCount; row++) {
    const hash = hashOf(row);
    const bucket = buckets.get(hash);
    if (bucket === undefined) buckets.set(hash, [row]);
    else if (bucket.some((earlier, k) => k < MAX_BUCKET_COMPARISONS && sameRow(earlier, row))) continue;
    else if (bucket.length < MAX_BUCKET_COMPARISONS) bucket.push(row);
    kept[keptCount++] = row;
  }
  const dropped = rowCount - keptCount;
  return { trace: dropped === 0 ? trace : selectRawRows(trace, kept.subarray(0, keptCount)), dropped };
}
