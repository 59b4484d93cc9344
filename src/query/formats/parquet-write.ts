import type { ColumnType } from '../../store/column-batch.ts';
import { snappyCompress } from './snappy.ts';
import { type ThriftStruct, type ThriftValue, ThriftWriter } from './thrift-compact.ts';

/**
 * The pieces of a Parquet file that the lake's export assembles (`lake-parquet-part.ts`): column
 * chunks of snappy v1 pages (one value repeated, all nulls, plain values, delta-coded int64), page
 * headers rewritten for recompressed pages, and the footer, with the schema elements DuckDB writes
 * for each column type, so that readers (DuckDB's `parquet_schema` included) see the same file as
 * DuckDB's own export.
 */

/** Parquet's physical types. */
export const PARQUET_INT32 = 1;
export const PARQUET_INT64 = 2;
export const PARQUET_FLOAT = 4;
export const PARQUET_DOUBLE = 5;
export const PARQUET_BYTE_ARRAY = 6;
/** The wire contract's codec for every page of an export (WIRE.md §1.8). */
export const SNAPPY = 1;
const DATA_PAGE = 0;
const DICTIONARY_PAGE = 2;
const PLAIN = 0;
const RLE = 3;
const DELTA_BINARY_PACKED = 5;
const RLE_DICTIONARY = 8;

/** A column chunk's statistics (Parquet's `Statistics`), the fields DuckDB writes. */
export interface ParquetStatistics {
  max?: Uint8Array;
  min?: Uint8Array;
  nullCount?: number;
  distinctCount?: number;
  maxValue?: Uint8Array;
  minValue?: Uint8Array;
  isMaxValueExact?: boolean;
  isMinValueExact?: boolean;
}

/** A column chunk's metadata, its offsets from the start of the bytes that hold it. */
export interface ParquetChunkMeta {
  physical: number;
  encodings: number[];
  codec: number;
  numValues: number;
  uncompressedSize: number;
  compressedSize: number;
  dataPageOffset: number;
  dictionaryPageOffset?: number;
  statistics?: ParquetStatistics;
}

export interface ParquetRowGroup {
  rows: number;
  /** One chunk per column of the schema, in its order. */
  chunks: ParquetChunkMeta[];
}

/** A column chunk's bytes and metadata (offsets from the chunk's first byte). */
export interface EncodedChunk {
  bytes: Uint8Array;
  meta: ParquetChunkMeta;
}

/** The physical type that holds each column type (as DuckDB writes it). */
export const PHYSICAL_TYPES: Partial<Record<ColumnType, number>> = {
  int16: PARQUET_INT32,
  int32: PARQUET_INT32,
  int64: PARQUET_INT64,
  float32: PARQUET_FLOAT,
  float64: PARQUET_DOUBLE,
  timestamp: PARQUET_INT64,
  timestamp_local: PARQUET_INT64,
  duration: PARQUET_INT64,
  utf8: PARQUET_BYTE_ARRAY,
};

export function physicalTypeOf(type: ColumnType): number {
  const physical = PHYSICAL_TYPES[type];
  if (physical === undefined) throw new Error(`no Parquet column of type ${type} in a lake export`);
  return physical;
}

/** ConvertedType values DuckDB writes. */
const CONVERTED: Partial<Record<ColumnType, number>> = {
  utf8: 0,
  timestamp: 10,
  timestamp_local: 10,
  int16: 16,
  int32: 17,
  int64: 18,
  duration: 18,
};

/**
 * The file's footer (FileMetaData, its length, the closing magic) for row groups whose offsets
 * are already the file's. Every column is optional, as in DuckDB's exports.
 */
