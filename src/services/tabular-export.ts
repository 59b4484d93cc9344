import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { arrowSchemaMetadata } from '../query/formats/arrow-schema-metadata.ts';
import { streamLakeParquet } from '../query/formats/lake-arrow-stream.ts';
import { followFile } from '../store/follow-file.ts';
import { temporaryPathFor } from '../store/lake.ts';
import type { Store } from '../store/store.ts';
import type { TabularResult } from './tabular-result.ts';

/**
 * A tabular result as one Parquet file, with the `ARROW:schema` entry so that Arrow readers see
 * the declared column types. A result read straight from the lake's samples files (`lake`) is
 * assembled from them by the worker pool (`streamLakeParquet`: their column chunks copied, no
 * DuckDB pass). Any other (a curve, a summary, a load series: batches computed outside SQL) is
 * written by DuckDB as one snappy Parquet file, its bytes sent as they are written; the file lives
 * under a temporary name and is removed once written and read (or abandoned by a consumer that
 * stopped).
 */
export async function* streamParquet(store: Store, result: TabularResult): AsyncGenerator<Uint8Array> {
  if (result.lake) {
    await result.batches.return(undefined);
    yield* streamLakeParquet(result.lake);
    return;
  }
  const exportsDir = store.lake.fromStored('exports');
  await mkdir(exportsDir, { recursive: true });
  const path = temporaryPathFor(join(exportsDir, 'export.parquet'));
  const options = {
    compression: 'snappy' as const,
    keyValueMetadata: { 'ARROW:schema': arrowSchemaMetadata(result.columns) },
  };
  const written = store.batchesToParquet(result.batches, path, options);
  try {
    yield* followFile(path, written);
  } finally {
    // A consumer that stopped early leaves the writer running: the file goes once it is done.
    void written.catch(() => undefined).then(() => rm(path, { force: true }));
  }
}
