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
