import {
  Bool,
  type Data,
  type DataType,
  DateDay,
  Duration,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMicrosecond,
  TimeUnit,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { ColumnBatch, ColumnType, ResultColumn } from '../../store/column-batch.ts';

/**
 * Writes an Arrow IPC stream batch by batch as the batches arrive, so memory holds one batch at a
 * time whatever the result size. One RecordBatchStreamWriter encodes the whole stream; after each
 * batch its buffered bytes are taken out and yielded, so the consumer's pace sets the producer's.
 */
export async function* writeArrowIpcStream(
  batches: AsyncIterable<ColumnBatch>,
  /** The declared columns: the schema of an empty result. */
  columns?: readonly { name: string; type: ColumnType }[],
): AsyncGenerator<Uint8Array> {
  const writer = new RecordBatchStreamWriter();
  let schema: Schema | undefined;
  for await (const batch of batches) {
    if (!schema) {
      schema = new Schema(batch.columns.map((c) => new Field(c.name, arrowType(c.type), true)));
      writer.reset(undefined, schema);
    }
    if (batch.rowCount === 0) continue;
    writer.write(toRecordBatch(schema, batch));
    const bytes = takeBuffered(writer);
    if (bytes.length > 0) yield bytes;
  }
  // An empty result still gets its schema; finish() writes the end-of-stream marker.
  if (!schema) {
    writer.reset(
      undefined,
      new Schema((columns ?? []).map((c) => new Field(c.name, arrowType(c.type), true))),
    );
  }
  writer.finish();
  const rest = takeBuffered(writer);
  if (rest.length > 0) yield rest;
}

/** The bytes the writer has buffered so far, removed from its queue (its sync read does not consume). */
function takeBuffered(writer: RecordBatchStreamWriter): Uint8Array {
  const queue = (writer as unknown as { _sink: { _values: Uint8Array[] } })._sink._values;
  const bytes = writer.toUint8Array(true);
  queue.length = 0;
  return bytes;
}

export function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'int16':
      return new Int16();
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
    case 'timestamp_local':
      return new TimestampMicrosecond();
    case 'duration':
      return new Duration(TimeUnit.SECOND);
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
    case 'timestamp':
    case 'timestamp_local': {
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
      return column.codes ? utf8FromCodes(column.codes, length) : utf8Data(column.values, length);
    case 'duration': {
      const seconds = new BigInt64Array(length);
      const valid = new Uint8Array(Math.ceil(length / 8));
      column.values.forEach((v, i) => {
        if (v !== null && v !== undefined) {
          seconds[i] = BigInt(Math.round(Number(v)));
          valid[i >> 3]! |= 1 << (i & 7);
        }
      });
      return makeData({ type, length, data: seconds, nullBitmap: valid } as never);
    }
    case 'int64':
      return vectorFromArray(
        column.values.map((v) => (v === null ? null : BigInt(v as bigint))),
        type as Int64,
      ).data[0]!;
    default:
      return vectorFromArray(column.values as never[], type).data[0]!;
  }
}

const encodedDictionaries = new WeakMap<readonly string[], Uint8Array[]>();

/** Utf8 data from a dictionary-coded column: each dictionary entry is encoded once per stream. */
function utf8FromCodes(codes: NonNullable<ResultColumn['codes']>, length: number): Data {
  let encoded = encodedDictionaries.get(codes.dictionary);
  if (!encoded) {
    const encoder = new TextEncoder();
    encoded = codes.dictionary.map((text) => encoder.encode(text));
    encodedDictionaries.set(codes.dictionary, encoded);
  }
  if (encoded.length === 1 && !codes.validity) return repeatedUtf8(encoded[0]!, length);
  const offsets = new Int32Array(length + 1);
  let total = 0;
  for (let i = 0; i < length; i++) {
    if (!codes.validity || codes.validity[i >> 3]! & (1 << (i & 7)))
      total += encoded[codes.indexes[i]!]!.length;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < length; i++) {
    if (offsets[i + 1]! > offsets[i]!) data.set(encoded[codes.indexes[i]!]!, offsets[i]!);
  }
  return makeData({
    type: new Utf8(),
    length,
    valueOffsets: offsets,
    data,
    nullBitmap: codes.validity ?? undefined,
  });
}

/** One string repeated `length` times (a column constant over the batch): copies double each step. */
function repeatedUtf8(bytes: Uint8Array, length: number): Data {
  const offsets = new Int32Array(length + 1);
  for (let i = 1; i <= length; i++) offsets[i] = i * bytes.length;
  const data = new Uint8Array(length * bytes.length);
  if (data.length > 0) {
    data.set(bytes);
    for (let filled = bytes.length; filled < data.length; filled *= 2)
      data.copyWithin(filled, 0, Math.min(filled, data.length - filled));
  }
  return makeData({ type: new Utf8(), length, valueOffsets: offsets, data });
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
