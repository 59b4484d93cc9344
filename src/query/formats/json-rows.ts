import type { ColumnBatch } from '../../store/column-batch.ts';

/** Writes a JSON array of row objects batch by batch; instants as ISO 8601 with Z, NULL as null. */
export async function* writeJsonRows(batches: AsyncIterable<ColumnBatch>): AsyncGenerator<string> {
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
