/**
 * A batch of result rows in columnar form, independent of DuckDB's own classes, so that the
 * output writers (Arrow, CSV, JSON) never import the database driver.
 */
import type { ColumnType } from '../domain/column-types.ts';

export type { ColumnType };

export interface ResultColumn {
  name: string;
  type: ColumnType;
  /** JS values: number | bigint | boolean | string | Date | null, by type. */
  values: unknown[];
  /**
   * The column's raw buffers when it came straight from DuckDB: fixed-width values (timestamps
   * as int64 microseconds) and the validity bitmap (LSB first, 1 = present; null when all are
   * present). Writers that can use buffers (Arrow) skip the per-value JS conversion.
   */
  raw?: { data: RawData; validity: Uint8Array | null };
  /**
   * A dictionary-coded text column (a DuckDB ENUM): `indexes[i]` points into `dictionary`. Lets
   * writers encode each distinct string once instead of once per row.
   */
  codes?: {
    indexes: Uint8Array | Uint16Array | Uint32Array;
    dictionary: readonly string[];
    validity: Uint8Array | null;
  };
}

export type RawData = Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

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
