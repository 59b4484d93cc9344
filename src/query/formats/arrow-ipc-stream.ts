import {
  Bool,
  type Data,
  type DataType,
  DateDay,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { ColumnBatch, ColumnType, ResultColumn } from '../../store/column-batch.ts';

/** Arrow IPC end-of-stream marker: continuation token + zero length. */
const EOS_BYTES = 8;

/**
 * Writes an Arrow IPC stream batch by batch as the batches arrive, so memory holds one batch at a
 * time whatever the result size. Each batch is encoded on its own and the schema message is sent
 * once; the bytes are exactly those of a single RecordBatchStreamWriter.
 */
export async function* writeArrowIpcStream(batches: AsyncIterable<ColumnBatch>): AsyncGenerator<Uint8Array> {
  let schema: Schema | undefined;
  let schemaLength = 0;
  for await (const batch of batches) {
    if (!schema) {
      schema = new Schema(batch.columns.map((c) => new Field(c.name, arrowType(c.type), true)));
      const bytes = encode(schema, []);
      schemaLength = bytes.length - EOS_BYTES;
      yield bytes.subarray(0, schemaLength);
    }
    if (batch.rowCount === 0) continue;
    const encoded = encode(schema, [toRecordBatch(schema, batch)]);
    yield encoded.subarray(schemaLength, encoded.length - EOS_BYTES);
  }
  yield new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
}

function encode(schema: Schema, batches: RecordBatch[]): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (const b of batches) writer.write(b);
  writer.finish();
  return writer.toUint8Array(true);
}

export function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'timestamp':
      return new TimestampMillisecond('UTC');
    case 'date':
      return new DateDay();
    case 'utf8':
      return new Utf8();
  }
}

function toRecordBatch(schema: Schema, batch: ColumnBatch): RecordBatch {
  const children = batch.columns.map((column, i) => toData(column, schema.fields[i]!.type));
  const data = makeData({ type: new Struct(schema.fields), length: batch.rowCount, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

function toData(column: ResultColumn, type: DataType): Data {
  const values = column.values;
  switch (column.type) {
    case 'timestamp':
      return vectorFromArray(
        values.map((v) => (v instanceof Date ? v.getTime() : null)),
        type as TimestampMillisecond,
      ).data[0]!;
    case 'int64':
      return vectorFromArray(
        values.map((v) => (v === null ? null : BigInt(v as bigint))),
        type as Int64,
      ).data[0]!;
    default:
      return vectorFromArray(values as never[], type).data[0]!;
  }
}
