import type { ColumnBatch } from '../../store/column-batch.ts';

/** Writes a JSON array of row objects batch by batch; instants as ISO 8601 with Z, NULL as null. */
export async function* writeJsonRows(batches: AsyncIterable<ColumnBatch>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const batch of batches) {
    const parts: string[] = [];
    for (let row = 0; row < batch.rowCount; row++) {
      const object: Record<string, unknown> = {};
      for (const column of batch.columns) object[column.name] = toJsonValue(column.values[row]);
      parts.push(JSON.stringify(object));
    }
    if (parts.length === 0) continue;
    yield (first ? '' : ',') + parts.join(',');
    first = false;
  }
  yield ']';
}

function toJsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (typeof value === 'bigint') return Number(value);
  return value ?? null;
}
