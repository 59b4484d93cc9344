// The CSV and JSON writers as they were before 2964b2f (values read per row through the column's
// getter), kept so bench/formats.ts measures the previous path next to today's in one run.
import type { ColumnBatch, ResultColumn } from '../src/store/column-batch.ts';

/** Writes RFC 4180 CSV batch by batch: a header row, ISO 8601 instants, empty fields for NULL. */
export async function* previousWriteCsv(batches: AsyncIterable<ColumnBatch>): AsyncGenerator<string> {
  let header = false;
  for await (const batch of batches) {
    if (!header) {
      header = true;
      yield `${batch.columns.map((c) => quote(c.name)).join(',')}\n`;
    }
    const formatters = batch.columns.map(formatterFor);
    const lines: string[] = new Array(batch.rowCount);
    for (let row = 0; row < batch.rowCount; row++) {
      let line = '';
      for (let c = 0; c < batch.columns.length; c++) {
        if (c > 0) line += ',';
        const value = batch.columns[c]!.values[row];
        if (value !== null && value !== undefined) line += formatters[c]!(value);
      }
      lines[row] = line;
    }
    if (lines.length > 0) yield `${lines.join('\n')}\n`;
  }
}

function formatterFor(column: ResultColumn): (value: unknown) => string {
  switch (column.type) {
    case 'timestamp':
      return (v) => (v as Date).toISOString().replace('.000Z', 'Z');
    case 'timestamp_local':
      return (v) => (v as Date).toISOString().replace('.000Z', '').replace('Z', '');
    case 'duration':
      return (v) => String(Number(v));
    case 'utf8':
      return (v) => quote(String(v));
    default:
      return (v) => String(v);
  }
}

function quote(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes a JSON array of row objects batch by batch; instants as ISO 8601 with Z, NULL as null. */
export async function* previousWriteJsonRows(batches: AsyncIterable<ColumnBatch>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const batch of batches) {
    const parts: string[] = [];
    const local = batch.columns.map((c) => c.type === 'timestamp_local');
    for (let row = 0; row < batch.rowCount; row++) {
      const object: Record<string, unknown> = {};
      batch.columns.forEach((column, c) => {
        object[column.name] = toJsonValue(column.values[row], local[c]!);
      });
      parts.push(JSON.stringify(object));
    }
    if (parts.length === 0) continue;
    yield (first ? '' : ',') + parts.join(',');
    first = false;
  }
  yield ']';
}

/** Instants with Z, wall-clock times without; durations as seconds (a number). */
function toJsonValue(value: unknown, local: boolean): unknown {
  if (value instanceof Date) {
    const iso = value.toISOString().replace('.000Z', 'Z');
    return local ? iso.replace('Z', '') : iso;
  }
  if (typeof value === 'bigint') return Number(value);
  return value ?? null;
}