export function parquetFooter(
  columns: readonly { name: string; type: ColumnType }[],
  rowGroups: readonly ParquetRowGroup[],
  keyValues: Readonly<Record<string, string>>,
): Uint8Array {
  const writer = new ThriftWriter()
    .i32(1, 1)
    .structList(2, [undefined, ...columns], (w, column) => {
      if (!column) {
        w.i32(3, 0).binary(4, 'duckdb_schema').i32(5, columns.length);
        return;
      }
      w.i32(1, physicalTypeOf(column.type)).i32(3, 1).binary(4, column.name);
      const converted = CONVERTED[column.type];
      if (converted !== undefined) w.i32(6, converted);
      if (column.type === 'timestamp' || column.type === 'timestamp_local') {
        // LogicalType TIMESTAMP(isAdjustedToUTC, MICROS).
        w.struct(10, (l) =>
          l.struct(8, (t) => t.bool(1, column.type === 'timestamp').struct(2, (u) => u.struct(2, () => {}))),
        );
      }
    })
    .i64(
      3,
      rowGroups.reduce((sum, g) => sum + g.rows, 0),
    )
    .structList(4, rowGroups, (w, group) => {
      const named = group.chunks.map((chunk, i) => ({ chunk, name: columns[i]!.name }));
      w.structList(1, named, (c, { chunk, name }) => {
        c.i64(2, chunkStart(chunk)).struct(3, (m) => chunkMeta(m, chunk, name));
      });
      w.i64(
        2,
        group.chunks.reduce((sum, c) => sum + c.uncompressedSize, 0),
      );
      w.i64(3, group.rows);
      if (group.chunks.length > 0) w.i64(5, chunkStart(group.chunks[0]!));
      w.i64(
        6,
        group.chunks.reduce((sum, c) => sum + c.compressedSize, 0),
      );
    })
    .structList(5, Object.entries(keyValues), (w, [key, value]) => w.binary(1, key).binary(2, value))
    .binary(6, 'Peakform lake export')
    // Every column's min and max follow its type's order (TypeDefinedOrder).
    .structList(7, columns, (w) => w.struct(1, () => {}));
  const meta = writer.finish();
  const out = new Uint8Array(meta.length + 8);
  out.set(meta);
  new DataView(out.buffer).setUint32(meta.length, meta.length, true);
  out.set(MAGIC, meta.length + 4);
  return out;
}

export const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]);

function chunkStart(chunk: ParquetChunkMeta): number {
  return Math.min(chunk.dataPageOffset, chunk.dictionaryPageOffset ?? chunk.dataPageOffset);
}

function chunkMeta(w: ThriftWriter, chunk: ParquetChunkMeta, name: string): void {
  w.i32(1, chunk.physical)
    .i32List(2, chunk.encodings)
    .binaryList(3, [name])
    .i32(4, chunk.codec)
    .i64(5, chunk.numValues)
    .i64(6, chunk.uncompressedSize)
    .i64(7, chunk.compressedSize)
    .i64(9, chunk.dataPageOffset);
  if (chunk.dictionaryPageOffset !== undefined) w.i64(11, chunk.dictionaryPageOffset);
  if (chunk.statistics) w.struct(12, (t) => writeStatistics(t, chunk.statistics!));
}

function writeStatistics(w: ThriftWriter, s: ParquetStatistics): void {
  if (s.max) w.binary(1, s.max);
  if (s.min) w.binary(2, s.min);
  if (s.nullCount !== undefined) w.i64(3, s.nullCount);
  if (s.distinctCount !== undefined) w.i64(4, s.distinctCount);
  if (s.maxValue) w.binary(5, s.maxValue);
  if (s.minValue) w.binary(6, s.minValue);
  if (s.isMaxValueExact !== undefined) w.bool(7, s.isMaxValueExact);
  if (s.isMinValueExact !== undefined) w.bool(8, s.isMinValueExact);
}

/** A page's statistics as a page header or column chunk holds them (byte fields copied). */
export function statisticsOf(value: ThriftValue | undefined): ParquetStatistics | undefined {
  if (!Array.isArray(value)) return undefined;
  const s = value as ThriftStruct;
  const bytes = (v: ThriftValue | undefined) => (v instanceof Uint8Array ? v.slice() : undefined);
  const count = (v: ThriftValue | undefined) => (typeof v === 'number' ? v : undefined);
  const flag = (v: ThriftValue | undefined) => (typeof v === 'boolean' ? v : undefined);
  const statistics: ParquetStatistics = {
    max: bytes(s[1]),
    min: bytes(s[2]),
    nullCount: count(s[3]),
    distinctCount: count(s[4]),
    maxValue: bytes(s[5]),
    minValue: bytes(s[6]),
    isMaxValueExact: flag(s[7]),
    isMinValueExact: flag(s[8]),
  };
  for (const key of Object.keys(statistics) as (keyof ParquetStatistics)[])
    if (statistics[key] === undefined) delete statistics[key];
  return statistics;
}

/**
 * A page header read from a file (`ThriftReader`), written again for a body of new sizes (values
 * re-coded, recompressed): its page type, sizes, and the header of its kind (data v1 or v2,
 * dictionary, index) with their statistics. The CRC, which covered the old body, is left out.
 */
