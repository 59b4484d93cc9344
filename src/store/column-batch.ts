/**
 * A batch of result rows in columnar form, independent of DuckDB's own classes, so that the
 * output writers (Arrow, CSV, JSON) never import the database driver.
 */
export type ColumnType = 'int32' | 'int64' | 'float32' | 'float64' | 'bool' | 'timestamp' | 'date' | 'utf8';

export interface ResultColumn {
  name: string;
  type: ColumnType;
  /** JS values: number | bigint | boolean | string | Date | null, by type. */
  values: unknown[];
}

export interface ColumnBatch {
  rowCount: number;
  columns: ResultColumn[];
}

/** One batch from rows computed in JS (small results such as curves), in the given column order. */
export function batchFromRows(
  columns: readonly { name: string; type: ColumnType }[],
  rows: readonly unknown[][],
): ColumnBatch {
  return {
    rowCount: rows.length,
    columns: columns.map((c, i) => ({ name: c.name, type: c.type, values: rows.map((r) => r[i] ?? null) })),
  };
}

export async function* singleBatch(batch: ColumnBatch): AsyncGenerator<ColumnBatch> {
  yield batch;
}
