import type { ColumnBatch, ResultColumn } from '../../store/column-batch.ts';
import { type Cell, cellsOf, isoInstantFormatter } from './text-cells.ts';

/**
 * Writes RFC 4180 CSV batch by batch: a header row, ISO 8601 instants, empty fields for NULL.
 * Each column's cells are prepared once per batch, so the cost is linear in the rows.
 */
export async function* writeCsv(batches: AsyncIterable<ColumnBatch>): AsyncGenerator<string> {
  let header = false;
  const instants = { timestamp: isoInstantFormatter(true), timestamp_local: isoInstantFormatter(false) };
  for await (const batch of batches) {
    if (!header) {
      header = true;
      yield csvHeader(batch.columns.map((c) => c.name));
    }
    if (batch.rowCount === 0) continue;
    const cells: Cell[] = batch.columns.map((column) => csvCells(column, batch.rowCount, instants));
    const width = cells.length;
    let text = '';
    for (let row = 0; row < batch.rowCount; row++) {
      let line = cells[0]!(row) ?? '';
      for (let c = 1; c < width; c++) line += `,${cells[c]!(row) ?? ''}`;
      text += `${line}\n`;
    }
    yield text;
  }
}

function csvCells(
  column: ResultColumn,
  rowCount: number,
  instants: Record<'timestamp' | 'timestamp_local', (ms: number) => string>,
): Cell {
  switch (column.type) {
    case 'timestamp':
    case 'timestamp_local': {
      const instant = instants[column.type];
      return cellsOf(column, rowCount, (v) => instant((v as Date).getTime()), instant);
    }
    case 'duration':
      return cellsOf(column, rowCount, (v) => String(Number(v)), undefined);
    case 'utf8':
      return cellsOf(column, rowCount, (v) => quoteCsv(String(v)), undefined);
    default:
      return cellsOf(column, rowCount, String, undefined);
  }
}

/** The header line of the named columns. */
export function csvHeader(names: readonly string[]): string {
  return `${names.map(quoteCsv).join(',')}\n`;
}

/** A field as RFC 4180 writes it: quoted when it holds a quote, a comma or a line break. */
export function quoteCsv(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
