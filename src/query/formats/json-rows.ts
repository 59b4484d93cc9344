import type { ColumnBatch, ResultColumn } from '../../store/column-batch.ts';
import { type Cell, cellsOf, isoInstantFormatter } from './text-cells.ts';

/**
 * Writes a JSON array of row objects batch by batch; instants as ISO 8601 with Z, NULL as null.
 * The text is what `JSON.stringify` gives for each row object, built from each column's cells
 * (prepared once per batch) and its key written once.
 */
export async function* writeJsonRows(batches: AsyncIterable<ColumnBatch>): AsyncGenerator<string> {
  let first = true;
  const instants = { timestamp: isoInstantFormatter(true), timestamp_local: isoInstantFormatter(false) };
  yield '[';
  for await (const batch of batches) {
    if (batch.rowCount === 0) continue;
    const cells: Cell[] = batch.columns.map((column) => jsonCells(column, batch.rowCount, instants));
    // A repeated column name keeps its last value in its first position, as in an object literal.
    const keys = new Map<string, number>();
    batch.columns.forEach((column, c) => {
      keys.set(column.name, c);
    });
    const names = [...keys.keys()].map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
    const order = [...keys.values()].map((c) => cells[c]!);
    let text = first ? '' : ',';
    for (let row = 0; row < batch.rowCount; row++) {
      if (row > 0) text += ',';
      for (let c = 0; c < order.length; c++) text += names[c]! + (order[c]!(row) ?? 'null');
      text += order.length === 0 ? '{}' : '}';
    }
    yield text;
    first = false;
  }
  yield ']';
}

/** Instants with Z, wall-clock times without; durations as seconds (a number). */
function jsonCells(
  column: ResultColumn,
  rowCount: number,
  instants: Record<'timestamp' | 'timestamp_local', (ms: number) => string>,
): Cell {
  switch (column.type) {
    case 'timestamp':
    case 'timestamp_local': {
      const instant = instants[column.type];
      const quoted = (ms: number) => `"${instant(ms)}"`;
      return cellsOf(column, rowCount, (v) => jsonValue(v, instant), quoted);
    }
    default:
      return cellsOf(column, rowCount, (v) => jsonValue(v, undefined), undefined);
  }
}

function jsonValue(value: unknown, instant: ((ms: number) => string) | undefined): string {
  if (value instanceof Date) {
    if (instant) return `"${instant(value.getTime())}"`;
    return JSON.stringify(value.toISOString().replace('.000Z', 'Z'));
  }
  if (typeof value === 'bigint') return JSON.stringify(Number(value));
  return JSON.stringify(value) ?? 'null';
}
