import { readFileSync } from 'node:fs';
import { type Data, Message, MessageHeader, MetadataVersion, type Table, tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import type { ColumnType } from '../../store/column-batch.ts';

/**
 * Where an output column's values come from: a stored column of the samples file, a value of the
 * catalog constant over the file (`activity_id`, `sport`), the file's `timestamp` shifted by the
 * activity's offset (`timestamp_local`), 1 s per row (`duration`), or nothing (a wire metric
 * Peakform does not record: all null).
 */
export type LakeArrowSource = 'stored' | 'timestamp_local' | 'activity_id' | 'sport' | 'duration' | 'null';

export interface LakeArrowColumn {
  name: string;
  type: ColumnType;
  source: LakeArrowSource;
}

/** One per-activity samples file of the lake and the catalog values the output adds to its rows. */
export interface LakeArrowFile {
  path: string;
  activityId: string;
  sport: string;
  /** The activity's UTC offset in microseconds (`timestamp_local` = `timestamp` + this). */
  utcOffsetUs: number;
}

export interface LakeArrowRequest {
  columns: readonly LakeArrowColumn[];
  files: readonly LakeArrowFile[];
}

/** Bytes per value of the fixed-width column types the lake route produces. */
const WIDTH: Partial<Record<ColumnType, number>> = {
  int16: 2,
  int32: 4,
  int64: 8,
  float32: 4,
  float64: 8,
  timestamp: 8,
  timestamp_local: 8,
  duration: 8,
};

/**
 * Reads lake samples files (DuckDB's Parquet: zstd, dictionary, delta and byte-stream-split
 * encodings) with parquet-wasm and encodes each as one Arrow IPC record-batch message of the
 * requested columns, the same values the SQL path yields for those files: the stored columns as
 * they are, `timestamp_local`, `activity_id`, `sport` and `duration` from the catalog, absent
 * metrics as nulls. Rows keep the file's order, which is time order (ingest writes samples sorted
 * and unique); a file that is not in order is sorted here, as the SQL path's `ORDER BY` would.
 * Returns the messages of all files back to back (without the schema message).
 */
export function encodeLakeFiles(request: LakeArrowRequest): Uint8Array {
  const parts = request.files.map((file) => encodeLakeFile(request.columns, file));
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

interface ColumnOut {
  length: number;
  nullCount: number;
  /** The buffers of the column in Arrow's order (validity first), each written 8-byte aligned. */
  buffers: Uint8Array[];
}

function encodeLakeFile(columns: readonly LakeArrowColumn[], file: LakeArrowFile): Uint8Array {
  const stored = columns.filter((c) => c.source === 'stored').map((c) => c.name);
  const table = readStored(readFileSync(file.path), [
    'timestamp',
    ...stored.filter((n) => n !== 'timestamp'),
  ]);
  const length = table.numRows;
  const timestamp = single(table, 'timestamp')!;
  const order = timeOrder(timestamp, length);
  const out = columns.map((column) => columnOut(column, table, file, length, order));
  return recordBatchMessage(length, out);
}

function columnOut(
  column: LakeArrowColumn,
  table: Table,
  file: LakeArrowFile,
  length: number,
  order: Uint32Array | null,
): ColumnOut {
  switch (column.source) {
    case 'stored': {
      const data = single(table, column.name);
      return data ? storedColumn(data, column, length, order) : nullColumn(column.type, length);
    }
    case 'timestamp_local':
      return shiftedTimestamps(single(table, 'timestamp')!, file.utcOffsetUs, length, order);
    case 'activity_id':
      return repeatedText(file.activityId, length);
    case 'sport':
      return repeatedText(file.sport, length);
    case 'duration':
      return ones64(length);
    default:
      return nullColumn(column.type, length);
  }
}

/** The stored columns of a samples file; a column the file lacks (an older lake) is left out. */
function readStored(bytes: Uint8Array, names: string[]): Table {
  let wasm: ReturnType<typeof readParquet>;
  try {
    wasm = readParquet(bytes, { columns: names, batchSize: 1 << 30 });
  } catch {
    const present = tableFromIPC(readParquet(bytes, { limit: 0 }).intoIPCStream()).schema.fields.map(
      (f) => f.name,
    );
    wasm = readParquet(bytes, { columns: names.filter((n) => present.includes(n)), batchSize: 1 << 30 });
  }
  return tableFromIPC(wasm.intoIPCStream());
}

/** A column of the table as one Data (a file of several row groups comes as several batches). */
function single(table: Table, name: string): Data | undefined {
  const vector = table.getChild(name);
  if (!vector) return undefined;
  if (vector.data.length === 1) return vector.data[0];
  // Several row groups: concatenate into one contiguous array (rare: > 122,880 rows per file).
  const [first] = vector.data;
  const values = new (first!.values.constructor as new (n: number) => ArrayLike<number>)(vector.length);
  const bitmap = new Uint8Array(Math.ceil(vector.length / 8));
  let at = 0;
  let nullCount = 0;
  for (const part of vector.data) {
    (values as unknown as { set(a: ArrayLike<number>, at: number): void }).set(
      part.values.subarray(part.offset, part.offset + part.length),
      at,
    );
    for (let i = 0; i < part.length; i++) if (part.getValid(i)) bitmap[(at + i) >> 3]! |= 1 << ((at + i) & 7);
    nullCount += part.nullCount;
    at += part.length;
  }
  return {
    type: first!.type,
    length: vector.length,
    offset: 0,
    nullCount,
    values,
    nullBitmap: nullCount > 0 ? bitmap : undefined,
  } as unknown as Data;
}

/** The row order by time: null when the file is already strictly in time order (the usual case). */
function timeOrder(timestamp: Data, length: number): Uint32Array | null {
  const micros = timestamp.values as BigInt64Array;
  const from = timestamp.offset;
  // Compare as two 32-bit halves: BigInt comparisons cost ~10× more per row.
  const words = new Int32Array(micros.buffer, micros.byteOffset + from * 8, length * 2);
  let sorted = true;
  for (let i = 1; i < length && sorted; i++) {
    const hi = words[2 * i + 1]!;
    const prevHi = words[2 * i - 1]!;
    sorted = hi > prevHi || (hi === prevHi && words[2 * i]! >>> 0 > words[2 * i - 2]! >>> 0);
  }
  if (sorted) return null;
  const order = Uint32Array.from({ length }, (_, i) => i);
  const at = (i: number) => micros[from + i]!;
  return order.sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : a - b));
}

