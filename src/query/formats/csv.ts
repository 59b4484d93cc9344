import type { ColumnBatch, ResultColumn } from '../../store/column-batch.ts';

/** Writes RFC 4180 CSV batch by batch: a header row, ISO 8601 instants, empty fields for NULL. */
export async function* writeCsv(batches: AsyncIterable<ColumnBatch>): AsyncGenerator<string> {
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