export function rewrittenPageHeader(
  header: ThriftStruct,
  uncompressedSize: number,
  compressedSize: number,
): Uint8Array {
  const int = (v: ThriftValue | undefined) => v as number;
  const w = new ThriftWriter().i32(1, int(header[1])).i32(2, uncompressedSize).i32(3, compressedSize);
  const v1 = header[5] as ThriftStruct | undefined;
  if (v1)
    w.struct(5, (d) => {
      d.i32(1, int(v1[1])).i32(2, int(v1[2])).i32(3, int(v1[3])).i32(4, int(v1[4]));
      const stats = statisticsOf(v1[5]);
      if (stats) d.struct(5, (t) => writeStatistics(t, stats));
    });
  if (header[6] !== undefined) w.struct(6, () => {});
  const dictionary = header[7] as ThriftStruct | undefined;
  if (dictionary)
    w.struct(7, (d) => {
      d.i32(1, int(dictionary[1])).i32(2, int(dictionary[2]));
      if (typeof dictionary[3] === 'boolean') d.bool(3, dictionary[3]);
    });
  const v2 = header[8] as ThriftStruct | undefined;
  if (v2)
    w.struct(8, (d) => {
      d.i32(1, int(v2[1]))
        .i32(2, int(v2[2]))
        .i32(3, int(v2[3]))
        .i32(4, int(v2[4]))
        .i32(5, int(v2[5]))
        .i32(6, int(v2[6]))
        .bool(7, true);
      const stats = statisticsOf(v2[8]);
      if (stats) d.struct(8, (t) => writeStatistics(t, stats));
    });
  return w.finish();
}

/** A copy of the chunk metadata with its offsets moved by `by` bytes. */
export function shiftedChunk(chunk: ParquetChunkMeta, by: number): ParquetChunkMeta {
  return {
    ...chunk,
    dataPageOffset: chunk.dataPageOffset + by,
    ...(chunk.dictionaryPageOffset === undefined
      ? {}
      : { dictionaryPageOffset: chunk.dictionaryPageOffset + by }),
  };
}

/**
 * `rows` copies of one value (PLAIN bytes of one value: an int64's 8 bytes, a string's length and
 * bytes): a dictionary of that value and one page of its index, a few dozen bytes whatever `rows`.
 */
export function constantChunk(
  physical: number,
  plainValue: Uint8Array,
  rows: number,
  stat: Uint8Array,
): EncodedChunk {
  return dictionaryRunsChunk(physical, plainValue, 1, [{ index: 0, rows }], { min: stat, max: stat });
}

/**
 * Runs of dictionary values (`plainValues` holds `count` PLAIN values): the dictionary page, then
 * one page whose every row is present and whose indices are one RLE run per run.
 */
export function dictionaryRunsChunk(
  physical: number,
  plainValues: Uint8Array,
  count: number,
  runs: readonly { index: number; rows: number }[],
  stat: { min: Uint8Array; max: Uint8Array },
): EncodedChunk {
  const rows = runs.reduce((sum, r) => sum + r.rows, 0);
  const bitWidth = Math.max(1, bitWidthOf(count - 1));
  const dictionary = page(dictionaryPageHeader(count), [plainValues]);
  const data = page(dataPageHeader(rows, RLE_DICTIONARY), [
    levelsOf(null, rows, rows),
    new Uint8Array([bitWidth]),
    ...runs.map((r) => runOf(r.rows, r.index, (bitWidth + 7) >> 3)),
  ]);
  return chunkOf(physical, [PLAIN, RLE, RLE_DICTIONARY], rows, [dictionary, data], {
    max: stat.max,
    min: stat.min,
    nullCount: 0,
    distinctCount: count,
    maxValue: stat.max,
    minValue: stat.min,
  });
}

/** A chunk of pages (a dictionary page first, if `pages` has two), all snappy. */
function chunkOf(
  physical: number,
  encodings: number[],
  rows: number,
  pages: readonly { bytes: Uint8Array; uncompressed: number }[],
  statistics: ParquetStatistics,
): EncodedChunk {
  const bytes = concat(pages.map((p) => p.bytes));
  const dictionary = pages.length > 1 ? pages[0]! : undefined;
  return {
    bytes,
    meta: {
      physical,
      encodings,
      codec: SNAPPY,
      numValues: rows,
      uncompressedSize: pages.reduce((sum, p) => sum + p.uncompressed, 0),
      compressedSize: bytes.length,
      ...(dictionary ? { dictionaryPageOffset: 0 } : {}),
      dataPageOffset: dictionary ? dictionary.bytes.length : 0,
      statistics,
    },
  };
}

/** `rows` nulls: one page of definition levels, no values. */
export function nullChunk(physical: number, rows: number): EncodedChunk {
  const data = page(dataPageHeader(rows, PLAIN), [levelsOf(new Uint8Array((rows + 7) >> 3), 0, rows)]);
  return chunkOf(physical, [PLAIN, RLE], rows, [data], { nullCount: rows });
}

