import type { ColumnType } from '../domain/column-types.ts';

/** The DuckDB type that holds each column type (durations as whole seconds in a BIGINT). */
const DUCKDB_TYPES: Record<ColumnType, string> = {
  int16: 'SMALLINT',
  int32: 'INTEGER',
  int64: 'BIGINT',
  float32: 'FLOAT',
  float64: 'DOUBLE',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
  timestamp_local: 'TIMESTAMP',
  duration: 'BIGINT',
  date: 'DATE',
  utf8: 'VARCHAR',
};

/**
 * Wraps a query so that its columns come out exactly as declared, in the declared order: the
 * Arrow stream, the Parquet file and its `ARROW:schema` then agree whatever DuckDB inferred (a
 * sum of integers is a HUGEINT, a count a BIGINT).
 */
export function castColumns(sql: string, columns: readonly { name: string; type: ColumnType }[]): string {
  const select = columns.map((c) => `CAST("${c.name}" AS ${DUCKDB_TYPES[c.type]}) AS "${c.name}"`).join(', ');
  return `SELECT ${select} FROM (${sql})`;
}

/** A SQL string literal for a value from our own catalog (quotes doubled). */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
