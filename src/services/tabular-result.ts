import type { LakePlan } from '../query/formats/lake-arrow-stream.ts';
import type { ColumnBatch, ColumnType } from '../store/column-batch.ts';

/** A column of a tabular result as it is sent. */
export interface ResultColumnSpec {
  name: string;
  type: ColumnType;
}

/**
 * A tabular result: its columns and a stream of batches. A result that is lake samples files as
 * they are (plus catalog values) also says so (`lake`), so every format is made from the files by
 * worker threads instead of passing through DuckDB's chunks; `batches` is then not started unless
 * read.
 */
export interface TabularResult {
  columns: readonly ResultColumnSpec[];
  batches: AsyncGenerator<ColumnBatch>;
  lake?: LakePlan;
}

/** Gives columns the wire types that DuckDB cannot express (durations as BIGINT seconds). */
export async function* withColumnTypes(
  batches: AsyncIterable<ColumnBatch>,
  types: ReadonlyMap<string, ColumnType>,
): AsyncGenerator<ColumnBatch> {
  for await (const batch of batches) {
    yield {
      rowCount: batch.rowCount,
      columns: batch.columns.map((c) => {
        const type = types.get(c.name);
        return type && type !== c.type ? { ...c, type } : c;
      }),
    };
  }
}