/**
 * A column's values as one PLAIN page: `values` holds every row's value (`width` bytes each, as
 * Arrow lays them out), `validity` the present ones (null: all); only present values are written,
 * int16 values widened to int32.
 */
export function plainChunk(
  physical: number,
  values: Uint8Array,
  width: number,
  validity: Uint8Array | null,
  nullCount: number,
  rows: number,
): EncodedChunk {
  const outWidth = width === 2 ? 4 : width;
  const out = new Uint8Array((rows - nullCount) * outWidth);
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  const outView = new DataView(out.buffer);
  let at = 0;
  for (let i = 0; i < rows; i++) {
    if (validity && !(validity[i >> 3]! & (1 << (i & 7)))) continue;
    if (width === 2) outView.setInt32(at, view.getInt16(2 * i, true), true);
    else out.set(values.subarray(i * width, (i + 1) * width), at);
    at += outWidth;
  }
  const data = page(dataPageHeader(rows, PLAIN), [levelsOf(validity, rows - nullCount, rows), out]);
  return chunkOf(physical, [PLAIN, RLE], rows, [data], { nullCount, ...plainBounds(physical, out) });
}

/** The least and greatest of PLAIN values by the physical type's order (NaN left out), as bytes. */
function plainBounds(physical: number, values: Uint8Array): ParquetStatistics {
  const width = physical === PARQUET_INT64 || physical === PARQUET_DOUBLE ? 8 : 4;
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  const read = (i: number): number | bigint =>
    physical === PARQUET_INT64
      ? view.getBigInt64(i * width, true)
      : physical === PARQUET_DOUBLE
        ? view.getFloat64(i * width, true)
        : physical === PARQUET_FLOAT
          ? view.getFloat32(i * width, true)
          : view.getInt32(i * width, true);
  let low = -1;
  let high = -1;
  for (let i = 0; i < values.length / width; i++) {
    const value = read(i);
    if (typeof value === 'number' && Number.isNaN(value)) continue;
    if (low < 0 || value < read(low)) low = i;
    if (high < 0 || value > read(high)) high = i;
  }
  if (low < 0) return {};
  const min = values.slice(low * width, (low + 1) * width);
  const max = values.slice(high * width, (high + 1) * width);
  return { min, max, minValue: min, maxValue: max };
}

/**
 * Int64 values (two little-endian 32-bit words each, every row's; `validity` the present ones) as
 * one DELTA_BINARY_PACKED page: a second-by-second series of instants costs about a byte per 18
 * rows. Undefined when a value or a step is too large for its zigzag form to be an exact double
 * (values within ±2^52, instants in microseconds to the year 2112; steps within ±2^51): the
 * caller then writes plain values.
 */
export function deltaInt64Chunk(
  words: Uint32Array,
  validity: Uint8Array | null,
  nullCount: number,
  rows: number,
): EncodedChunk | undefined {
  const values = new Float64Array(rows - nullCount);
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows; i++) {
    if (validity && !(validity[i >> 3]! & (1 << (i & 7)))) continue;
    const value = (words[2 * i + 1]! | 0) * 2 ** 32 + words[2 * i]!;
    if (Math.abs(value) >= 2 ** 52) return undefined;
    if (count > 0 && Math.abs(value - values[count - 1]!) >= 2 ** 51) return undefined;
    values[count++] = value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const data = page(dataPageHeader(rows, DELTA_BINARY_PACKED), [
    levelsOf(validity, rows - nullCount, rows),
    deltaBinaryPacked(values),
  ]);
  const statistics: ParquetStatistics = { nullCount };
  if (count > 0) {
    const [low, high] = [int64Bytes(min), int64Bytes(max)];
    Object.assign(statistics, { max: high, min: low, maxValue: high, minValue: low });
  }
  return chunkOf(PARQUET_INT64, [RLE, DELTA_BINARY_PACKED], rows, [data], statistics);
}

export function int64Bytes(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(value), true);
  return out;
}

/** Values per block and miniblocks per block of the delta encoding (the usual 128 and 4). */
const BLOCK = 128;
const MINIBLOCKS = 4;
const MINIBLOCK = BLOCK / MINIBLOCKS;

