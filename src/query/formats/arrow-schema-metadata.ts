import { Field, RecordBatchStreamWriter, Schema } from 'apache-arrow';
import type { ColumnType } from '../../store/column-batch.ts';
import { arrowType } from './arrow-ipc-stream.ts';

/**
 * The `ARROW:schema` key-value entry of a Parquet file, as Arrow writers add it: the base64 of the
 * IPC-encoded schema message. Arrow readers (pyarrow, Polars, arrow-rs) use it to restore types
 * Parquet has no word for — `duration[s]` stored as int64 — so the official clients read our
 * durations as durations (WIRE.md §1.8).
 */
export function arrowSchemaMetadata(columns: readonly { name: string; type: ColumnType }[]): string {
  const schema = new Schema(columns.map((c) => new Field(c.name, arrowType(c.type), true)));
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  writer.finish();
  const stream = writer.toUint8Array(true);
  // The stream starts with the schema message: 0xFFFFFFFF, its length, then the flatbuffer.
  const length = new DataView(stream.buffer, stream.byteOffset).getInt32(4, true);
  return Buffer.from(stream.subarray(0, 8 + length)).toString('base64');
}