function validityOf(data: Data, length: number, order: Uint32Array | null): Uint8Array {
  if (data.nullCount === 0) return new Uint8Array(0);
  const bitmap = new Uint8Array(Math.ceil(length / 8));
  const source = data.nullBitmap!;
  const offset = data.offset;
  if (!order && offset % 8 === 0) {
    bitmap.set(source.subarray(offset >> 3, (offset >> 3) + bitmap.length));
    return bitmap;
  }
  for (let i = 0; i < length; i++) {
    const j = (order ? order[i]! : i) + offset;
    if (source[j >> 3]! & (1 << (j & 7))) bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return bitmap;
}

/** The bytes of a fixed-width array's values, in `order` when given. */
function valueBytes(
  values: ArrayLike<number | bigint> & ArrayBufferView,
  from: number,
  length: number,
  order: Uint32Array | null,
): Uint8Array {
  const width = (values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(values.buffer, values.byteOffset + from * width, length * width);
  if (!order) return bytes;
  const out = new Uint8Array(length * width);
  for (let i = 0; i < length; i++)
    out.set(bytes.subarray(order[i]! * width, (order[i]! + 1) * width), i * width);
  return out;
}

function storedColumn(
  data: Data,
  column: LakeArrowColumn,
  length: number,
  order: Uint32Array | null,
): ColumnOut {
  const width = WIDTH[column.type];
  const values = data.values as ArrayLike<number | bigint> & ArrayBufferView & { BYTES_PER_ELEMENT: number };
  if (width === undefined || values.BYTES_PER_ELEMENT !== width || !sameKind(data, column.type)) {
    throw new Error(
      `lake file column ${column.name} is ${String(data.type)}, not the ${column.type} the wire declares`,
    );
  }
  return {
    length,
    nullCount: data.nullCount,
    buffers: [validityOf(data, length, order), valueBytes(values, data.offset, length, order)],
  };
}

/** Whether the file's Arrow type stores the wire type's values as they are. */
function sameKind(data: Data, type: ColumnType): boolean {
  const name = String(data.type);
  switch (type) {
    case 'int16':
      return name === 'Int16';
    case 'int32':
      return name === 'Int32';
    case 'int64':
      return name === 'Int64';
    case 'float32':
      return name === 'Float32';
    case 'float64':
      return name === 'Float64';
    case 'timestamp':
      return name.startsWith('Timestamp<MICROSECOND');
    default:
      return false;
  }
}

/** `timestamp` + the offset, as int64 microseconds added in two 32-bit halves (no BigInt per row). */
function shiftedTimestamps(
  timestamp: Data,
  offsetUs: number,
  length: number,
  order: Uint32Array | null,
): ColumnOut {
  const source = valueBytes(timestamp.values as BigInt64Array, timestamp.offset, length, order);
  const words = new Uint32Array(source.buffer, source.byteOffset, length * 2);
  const out = new Uint32Array(length * 2);
  const offset = BigInt.asUintN(64, BigInt(offsetUs));
  const addLo = Number(offset & 0xffffffffn);
  const addHi = Number(offset >> 32n);
  for (let i = 0; i < length; i++) {
    const lo = words[2 * i]! + addLo;
    out[2 * i] = lo;
    out[2 * i + 1] = words[2 * i + 1]! + addHi + (lo > 0xffffffff ? 1 : 0);
  }
  return {
    length,
    nullCount: timestamp.nullCount,
    buffers: [validityOf(timestamp, length, order), new Uint8Array(out.buffer)],
  };
}

const encoder = new TextEncoder();

/** One string on every row: offsets step by its length, the bytes copied by doubling. */
function repeatedText(text: string, length: number): ColumnOut {
  const bytes = encoder.encode(text);
  const offsets = new Int32Array(length + 1);
  for (let i = 1; i <= length; i++) offsets[i] = i * bytes.length;
  const data = new Uint8Array(length * bytes.length);
  if (data.length > 0) {
    data.set(bytes);
    for (let filled = bytes.length; filled < data.length; filled *= 2)
      data.copyWithin(filled, 0, Math.min(filled, data.length - filled));
  }
  return { length, nullCount: 0, buffers: [new Uint8Array(0), new Uint8Array(offsets.buffer), data] };
}

function ones64(length: number): ColumnOut {
  const values = new BigInt64Array(length).fill(1n);
  return { length, nullCount: 0, buffers: [new Uint8Array(0), new Uint8Array(values.buffer)] };
}

function nullColumn(type: ColumnType, length: number): ColumnOut {
  const validity = new Uint8Array(Math.ceil(length / 8));
  if (type === 'utf8')
    return {
      length,
      nullCount: length,
      buffers: [validity, new Uint8Array((length + 1) * 4), new Uint8Array(0)],
    };
  const width = WIDTH[type];
  if (width === undefined) throw new Error(`no all-null column of type ${type}`);
  return { length, nullCount: length, buffers: [validity, new Uint8Array(length * width)] };
}

const pad8 = (n: number) => (n + 7) & ~7;

/**
 * One IPC record-batch message: the continuation marker, the flatbuffer header (apache-arrow's
 * encoder), padding to 8, then every buffer 8-byte aligned, as apache-arrow's stream writer lays
 * them out.
 */
function recordBatchMessage(length: number, columns: readonly ColumnOut[]): Uint8Array {
  const nodes: { length: number; nullCount: number }[] = [];
  const regions: { offset: number; length: number }[] = [];
  let bodyLength = 0;
  for (const column of columns) {
    nodes.push({ length: column.length, nullCount: column.nullCount });
    for (const buffer of column.buffers) {
      regions.push({ offset: bodyLength, length: buffer.byteLength });
      bodyLength += pad8(buffer.byteLength);
    }
  }
  // The header as apache-arrow's encoder reads it (its RecordBatch header class is not exported).
  const header = Message.encode(
    new Message(bodyLength, MetadataVersion.V5, MessageHeader.RecordBatch, {
      length,
      nodes,
      buffers: regions,
      compression: null,
    }),
  );
  const metadataLength = pad8(header.byteLength + 8);
  const out = new Uint8Array(metadataLength + bodyLength);
  const view = new DataView(out.buffer);
  view.setInt32(0, -1, true);
  view.setInt32(4, metadataLength - 8, true);
  out.set(header, 8);
  let at = metadataLength;
  for (const column of columns) {
    for (const buffer of column.buffers) {
      out.set(buffer, at);
      at += pad8(buffer.byteLength);
    }
  }
  return out;
}