/** DELTA_BINARY_PACKED: a header, then blocks of a minimum delta, bit widths and packed deltas. */
function deltaBinaryPacked(values: Float64Array): Uint8Array {
  const out = new ByteSink();
  out.varint(BLOCK);
  out.varint(MINIBLOCKS);
  out.varint(values.length);
  out.varint(zigzag(values[0] ?? 0));
  const deltas = new Array<number>(BLOCK);
  for (let from = 1; from < values.length; from += BLOCK) {
    const count = Math.min(BLOCK, values.length - from);
    let minDelta = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      deltas[i] = values[from + i]! - values[from + i - 1]!;
      if (deltas[i]! < minDelta) minDelta = deltas[i]!;
    }
    out.varint(zigzag(minDelta));
    const widths = new Uint8Array(MINIBLOCKS);
    for (let m = 0; m * MINIBLOCK < count; m++) {
      let most = 0;
      for (let i = m * MINIBLOCK; i < Math.min(count, (m + 1) * MINIBLOCK); i++)
        most = Math.max(most, deltas[i]! - minDelta);
      widths[m] = bitWidthOf(most);
    }
    out.bytes(widths);
    for (let m = 0; m * MINIBLOCK < count; m++) {
      const width = widths[m]!;
      if (width === 0) continue;
      const packed = new Uint8Array((MINIBLOCK * width) / 8);
      let bit = 0;
      for (let i = m * MINIBLOCK; i < Math.min(count, (m + 1) * MINIBLOCK); i++) {
        putBits(packed, bit, deltas[i]! - minDelta, width);
        bit += width;
      }
      out.bytes(packed);
    }
  }
  return out.finish();
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** The bits a non-negative integer needs (0 for 0). */
export function bitWidthOf(value: number): number {
  let width = 0;
  while (value >= 1) {
    value = Math.floor(value / 2);
    width++;
  }
  return width;
}

/** Writes `width` bits of a non-negative integer below 2^53 at bit `at`, least significant first. */
function putBits(target: Uint8Array, at: number, value: number, width: number): void {
  let rest = value;
  while (width > 0) {
    const shift = at & 7;
    const take = Math.min(8 - shift, width);
    const bits = rest % (1 << take);
    target[at >> 3]! |= bits << shift;
    rest = (rest - bits) / (1 << take);
    at += take;
    width -= take;
  }
}

/**
 * Definition levels of a v1 page (bit width 1, with their 4-byte length): one run when every row
 * is present or every row null, else the validity bitmap as one bit-packed run (its bit order is
 * Parquet's).
 */
function levelsOf(validity: Uint8Array | null, present: number, rows: number): Uint8Array {
  const sink = new ByteSink();
  sink.bytes(new Uint8Array(4));
  if (present === rows || present === 0 || !validity) sink.bytes(runOf(rows, present === 0 ? 0 : 1));
  else {
    const groups = (rows + 7) >> 3;
    sink.varint(groups * 2 + 1);
    sink.bytes(validity.subarray(0, groups));
  }
  const out = sink.finish();
  new DataView(out.buffer).setUint32(0, out.length - 4, true);
  return out;
}

/** An RLE run of `count` copies of a value, in `valueBytes` little-endian bytes. */
function runOf(count: number, value: number, valueBytes = 1): Uint8Array {
  const sink = new ByteSink();
  sink.varint(count * 2);
  sink.bytes(Uint8Array.from({ length: valueBytes }, (_, b) => (value >>> (8 * b)) & 0xff));
  return sink.finish();
}

function dataPageHeader(rows: number, encoding: number): Parameters<typeof page>[0] {
  return (w, size, compressedSize) =>
    w
      .i32(1, DATA_PAGE)
      .i32(2, size)
      .i32(3, compressedSize)
      .struct(5, (d) => d.i32(1, rows).i32(2, encoding).i32(3, RLE).i32(4, RLE));
}

function dictionaryPageHeader(values: number): Parameters<typeof page>[0] {
  return (w, size, compressedSize) =>
    w
      .i32(1, DICTIONARY_PAGE)
      .i32(2, size)
      .i32(3, compressedSize)
      .struct(7, (d) => d.i32(1, values).i32(2, PLAIN));
}

/** A snappy page: its header, then its body compressed; `uncompressed` counts the header too. */
function page(
  header: (w: ThriftWriter, size: number, compressedSize: number) => void,
  body: readonly Uint8Array[],
): { bytes: Uint8Array; uncompressed: number } {
  const plain = concat(body);
  const packed = snappyCompress(plain);
  const writer = new ThriftWriter();
  header(writer, plain.length, packed.length);
  const head = writer.finish();
  return { bytes: concat([head, packed]), uncompressed: head.length + plain.length };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Bytes appended one by one or in runs, in a buffer that grows. */
class ByteSink {
  private buffer = new Uint8Array(64);
  private length = 0;

  varint(value: number): void {
    this.reserve(10);
    while (value >= 0x80) {
      this.buffer[this.length++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.length++] = value;
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + more));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
