import { readFileSync } from 'node:fs';
import { type Data, Message, MessageHeader, MetadataVersion, tableFromIPC } from 'apache-arrow';
import { ParquetFile, type Table as WasmTable, wasmMemory } from 'parquet-wasm';
import type { ColumnType } from '../../store/column-batch.ts';
import { type LakeArrowColumn, type LakeArrowFile, localInstants } from './lake-files.ts';
import { LakeParquetError, type ReadColumn, type ReadFile, readLakeParquet } from './lake-parquet.ts';
import {
  type CopySource,
  copySources,
  decodedParquetPart,
  joinedParquetPart,
  type LakeParquetPart,
} from './lake-parquet-part.ts';
import { encodeLakeText, type LakeTextFormat } from './lake-text.ts';
import { zstdReady } from './zstd.ts';

export interface LakeArrowRequest {
  columns: readonly LakeArrowColumn[];
  files: readonly LakeArrowFile[];
  /**
   * What each file becomes: an Arrow record-batch message (the default), CSV or JSON text, or its
   * share of a Parquet file (`LakeParquetPart`).
   */
  format?: LakeFormat;
}

export type LakeFormat = 'arrow' | LakeTextFormat | 'parquet';

/** What a file becomes: bytes, or a Parquet part (bytes and their row groups' metadata). */
export type LakeFileOutput = Uint8Array | LakeParquetPart;

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
 * Returns one message per file, each in its own buffer (the worker transfers them, so no byte is
 * copied again; joining them cost a tenth of the worker's time), without the schema message.
 */
export async function encodeLakeFiles(request: LakeArrowRequest): Promise<LakeFileOutput[]> {
  await zstdReady;
  if (request.format === 'parquet') {
    // One part for the job: runs of files joined into row groups, the others decoded.
    const items: (CopySource[] | LakeParquetPart)[] = [];
    for (const file of request.files)
      items.push(
        copyOwn(request.columns, file) ??
          ((await encodeLakeFile(request.columns, file, 'parquet')) as LakeParquetPart),
      );
    return [joinedParquetPart(request.columns, items)];
  }
  const messages: LakeFileOutput[] = [];
  for (const file of request.files)
    messages.push(await encodeLakeFile(request.columns, file, request.format ?? 'arrow'));
  return messages;
}

interface ColumnOut {
  length: number;
  nullCount: number;
  /** The buffers of the column in Arrow's order (validity first), each written 8-byte aligned. */
  buffers: OutBuffer[];
}

/**
 * A buffer of the message: bytes to copy, or a length and how to write the bytes in place (the
 * message starts zeroed, so zeros need no writing: all-null columns cost no pass of their own).
 */
type OutBuffer = Uint8Array | { byteLength: number; write?: (target: Uint8Array) => void };

async function encodeLakeFile(
  columns: readonly LakeArrowColumn[],
  file: LakeArrowFile,
  format: LakeFormat,
): Promise<LakeFileOutput> {
  const stored = columns.filter((c) => c.source === 'stored').map((c) => c.name);
  const names = ['timestamp', ...stored.filter((n) => n !== 'timestamp')];
  const own = readOwn(file.path, names);
  if (own) return encodeRead(columns, file, own, format);
  const table = await readColumns(readFileSync(file.path), names);
  // The usual file (one row group, every column present) is read through the Arrow C data
  // interface, its buffers copied once from WebAssembly memory into the message; anything else
  // through an IPC stream that apache-arrow parses.
  let fast: LakeFileOutput | undefined;
  try {
    fast = withWasmColumns(table, (read) => encodeRead(columns, file, read, format));
  } catch (error) {
    table.free();
    throw error;
  }
  if (fast === undefined) return encodeRead(columns, file, readThroughIpc(table), format);
  table.free();
  return fast;
}

/**
 * The file through this module's own reader (`readLakeParquet`, the lake's usual files); undefined
 * when the file needs the general reader: an encoding or codec it does not decode, or a file it
 * finds corrupt (parquet-wasm then reports the error).
 */
function readOwn(path: string, names: string[]): ReadFile | undefined {
  try {
    return readLakeParquet(path, names);
  } catch (error) {
    if (error instanceof LakeParquetError) return undefined;
    throw error;
  }
}

/** The file's row groups to copy into a Parquet part; undefined when it must be decoded first. */
function copyOwn(columns: readonly LakeArrowColumn[], file: LakeArrowFile): CopySource[] | undefined {
  try {
    return copySources(columns, file);
  } catch (error) {
    if (error instanceof LakeParquetError) return undefined;
    throw error;
  }
}

function encodeRead(
  columns: readonly LakeArrowColumn[],
  file: LakeArrowFile,
  read: ReadFile,
  format: LakeFormat,
): LakeFileOutput {
  const timestamp = read.columns.get('timestamp');
  if (!timestamp) throw new Error(`${file.path} has no timestamp column`);
  const order = timeOrder(timestamp, read.length);
  if (format === 'parquet')
    return decodedParquetPart(columns, file, read.length, (column) => {
      if (column.source === 'stored' && !read.columns.has(column.name)) return undefined;
      const out = columnOut(column, read, timestamp, file, order);
      const [validity, values] = out.buffers as [Uint8Array, Uint8Array];
      return { values, validity: out.nullCount > 0 ? validity : null, nullCount: out.nullCount };
    });
  if (format !== 'arrow') return encodeLakeText(format, columns, file, read, timestamp, order);
  const out = columns.map((column) => columnOut(column, read, timestamp, file, order));
  return recordBatchMessage(read.length, out);
}

function columnOut(
  column: LakeArrowColumn,
  read: ReadFile,
  timestamp: ReadColumn,
  file: LakeArrowFile,
  order: Uint32Array | null,
): ColumnOut {
  const { length } = read;
  switch (column.source) {
    case 'stored': {
      const data = read.columns.get(column.name);
      return data ? storedColumn(data, column, length, order) : nullColumn(column.type, length);
    }
    case 'timestamp_local':
      return shiftedTimestamps(timestamp, file.utcOffsetUs, length, order);
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

const decoder = new TextDecoder();

/**
 * Reads the columns into WebAssembly memory and hands `use` views of them through the Arrow C
 * data interface (ArrowSchema/ArrowArray structs, 32-bit pointers), freed when `use` returns.
 * Undefined when the file is not one batch of the columns (then the caller takes the IPC path).
 */
function withWasmColumns<T>(table: WasmTable, use: (read: ReadFile) => T): T | undefined {
  if (table.numBatches !== 1) return undefined;
  const stream = table.toFFI();
  try {
    const schema = stream.schemaAddr();
    const array = stream.arrayAddr(0);
    // Taken after the last call into WebAssembly: a call may grow memory and detach older views.
    const memory = wasmMemory().buffer;
    const view = new DataView(memory);
    const u32 = (at: number) => view.getUint32(at, true);
    const i64 = (at: number) => Number(view.getBigInt64(at, true));
    const text = (at: number) => {
      const from = u32(at);
      let to = from;
      const all = new Uint8Array(memory);
      while (all[to] !== 0) to++;
      return decoder.decode(all.subarray(from, to));
    };
    const length = i64(array);
    const count = i64(array + 32);
    if (i64(schema + 24) !== count || i64(array + 16) !== 0) return undefined;
    const read: ReadFile = { length, columns: new Map() };
    for (let i = 0; i < count; i++) {
      const childSchema = u32(u32(schema + 32) + 4 * i);
      const child = u32(u32(array + 44) + 4 * i);
      const format = text(childSchema);
      const width = FORMAT_WIDTH[format.startsWith('ts') ? 'ts' : format];
      if (width === undefined || i64(child) !== length || i64(child + 24) !== 2) return undefined;
      const offset = i64(child + 16);
      const buffers = u32(child + 40);
      const validityAt = u32(buffers);
      let nullCount = i64(child + 8);
      const validity =
        validityAt === 0 ? null : new Uint8Array(memory, validityAt, (offset + length + 7) >> 3);
      if (nullCount < 0) nullCount = validity ? countNulls(validity, offset, length) : 0;
      read.columns.set(text(childSchema + 4), {
        format,
        nullCount,
        validity: nullCount > 0 ? validity : null,
        bitOffset: offset,
        bytes: new Uint8Array(memory, u32(buffers + 4) + offset * width, length * width),
      });
    }
    return use(read);
  } finally {
    stream.free();
  }
}

/** Bytes per value of the Arrow C data formats a samples file holds (`ts` any timestamp). */
const FORMAT_WIDTH: Record<string, number> = { s: 2, i: 4, l: 8, f: 4, g: 8, ts: 8 };

function countNulls(validity: Uint8Array, offset: number, length: number): number {
  let valid = 0;
  for (let i = offset; i < offset + length; i++) valid += (validity[i >> 3]! >> (i & 7)) & 1;
  return length - valid;
}

/**
 * The named columns of a samples file, read into WebAssembly memory (only those: `readParquet`
 * decodes every column whatever its options say); a column the file lacks (an older lake) is
 * left out.
 */
async function readColumns(bytes: Uint8Array, names: string[]): Promise<WasmTable> {
  const file = await ParquetFile.fromFile(new Blob([bytes]));
  try {
    return await file.read({ columns: names, batchSize: 1 << 30 });
  } catch {
    const present = tableFromIPC(file.schema().intoIPCStream()).schema.fields.map((f) => f.name);
    return await file.read({ columns: names.filter((n) => present.includes(n)), batchSize: 1 << 30 });
  } finally {
    file.free();
  }
}

/** The columns of a table through an IPC stream that apache-arrow parses (consumes the table). */
function readThroughIpc(wasm: WasmTable): ReadFile {
  const table = tableFromIPC(wasm.intoIPCStream());
  const read: ReadFile = { length: table.numRows, columns: new Map() };
  for (const field of table.schema.fields) {
    const data = table.getChild(field.name)!.data;
    const format = IPC_FORMATS[String(field.type).replace(/<.*/, '')];
    if (!format)
      throw new Error(`lake file column ${field.name} has an unexpected type ${String(field.type)}`);
    read.columns.set(field.name, joined(data, format, table.numRows));
  }
  return read;
}

const IPC_FORMATS: Record<string, string> = {
  Int16: 's',
  Int32: 'i',
  Int64: 'l',
  Float32: 'f',
  Float64: 'g',
  Timestamp: 'tsu:UTC',
};

/** One column from its batches (a file of several row groups comes as several). */
function joined(parts: readonly Data[], format: string, length: number): ReadColumn {
  const width = FORMAT_WIDTH[format.startsWith('ts') ? 'ts' : format]!;
  const bytes = new Uint8Array(length * width);
  const validity = new Uint8Array((length + 7) >> 3);
  let at = 0;
  let nullCount = 0;
  for (const part of parts) {
    const values = part.values as ArrayBufferView;
    bytes.set(
      new Uint8Array(values.buffer, values.byteOffset + part.offset * width, part.length * width),
      at * width,
    );
    for (let i = 0; i < part.length; i++)
      if (part.getValid(i)) validity[(at + i) >> 3]! |= 1 << ((at + i) & 7);
    nullCount += part.nullCount;
    at += part.length;
  }
  return { format, nullCount, validity: nullCount > 0 ? validity : null, bitOffset: 0, bytes };
}

/** The row order by time: null when the file is already strictly in time order (the usual case). */
function timeOrder(timestamp: ReadColumn, length: number): Uint32Array | null {
  const { bytes } = timestamp;
  // Compare as two 32-bit halves: BigInt comparisons cost ~10× more per row.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sorted = true;
  for (let i = 1; i < length && sorted; i++) {
    const hi = view.getInt32(8 * i + 4, true);
    const prevHi = view.getInt32(8 * i - 4, true);
    sorted = hi > prevHi || (hi === prevHi && view.getUint32(8 * i, true) > view.getUint32(8 * i - 8, true));
  }
  if (sorted) return null;
  const at = (i: number) => view.getBigInt64(8 * i, true);
  const order = Uint32Array.from({ length }, (_, i) => i);
  return order.sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : a - b));
}

function validityOf(data: ReadColumn, length: number, order: Uint32Array | null): Uint8Array {
  if (data.nullCount === 0 || !data.validity) return new Uint8Array(0);
  const bitmap = new Uint8Array((length + 7) >> 3);
  const source = data.validity;
  const offset = data.bitOffset;
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

/** The value bytes, in `order` when given. */
function ordered(bytes: Uint8Array, width: number, order: Uint32Array | null): Uint8Array {
  if (!order) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < order.length; i++)
    out.set(bytes.subarray(order[i]! * width, (order[i]! + 1) * width), i * width);
  return out;
}

/** The wire type of each Arrow C data format a samples file may hold. */
const WIRE_OF_FORMAT: Record<string, ColumnType> = {
  s: 'int16',
  i: 'int32',
  l: 'int64',
  f: 'float32',
  g: 'float64',
};

function storedColumn(
  data: ReadColumn,
  column: LakeArrowColumn,
  length: number,
  order: Uint32Array | null,
): ColumnOut {
  const type =
    data.format.startsWith('tsu:') && data.format.length > 4 ? 'timestamp' : WIRE_OF_FORMAT[data.format];
  if (type !== column.type) {
    throw new Error(
      `lake file column ${column.name} is ${data.format}, not the ${column.type} the wire declares`,
    );
  }
  return {
    length,
    nullCount: data.nullCount,
    buffers: [validityOf(data, length, order), ordered(data.bytes, WIDTH[type]!, order)],
  };
}

/** `timestamp` + the offset, as int64 microseconds added in two 32-bit halves (no BigInt per row). */
function shiftedTimestamps(
  timestamp: ReadColumn,
  offsetUs: number,
  length: number,
  order: Uint32Array | null,
): ColumnOut {
  const source = ordered(timestamp.bytes, 8, order);
  const words =
    source.byteOffset % 4 === 0
      ? new Uint32Array(source.buffer, source.byteOffset, length * 2)
      : new Uint32Array(source.slice().buffer);
  const out = localInstants(words, offsetUs, length);
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
  const size = bytes.length;
  const offsets = {
    byteLength: (length + 1) * 4,
    write: (target: Uint8Array) => {
      const view = new Int32Array(target.buffer, target.byteOffset, length + 1);
      for (let i = 1; i <= length; i++) view[i] = i * size;
    },
  };
  const data = {
    byteLength: length * size,
    write: (target: Uint8Array) => {
      if (target.length === 0) return;
      target.set(bytes);
      for (let filled = size; filled < target.length; filled *= 2)
        target.copyWithin(filled, 0, Math.min(filled, target.length - filled));
    },
  };
  return { length, nullCount: 0, buffers: [new Uint8Array(0), offsets, data] };
}

function ones64(length: number): ColumnOut {
  const values = {
    byteLength: length * 8,
    write: (target: Uint8Array) => new BigInt64Array(target.buffer, target.byteOffset, length).fill(1n),
  };
  return { length, nullCount: 0, buffers: [new Uint8Array(0), values] };
}

function nullColumn(type: ColumnType, length: number): ColumnOut {
  const validity = { byteLength: (length + 7) >> 3 };
  if (type === 'utf8')
    return {
      length,
      nullCount: length,
      buffers: [validity, { byteLength: (length + 1) * 4 }, new Uint8Array(0)],
    };
  const width = WIDTH[type];
  if (width === undefined) throw new Error(`no all-null column of type ${type}`);
  return { length, nullCount: length, buffers: [validity, { byteLength: length * width }] };
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
      if (buffer instanceof Uint8Array) out.set(buffer, at);
      else buffer.write?.(out.subarray(at, at + buffer.byteLength));
      at += pad8(buffer.byteLength);
    }
  }
  return out;
}
