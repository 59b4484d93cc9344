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
  TimestampMicrosecond,
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
      return new TimestampMicrosecond('UTC');
    case 'date':
      return new DateDay();
    case 'utf8':
      return new Utf8();
  }
}

function toRecordBatch(schema: Schema, batch: ColumnBatch): RecordBatch {
  const children = batch.columns.map((column, i) => toData(column, schema.fields[i]!.type, batch.rowCount));
  const data = makeData({ type: new Struct(schema.fields), length: batch.rowCount, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/** Fixed-width columns from DuckDB's buffers without per-value work; the rest through the builders. */
function toData(column: ResultColumn, type: DataType, length: number): Data {
  const raw = column.raw;
  if (raw && column.type !== 'bool' && column.type !== 'date') {
    const nullBitmap = raw.validity ?? undefined;
    const data =
      column.type === 'int32' && !(raw.data instanceof Int32Array)
        ? Int32Array.from(raw.data as Int16Array)
        : raw.data;
    return makeData({ type, length, data, nullBitmap } as never);
  }
  switch (column.type) {
    case 'timestamp': {
      const micros = new BigInt64Array(length);
      const valid = new Uint8Array(Math.ceil(length / 8));
      column.values.forEach((v, i) => {
        if (v instanceof Date) {
          micros[i] = BigInt(v.getTime()) * 1000n;
          valid[i >> 3]! |= 1 << (i & 7);
        }
      });
      return makeData({ type, length, data: micros, nullBitmap: valid } as never);
    }
    case 'utf8':
      return utf8Data(column.values, length);
    case 'int64':
      return vectorFromArray(
        column.values.map((v) => (v === null ? null : BigInt(v as bigint))),
        type as Int64,
      ).data[0]!;
    default:
      return vectorFromArray(column.values as never[], type).data[0]!;
  }
}

/**
 * Utf8 data built directly: each distinct string is encoded once, which matters for columns such
 * as `activity_id` and `sport` that repeat one value over thousands of rows.
 */
function utf8Data(values: readonly unknown[], length: number): Data {
  const encoder = new TextEncoder();
  const encoded = new Map<string, Uint8Array>();
  const offsets = new Int32Array(length + 1);
  const valid = new Uint8Array(Math.ceil(length / 8));
  const parts: Uint8Array[] = new Array(length);
  let total = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) {
      const text = String(v);
      let bytes = encoded.get(text);
      if (!bytes) {
        bytes = encoder.encode(text);
        encoded.set(text, bytes);
      }
      parts[i] = bytes;
      total += bytes.length;
      valid[i >> 3]! |= 1 << (i & 7);
    }
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < length; i++) if (parts[i]) data.set(parts[i]!, offsets[i]!);
  return makeData({ type: new Utf8(), length, valueOffsets: offsets, data, nullBitmap: valid });
}
