/**
 * The types a tabular result's columns can have, named once for every layer: the store reads
 * DuckDB into them, the output writers encode them, and the contract's table specs declare them.
 * Each has one Arrow type on the wire (`ARROW_TYPE_NAMES`), also in Parquet through the
 * `ARROW:schema` key that Arrow readers use to restore types Parquet has no word for (durations).
 */
export type ColumnType =
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'bool'
  /** An instant: UTC, microseconds. */
  | 'timestamp'
  /** A wall-clock time without offset (`*_local`), microseconds. */
  | 'timestamp_local'
  /** Whole seconds (`duration`), an Arrow `duration[s]`. */
  | 'duration'
  | 'date'
  | 'utf8';

/** How each column type reads in Arrow (and so in pandas, Polars and DuckDB). */
export const ARROW_TYPE_NAMES: Record<ColumnType, string> = {
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  float32: 'float32',
  float64: 'float64',
  bool: 'bool',
  timestamp: 'timestamp[us, tz=UTC]',
  timestamp_local: 'timestamp[us]',
  duration: 'duration[s]',
  date: 'date32',
  utf8: 'string',
};
