import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { arrowSchemaMetadata } from '../query/formats/arrow-schema-metadata.ts';
import { temporaryPathFor } from '../store/lake.ts';
import type { Store } from '../store/store.ts';
import type { TabularResult } from './tabular-result.ts';

/**
 * Writes a tabular result as one snappy Parquet file at a temporary path (the caller deletes it
 * after use), with the `ARROW:schema` entry so Arrow readers see the declared column types. A
 * result that is one SQL query is written by DuckDB straight from the query.
 */
export async function exportParquet(store: Store, result: TabularResult): Promise<string> {
  const exportsDir = store.lake.fromStored('exports');
  await mkdir(exportsDir, { recursive: true });
  const path = temporaryPathFor(join(exportsDir, 'export.parquet'));
  const options = {
    compression: 'snappy' as const,
    keyValueMetadata: { 'ARROW:schema': arrowSchemaMetadata(result.columns) },
  };
  if (result.parquetSql) {
    await result.batches.return(undefined);
    await store.copyToParquet(result.parquetSql, path, options);
  } else {
    await store.batchesToParquet(result.batches, path, options);
  }
  return path;
}
