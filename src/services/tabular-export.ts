import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { arrowSchemaMetadata } from '../query/formats/arrow-schema-metadata.ts';
import { followFile } from '../store/follow-file.ts';
import { temporaryPathFor } from '../store/lake.ts';
import type { Store } from '../store/store.ts';
import type { TabularResult } from './tabular-result.ts';

/**
 * A tabular result as one snappy Parquet file, with the `ARROW:schema` entry so that Arrow readers
 * see the declared column types, streamed as it is written. A result that is one SQL query is
 * written by DuckDB straight from the query on a read connection, and its bytes go out while
 * DuckDB is still writing later row groups: the first byte of five years waits for one row group,
 * not for the whole file, and memory holds one chunk. The file lives under a temporary name and is
 * removed once written and read (or abandoned by a consumer that stopped).
 */
export async function* streamParquet(store: Store, result: TabularResult): AsyncGenerator<Uint8Array> {
  const exportsDir = store.lake.fromStored('exports');
  await mkdir(exportsDir, { recursive: true });
  const path = temporaryPathFor(join(exportsDir, 'export.parquet'));
  const options = {
    compression: 'snappy' as const,
    keyValueMetadata: { 'ARROW:schema': arrowSchemaMetadata(result.columns) },
  };
  let written: Promise<void>;
  if (result.parquetSql) {
    await result.batches.return(undefined);
    written = store.queryToParquet(result.parquetSql, path, options);
  } else {
    written = store.batchesToParquet(result.batches, path, options);
  }
  try {
    yield* followFile(path, written);
  } finally {
    // A consumer that stopped early leaves the writer running: the file goes once it is done.
    void written.catch(() => undefined).then(() => rm(path, { force: true }));
  }
}
