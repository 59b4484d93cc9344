import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ThriftReader, type ThriftStruct, type ThriftValue } from './thrift-compact.ts';
import { zstdDecompress } from './zstd.ts';

/**
 * A column as read from a file: its Arrow C data format (`s` int16, `i` int32, `l` int64,
 * `f` float32, `g` float64, `tsu:UTC` timestamp), the bytes of its values from its first row, and
 * its validity bitmap (bit `bitOffset` is row 0; null when every value is present).
 */
export interface ReadColumn {
  format: string;
  nullCount: number;
  validity: Uint8Array | null;
  bitOffset: number;
  bytes: Uint8Array;
}

export interface ReadFile {
  length: number;
  columns: Map<string, ReadColumn>;
}

/** A file this reader could not decode because it is corrupt (not merely unsupported). */
export class LakeParquetError extends Error {}

/** Something the file uses that this reader does not decode: the caller reads it another way. */
class Unsupported extends Error {}

/**
 * Reads the named columns of a lake samples file as DuckDB writes them: flat schema, zstd or no
 * compression, data pages v1 or v2, PLAIN, dictionary, DELTA_BINARY_PACKED and BYTE_STREAM_SPLIT
 * values of int16/int32/int64/float/double/UTC-microsecond-timestamp columns. Only the bytes of
 * the footer and the requested column chunks are read. A named column the file lacks (an older
 * lake) is left out. Returns undefined for a file that uses anything else (another codec, nested
 * or string columns, int64 values past 2^53 in a delta encoding): the caller then reads it with a
 * general Parquet reader. Throws `LakeParquetError` on a corrupt file.
 *
 * Why not parquet-wasm for everything: decoding into WebAssembly memory, exporting through the C
 * data interface and copying out cost about twice this reader's CPU per file, which bounded the
 * Arrow data route (issue 11).
 */
export function readLakeParquet(path: string, names: readonly string[]): ReadFile | undefined {
  return withFileBytes(path, (source) => decodeLakeParquet(source, names));
}

/** `use` of a file's bytes read through `FileBytes`, the file closed after. */
export function withFileBytes<T>(path: string, use: (source: ByteSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    return use(new FileBytes(fd, fstatSync(fd).size));
  } finally {
    closeSync(fd);
  }
}

/**
 * A file's bytes read in as few system calls as the decoder allows: the last 16 KiB at once (the
 * footer and its length, usually), then each range the decoder asks for (it asks once for all the
 * column chunks it reads); a range already read is served from memory.
 */
class FileBytes implements ByteSource {
  private tail: Uint8Array | undefined;
  private tailStart = 0;
  private span: Uint8Array | undefined;
  private spanStart = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  read(offset: number, length: number): Uint8Array {
    if (!this.tail) {
      this.tailStart = Math.max(0, this.size - 16384);
      this.tail = readRange(this.fd, this.tailStart, this.size - this.tailStart);
    }
    for (const [held, start] of [
      [this.tail, this.tailStart],
      [this.span, this.spanStart],
    ] as const) {
      if (held && offset >= start && offset + length <= start + held.length)
        return held.subarray(offset - start, offset - start + length);
    }
    this.span = readRange(this.fd, offset, length);
    this.spanStart = offset;
    return this.span;
  }
}

function readRange(fd: number, offset: number, length: number): Uint8Array {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, offset + done);
    if (n === 0) throw new LakeParquetError('Parquet file shorter than its footer says');
    done += n;
  }
  return out;
}

/** Random access to a file's bytes (a file descriptor, or a buffer in tests). */
export interface ByteSource {
  size: number;
  read(offset: number, length: number): Uint8Array;
}

export function decodeLakeParquet(source: ByteSource, names: readonly string[]): ReadFile | undefined {
  return guarded(() => decode(source, names));
}

/** `read`'s result; undefined for what this reader does not decode; any failure a `LakeParquetError`. */
function guarded<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    if (error instanceof LakeParquetError) throw error;
    // A bounds check of the Thrift reader, or a zstd frame that does not decode.
    throw new LakeParquetError(`corrupt Parquet file: ${(error as Error).message}`);
  }
}

/** Parquet's physical types, codecs, page types and encodings this reader knows. */
const INT32 = 1;
const INT64 = 2;
const FLOAT = 4;
const DOUBLE = 5;
const UNCOMPRESSED = 0;
const ZSTD = 6;
const DATA_PAGE = 0;
const DICTIONARY_PAGE = 2;
const DATA_PAGE_V2 = 3;
const PLAIN = 0;
const PLAIN_DICTIONARY = 2;
const DELTA_BINARY_PACKED = 5;
const RLE_DICTIONARY = 8;
const BYTE_STREAM_SPLIT = 9;
/** ConvertedType INT_16, INT_32 and INT_64 by their bits. */
const CONVERTED_INT: Record<number, number> = { 16: 16, 32: 17, 64: 18 };

export interface LakeParquetLeaf {
  name: string;
  physical: number;
  optional: boolean;
  format: string;
}

/**
 * A lake file's shape as its footer gives it: its leaf columns, its rows, and each row group's
 * rows and column-chunk metadata (one per leaf, in the leaves' order).
 */
export interface LakeParquetLayout {
  leaves: LakeParquetLeaf[];
  length: number;
  groups: { rows: number; chunks: ThriftStruct[] }[];
}

/**
 * The layout of a file this reader understands; undefined for one it does not (a nested schema,
 * chunks in other files); throws `LakeParquetError` on a corrupt footer.
 */
export function lakeParquetLayout(source: ByteSource): LakeParquetLayout | undefined {
  return guarded(() => layoutOf(source));
}

function layoutOf(source: ByteSource): LakeParquetLayout {
  const meta = footer(source);
  const leaves = schemaLeaves(meta[2]);
  const length = int(meta[3], 'num_rows');
  let row = 0;
  const groups = list(meta[4], 'row_groups').map((g) => {
    const group = struct(g, 'row group');
    const rows = int(group[3], 'row group num_rows');
    row += rows;
    const chunks = list(group[1], 'columns').map((c) => {
      const chunk = struct(c, 'column chunk');
      if (chunk[1] !== undefined) throw new Unsupported('column chunk in another file');
      return struct(chunk[3], 'column metadata');
    });
    if (chunks.length !== leaves.length)
      throw new LakeParquetError('row group has the wrong number of columns');
    return { rows, chunks };
  });
  if (row !== length) throw new LakeParquetError('row groups do not add up to the file rows');
  return { leaves, length, groups };
}

/** Decodes the named columns of a file whose layout is known (`decodeLakeParquet`'s contract). */
export function decodeLakeLayout(
  source: ByteSource,
  layout: LakeParquetLayout,
  names: readonly string[],
): ReadFile | undefined {
  return guarded(() => decodeColumns(source, layout, names));
}

function decode(source: ByteSource, names: readonly string[]): ReadFile {
  return decodeColumns(source, layoutOf(source), names);
}

function decodeColumns(source: ByteSource, layout: LakeParquetLayout, names: readonly string[]): ReadFile {
  const { leaves, length } = layout;
  const wanted = new Map<number, LakeParquetLeaf>();
  for (const name of names) {
    const index = leaves.findIndex((leaf) => leaf.name === name);
    if (index >= 0) wanted.set(index, leaves[index]!);
  }
  const columns = new Map<string, ColumnSink>();
  for (const [, leaf] of wanted) columns.set(leaf.name, new ColumnSink(leaf, length));
  let row = 0;
  for (const { rows, chunks } of layout.groups) {
    let from = source.size;
    let to = 0;
    for (const [index, leaf] of wanted) {
      const [start, size] = chunkRange(chunks[index]!, leaf, source.size);
      from = Math.min(from, start);
      to = Math.max(to, start + size);
    }
    // One read for the group's wanted chunks (they lie side by side, mostly).
    if (to > from) source.read(from, to - from);
    for (const [index, leaf] of wanted)
      readChunk(source, chunks[index]!, leaf, columns.get(leaf.name)!, row, rows);
    row += rows;
  }
  const read: ReadFile = { length, columns: new Map() };
  for (const [name, sink] of columns) read.columns.set(name, sink.finish());
  return read;
}

function footer(source: ByteSource): ThriftStruct {
  if (source.size < 12) throw new LakeParquetError('not a Parquet file: too short');
  const tail = source.read(source.size - 8, 8);
  if (!isMagic(tail, 4)) throw new LakeParquetError('not a Parquet file: no PAR1 at its end');
  const length = new DataView(tail.buffer, tail.byteOffset).getUint32(0, true);
  if (length > source.size - 12) throw new LakeParquetError('Parquet footer longer than the file');
  return new ThriftReader(source.read(source.size - 8 - length, length)).struct();
}

function isMagic(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
}

const text = new TextDecoder();

function schemaLeaves(value: ThriftValue | undefined): LakeParquetLeaf[] {
  const elements = list(value, 'schema').map((e) => struct(e, 'schema element'));
  const root = elements[0];
  if (!root || int(root[5], 'root num_children') !== elements.length - 1)
    throw new Unsupported('nested schema');
  return elements.slice(1).map((element) => {
    if (element[5] !== undefined) throw new Unsupported('nested schema');
    const repetition = element[3] ?? 0;
    if (repetition !== 0 && repetition !== 1) throw new Unsupported('repeated column');
    const physical = element[1];
    const leaf: LakeParquetLeaf = {
      name: text.decode(bytesOf(element[4], 'column name')),
      physical: typeof physical === 'number' ? physical : -1,
      optional: repetition === 1,
      format: '',
    };
    leaf.format = arrowFormat(leaf.physical, element[6], element[10]);
    return leaf;
  });
}

/**
 * The Arrow format a general reader gives the column; '' for a type this reader does not decode
 * (reading such a column makes the file unsupported).
 */
function arrowFormat(
  physical: number,
  converted: ThriftValue | undefined,
  logical: ThriftValue | undefined,
): string {
  const logicalType = logical === undefined ? undefined : struct(logical, 'logical type');
  switch (physical) {
    case INT32:
      if (isSignedInteger(16, converted, logicalType)) return 's';
      return isSignedInteger(32, converted, logicalType) ? 'i' : '';
    case INT64: {
      const timestamp = logicalType?.[8] as ThriftStruct | undefined;
      if (timestamp) {
        const unit = timestamp[2] as ThriftStruct | undefined;
        return timestamp[1] === true && unit?.[2] !== undefined ? 'tsu:UTC' : '';
      }
      return isSignedInteger(64, converted, logicalType) ? 'l' : '';
    }
    case FLOAT:
      return converted === undefined ? 'f' : '';
    case DOUBLE:
      return converted === undefined ? 'g' : '';
    default:
      return '';
  }
}

/**
 * Whether a column's annotations make it a signed integer of `bits`: ConvertedType INT_16, INT_32
 * or INT_64, or the logical type INTEGER(bits, signed); a 32- or 64-bit column may have neither.
 */
function isSignedInteger(
  bits: number,
  converted: ThriftValue | undefined,
  logical: ThriftStruct | undefined,
): boolean {
  const integer = logical?.[10] as ThriftStruct | undefined;
  if (integer) return integer[1] === bits && integer[2] === true;
  if (logical !== undefined) return false;
  if (converted === undefined) return bits !== 16;
  return converted === CONVERTED_INT[bits];
}

/** 32-bit words per value of a physical type (an int64 or double is two). */
const wordsOf = (physical: number) => (physical === INT64 || physical === DOUBLE ? 2 : 1);

/**
 * An output column's values: int16 for `s` columns, otherwise 32-bit words (an int64 or double is
 * two, little-endian). Floats are copied as words, never through a JS number, so every bit
 * (NaN payloads included) survives.
 */
type Values = Int16Array | Int32Array;

/** One output column being filled: its values, a validity bitmap, the null count. */
class ColumnSink {
  readonly values: Values;
  readonly validity: Uint8Array;
  nullCount = 0;
  /** Elements of `values` per row. */
  readonly width: number;

  constructor(
    readonly leaf: LakeParquetLeaf,
    readonly length: number,
  ) {
    if (leaf.format === '')
      throw new Unsupported(`column ${leaf.name} has a type this reader does not decode`);
    this.width = leaf.format === 's' ? 1 : wordsOf(leaf.physical);
    this.values = leaf.format === 's' ? new Int16Array(length) : new Int32Array(length * this.width);
    this.validity = new Uint8Array((length + 7) >> 3);
  }

  /** An empty array of the values' type for `count` rows. */
  scratch(count: number): Values {
    return this.values instanceof Int16Array ? new Int16Array(count) : new Int32Array(count * this.width);
  }

  finish(): ReadColumn {
    const { values } = this;
    return {
      format: this.leaf.format,
      nullCount: this.nullCount,
      validity: this.nullCount > 0 ? this.validity : null,
      bitOffset: 0,
      bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    };
  }
}

function readChunk(
  source: ByteSource,
  meta: ThriftStruct,
  leaf: LakeParquetLeaf,
  sink: ColumnSink,
  firstRow: number,
  rows: number,
): void {
  if (meta[1] !== leaf.physical) throw new LakeParquetError(`column ${leaf.name}'s chunk has another type`);
  const codec = meta[4];
  if (codec !== UNCOMPRESSED && codec !== ZSTD) throw new Unsupported(`codec ${String(codec)}`);
  const [start, size] = chunkRange(meta, leaf, source.size);
  const chunk = source.read(start, size);
  const total = int(meta[5], 'num_values');
  if (total !== rows)
    throw new LakeParquetError(`column ${leaf.name} has ${total} values in a group of ${rows} rows`);

  let dictionary: Int32Array | undefined;
  let at = 0;
  let row = firstRow;
  const end = firstRow + rows;
  while (row < end) {
    if (at >= chunk.length) throw new LakeParquetError(`column ${leaf.name} ends before its values`);
    const reader = new ThriftReader(chunk, at);
    const header = reader.struct();
    const compressedSize = int(header[3], 'compressed_page_size');
    const uncompressedSize = int(header[2], 'uncompressed_page_size');
    const bodyStart = reader.at;
    if (compressedSize > chunk.length - bodyStart)
      throw new LakeParquetError('page runs past its column chunk');
    const body = chunk.subarray(bodyStart, bodyStart + compressedSize);
    at = bodyStart + compressedSize;
    const type = header[1];
    if (type === DICTIONARY_PAGE) {
      const page = struct(header[7], 'dictionary page header');
      const encoding = page[2];
      if (encoding !== PLAIN && encoding !== PLAIN_DICTIONARY) throw new Unsupported('dictionary encoding');
      const values = decompress(codec, body, uncompressedSize);
      dictionary = plainWords(values, 0, int(page[1], 'dictionary size'), wordsOf(leaf.physical));
    } else if (type === DATA_PAGE || type === DATA_PAGE_V2) {
      row += dataPage(type, header, codec, body, uncompressedSize, sink, row, end - row, dictionary);
    }
  }
}

/** Where a column chunk's pages lie in the file: its first page's offset and its byte length. */
export function chunkRange(meta: ThriftStruct, leaf: LakeParquetLeaf, fileSize: number): [number, number] {
  const dataOffset = int(meta[9], 'data_page_offset');
  const dictionaryOffset = meta[11] === undefined ? dataOffset : int(meta[11], 'dictionary_page_offset');
  const start = Math.min(dataOffset, dictionaryOffset);
  const size = int(meta[7], 'total_compressed_size');
  if (start < 4 || start + size > fileSize - 8)
    throw new LakeParquetError(`column ${leaf.name}'s chunk lies outside the file`);
  return [start, size];
}

/** Decodes one data page into the sink from `row`; returns the rows it held. */
function dataPage(
  type: ThriftValue,
  header: ThriftStruct,
  codec: ThriftValue | undefined,
  body: Uint8Array,
  uncompressedSize: number,
  sink: ColumnSink,
  row: number,
  rowsLeft: number,
  dictionary: Int32Array | undefined,
): number {
  let count: number;
  let encoding: ThriftValue | undefined;
  let levels: Uint8Array | null = null;
  let values: Uint8Array;
  let valuesAt = 0;
  if (type === DATA_PAGE_V2) {
    const page = struct(header[8], 'data page v2 header');
    count = int(page[1], 'num_values');
    encoding = page[4];
    const definitionLength = int(page[5], 'definition levels length');
    if (int(page[6] ?? 0, 'repetition levels length') !== 0) throw new Unsupported('repetition levels');
    if (definitionLength > body.length) throw new LakeParquetError('definition levels run past their page');
    if (sink.leaf.optional) levels = definitionLevels(body, 0, definitionLength, count);
    const rest = body.subarray(definitionLength);
    values = page[7] === false ? rest : decompress(codec, rest, uncompressedSize - definitionLength);
  } else {
    const page = struct(header[5], 'data page header');
    count = int(page[1], 'num_values');
    encoding = page[2];
    values = decompress(codec, body, uncompressedSize);
    if (sink.leaf.optional) {
      if (values.length < 4) throw new LakeParquetError('data page too short for its levels');
      const length = new DataView(values.buffer, values.byteOffset).getUint32(0, true);
      if (length > values.length - 4) throw new LakeParquetError('definition levels run past their page');
      levels = definitionLevels(values, 4, 4 + length, count);
      valuesAt = 4 + length;
    }
  }
  if (count > rowsLeft) throw new LakeParquetError('page holds more values than its row group');
  const { width } = sink;
  if (!levels) {
    // Every value present (the usual page): decode straight into the column.
    const target = sink.values.subarray(row * width, (row + count) * width);
    decodeValues(encoding, values, valuesAt, count, width, target, dictionary, sink.leaf.physical);
    setValid(sink.validity, row, count);
    return count;
  }
  if (levels === ALL_NULL) {
    // The column's values start zeroed: a null row's value stays 0.
    sink.nullCount += count;
    return count;
  }
  let present = 0;
  for (let i = 0; i < count; i++) present += levels[i]!;
  sink.nullCount += count - present;
  const target = sink.scratch(present);
  decodeValues(encoding, values, valuesAt, present, width, target, dictionary, sink.leaf.physical);
  const out = sink.values;
  let j = 0;
  for (let i = 0; i < count; i++) {
    if (levels[i] === 0) continue;
    const r = row + i;
    sink.validity[r >> 3]! |= 1 << (r & 7);
    for (let w = 0; w < width; w++) out[r * width + w] = target[j * width + w]!;
    j++;
  }
  return count;
}

function setValid(validity: Uint8Array, from: number, count: number): void {
  let r = from;
  const end = from + count;
  while (r < end && (r & 7) !== 0) validity[r >> 3]! |= 1 << (r++ & 7);
  const wholeEnd = end & ~7;
  if (wholeEnd > r) {
    validity.fill(0xff, r >> 3, wholeEnd >> 3);
    r = wholeEnd;
  }
  while (r < end) validity[r >> 3]! |= 1 << (r++ & 7);
}

/** Definition levels of a page whose values are all null (no array: nothing to scatter). */
const ALL_NULL = new Uint8Array(0);

/**
 * Definition levels of a flat optional column (RLE/bit-packed hybrid, width 1): null when every
 * value is present, `ALL_NULL` when none is (one run of ones or of zeros says so: the usual pages);
 * otherwise 1 present, 0 null per row.
 */
function definitionLevels(bytes: Uint8Array, from: number, to: number, count: number): Uint8Array | null {
  if (count === 0) return null;
  const first = new HybridRuns(bytes, from, to, 1);
  first.next();
  if (!first.packed && first.length >= count && first.value <= 1) return first.value === 1 ? null : ALL_NULL;
  const words = new Int32Array(count);
  hybrid(bytes, from, to, 1, count, words);
  const levels = new Uint8Array(count);
  let present = 0;
  for (let i = 0; i < count; i++) {
    const level = words[i]!;
    if (level > 1) throw new LakeParquetError('definition level above the column maximum');
    levels[i] = level;
    present += level;
  }
  return present === count ? null : present === 0 ? ALL_NULL : levels;
}

function decodeValues(
  encoding: ThriftValue | undefined,
  bytes: Uint8Array,
  at: number,
  count: number,
  width: number,
  target: Values,
  dictionary: Int32Array | undefined,
  physical: number,
): void {
  switch (encoding) {
    case PLAIN: {
      const words = plainWords(bytes, at, count, wordsOf(physical));
      target.set(words);
      return;
    }
    case RLE_DICTIONARY:
    case PLAIN_DICTIONARY: {
      if (!dictionary) throw new LakeParquetError('dictionary-encoded page without a dictionary');
      if (count === 0) return;
      if (at >= bytes.length) throw new LakeParquetError('dictionary page indices missing');
      const bitWidth = bytes[at]!;
      if (bitWidth > 32) throw new LakeParquetError('dictionary index width above 32 bits');
      if (width === 1) dictionaryRuns(bytes, at + 1, bitWidth, count, dictionary, target);
      else {
        const indices = new Int32Array(count);
        hybrid(bytes, at + 1, bytes.length, bitWidth, count, indices);
        const size = dictionary.length / 2;
        for (let i = 0; i < count; i++) {
          const index = indices[i]!;
          if (index >>> 0 >= size) throw new LakeParquetError('dictionary index out of range');
          target[2 * i] = dictionary[2 * index]!;
          target[2 * i + 1] = dictionary[2 * index + 1]!;
        }
      }
      return;
    }
    case DELTA_BINARY_PACKED: {
      if (physical !== INT32 && physical !== INT64)
        throw new LakeParquetError('delta encoding of a non-integer column');
      deltaBinaryPacked(bytes, at, count, physical === INT64, target);
      return;
    }
    case BYTE_STREAM_SPLIT: {
      if (target instanceof Int16Array) throw new Unsupported('byte-stream-split int16 column');
      const words = wordsOf(physical);
      if (bytes.length - at < count * words * 4)
        throw new LakeParquetError('byte-stream-split values run past their page');
      // Byte k of value i is at stream k, position i: each output word from four streams.
      for (let w = 0; w < words; w++) {
        const s0 = at + 4 * w * count;
        const s1 = s0 + count;
        const s2 = s1 + count;
        const s3 = s2 + count;
        for (let i = 0; i < count; i++)
          target[i * words + w] =
            bytes[s0 + i]! | (bytes[s1 + i]! << 8) | (bytes[s2 + i]! << 16) | (bytes[s3 + i]! << 24);
      }
      return;
    }
    default:
      throw new Unsupported(`value encoding ${String(encoding)}`);
  }
}

/** `count` PLAIN values of `width` words from `at`, copied so they are 4-byte aligned. */
function plainWords(bytes: Uint8Array, at: number, count: number, width: number): Int32Array {
  const size = count * width * 4;
  if (bytes.length - at < size) throw new LakeParquetError('plain values run past their page');
  const words = new Int32Array(count * width);
  new Uint8Array(words.buffer).set(bytes.subarray(at, at + size));
  return words;
}

/**
 * Dictionary indices (RLE/bit-packed hybrid) looked up as they are read, for one-word values: a
 * run fills its value, a bit-packed group is unpacked straight into the column.
 */
function dictionaryRuns(
  bytes: Uint8Array,
  from: number,
  bitWidth: number,
  count: number,
  dictionary: Int32Array,
  target: Values,
): void {
  const size = dictionary.length;
  const runs = new HybridRuns(bytes, from, bytes.length, bitWidth);
  let n = 0;
  while (n < count) {
    runs.next();
    const take = Math.min(runs.length, count - n);
    if (runs.packed) {
      runs.check(take);
      if (bitWidth <= 24) {
        const mask = (1 << bitWidth) - 1;
        let acc = 0;
        let bits = 0;
        let p = runs.at;
        for (let i = 0; i < take; i++) {
          while (bits < bitWidth) {
            acc |= bytes[p++]! << bits;
            bits += 8;
          }
          const index = acc & mask;
          acc >>>= bitWidth;
          bits -= bitWidth;
          if (index >= size) throw new LakeParquetError('dictionary index out of range');
          target[n + i] = dictionary[index]!;
        }
      } else {
        for (let i = 0; i < take; i++) {
          const index = unpackWide(bytes, runs.at, i * bitWidth, bitWidth);
          if (index >= size) throw new LakeParquetError('dictionary index out of range');
          target[n + i] = dictionary[index]!;
        }
      }
    } else {
      if (runs.value >= size) throw new LakeParquetError('dictionary index out of range');
      target.fill(dictionary[runs.value]!, n, n + take);
    }
    n += take;
  }
}

/**
 * The RLE/bit-packed hybrid of `count` values of `bitWidth` bits into `out`. Every run consumes at
 * least its header byte, and every read is bounds-checked, so a corrupt run cannot loop.
 */
export function hybrid(
  bytes: Uint8Array,
  from: number,
  to: number,
  bitWidth: number,
  count: number,
  out: Int32Array,
): void {
  const runs = new HybridRuns(bytes, from, to, bitWidth);
  let n = 0;
  while (n < count) {
    runs.next();
    const take = Math.min(runs.length, count - n);
    if (runs.packed) {
      runs.check(take);
      unpack(bytes, runs.at, bitWidth, take, out, n);
    } else out.fill(runs.value, n, n + take);
    n += take;
  }
}

/**
 * The runs of an RLE/bit-packed hybrid, one `next()` at a time: a bit-packed run of `length`
 * values whose bits start at `at`, or an RLE run of `length` times `value`. Each run consumes at
 * least its header byte and every read is bounds-checked, so a corrupt run ends in an error, never
 * a loop.
 */
class HybridRuns {
  packed = false;
  length = 0;
  value = 0;
  /** Where a bit-packed run's bits start. */
  at = 0;
  private position: number;
  private readonly valueBytes: number;

  constructor(
    private readonly bytes: Uint8Array,
    from: number,
    private readonly to: number,
    private readonly bitWidth: number,
  ) {
    this.position = from;
    this.valueBytes = (bitWidth + 7) >> 3;
  }

  next(): void {
    const { bytes, to } = this;
    let header = 0;
    let scale = 1;
    for (;;) {
      if (this.position >= to) throw new LakeParquetError('hybrid-encoded run truncated');
      const byte = bytes[this.position++]!;
      header += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
      if (scale > 2 ** 35) throw new LakeParquetError('hybrid run header too long');
    }
    this.packed = header % 2 === 1;
    if (this.packed) {
      const groups = (header - 1) / 2;
      this.length = groups * 8;
      this.at = this.position;
      this.position += Math.min(groups * this.bitWidth, to - this.position);
      return;
    }
    this.length = header / 2;
    if (this.valueBytes > to - this.position) throw new LakeParquetError('RLE run truncated');
    let value = 0;
    for (let b = 0; b < this.valueBytes; b++) value += bytes[this.position + b]! * 2 ** (8 * b);
    this.position += this.valueBytes;
    this.value = value;
  }

  /** Throws unless the bit-packed run's first `take` values lie within the bytes. */
  check(take: number): void {
    if (Math.ceil((take * this.bitWidth) / 8) > this.to - this.at)
      throw new LakeParquetError('bit-packed run truncated');
  }
}

/** `count` little-endian bit-packed values of `bitWidth` ≤ 32 bits from byte `at` into out[outAt…]. */
function unpack(
  bytes: Uint8Array,
  at: number,
  bitWidth: number,
  count: number,
  out: Int32Array,
  outAt: number,
): void {
  if (bitWidth === 0) {
    out.fill(0, outAt, outAt + count);
    return;
  }
  if (bitWidth <= 24) {
    const mask = (1 << bitWidth) - 1;
    let acc = 0;
    let bits = 0;
    let p = at;
    for (let i = 0; i < count; i++) {
      while (bits < bitWidth) {
        acc |= bytes[p++]! << bits;
        bits += 8;
      }
      out[outAt + i] = acc & mask;
      acc >>>= bitWidth;
      bits -= bitWidth;
    }
    return;
  }
  for (let i = 0; i < count; i++) out[outAt + i] = unpackWide(bytes, at, i * bitWidth, bitWidth);
}

/** One value of up to 52 bits at bit `bit` after byte `at`, as a Number. */
function unpackWide(bytes: Uint8Array, at: number, bit: number, bitWidth: number): number {
  if (bitWidth <= 32) {
    // Five bytes hold any 32 bits from any bit offset: the low four as one word, then the fifth.
    const k = at + (bit >> 3);
    const shift = bit & 7;
    const low =
      ((bytes[k] ?? 0) |
        ((bytes[k + 1] ?? 0) << 8) |
        ((bytes[k + 2] ?? 0) << 16) |
        ((bytes[k + 3] ?? 0) << 24)) >>>
      0;
    const value = (low >>> shift) + (shift === 0 ? 0 : (bytes[k + 4] ?? 0) * 2 ** (32 - shift));
    return bitWidth === 32 ? value % 4294967296 : value % 2 ** bitWidth;
  }
  let value = 0;
  let scale = 1;
  let taken = 0;
  let p = at + Math.floor(bit / 8);
  let shift = bit % 8;
  while (taken < bitWidth) {
    const available = 8 - shift;
    const take = Math.min(available, bitWidth - taken);
    const piece = ((bytes[p] ?? 0) >> shift) & ((1 << take) - 1);
    value += piece * scale;
    scale *= 2 ** take;
    taken += take;
    p++;
    shift = 0;
  }
  return value;
}

/**
 * DELTA_BINARY_PACKED: a header (block size, miniblocks per block, value count, first value), then
 * blocks of a minimum delta, one bit width per miniblock and the bit-packed deltas above the
 * minimum. int32 values wrap as the writer's arithmetic did; int64 values are summed as Numbers,
 * so a column whose values or deltas pass 2^52 is left to the general reader.
 */
function deltaBinaryPacked(
  bytes: Uint8Array,
  from: number,
  count: number,
  wide: boolean,
  target: Values,
): void {
  const reader = new ThriftReader(bytes, from);
  const blockSize = reader.varint();
  const miniblocks = reader.varint();
  const total = reader.varint();
  if (miniblocks === 0 || blockSize % 128 !== 0 || blockSize === 0 || (blockSize / miniblocks) % 32 !== 0)
    throw new LakeParquetError('bad delta-encoding block header');
  if (total < count) throw new LakeParquetError('delta-encoded page holds fewer values than its levels');
  let value = zigzag(reader.varint());
  if (count === 0) return;
  const perMiniblock = blockSize / miniblocks;
  const deltas = new Float64Array(perMiniblock);
  const packed = new Int32Array(perMiniblock);
  if (wide) putWide(target, 0, value);
  else target[0] = value | 0;
  let n = 1;
  let at = reader.at;
  while (n < count) {
    reader.at = at;
    const minDelta = zigzag(reader.varint());
    at = reader.at;
    if (miniblocks > bytes.length - at) throw new LakeParquetError('delta-encoded block truncated');
    const widthsAt = at;
    at += miniblocks;
    for (let m = 0; m < miniblocks && n < count; m++) {
      const bitWidth = bytes[widthsAt + m]!;
      if (bitWidth > (wide ? 52 : 32)) {
        if (wide) throw new Unsupported('int64 deltas wider than 52 bits');
        throw new LakeParquetError('int32 delta wider than 32 bits');
      }
      const take = Math.min(perMiniblock, count - n);
      if (Math.ceil((take * bitWidth) / 8) > bytes.length - at)
        throw new LakeParquetError('delta-encoded miniblock truncated');
      if (bitWidth === 0) deltas.fill(minDelta, 0, take);
      else if (bitWidth <= 24) {
        unpack(bytes, at, bitWidth, take, packed, 0);
        for (let i = 0; i < take; i++) deltas[i] = minDelta + packed[i]!;
      } else
        for (let i = 0; i < take; i++) deltas[i] = minDelta + unpackWide(bytes, at, i * bitWidth, bitWidth);
      if (wide) {
        for (let i = 0; i < take; i++) {
          value += deltas[i]!;
          if (value > WIDE_LIMIT || value < -WIDE_LIMIT)
            throw new Unsupported('int64 delta values past 2^52');
          const high = Math.floor(value / 4294967296);
          target[2 * (n + i)] = value - high * 4294967296;
          target[2 * (n + i) + 1] = high;
        }
      } else {
        for (let i = 0; i < take; i++) {
          value = (value + deltas[i]!) | 0;
          target[n + i] = value;
        }
      }
      n += take;
      at += (perMiniblock * bitWidth) / 8;
    }
  }
}

/** Int64 values this reader sums as Numbers: beyond, a sum might not be exact. */
const WIDE_LIMIT = 2 ** 52;

function putWide(target: Values, i: number, value: number): void {
  if (!Number.isSafeInteger(value) || value > WIDE_LIMIT || value < -WIDE_LIMIT)
    throw new Unsupported('int64 delta values past 2^52');
  const high = Math.floor(value / 4294967296);
  target[2 * i] = value - high * 4294967296;
  target[2 * i + 1] = high;
}

const zigzag = (raw: number) => (raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2);

/** A page's body uncompressed (no compression or zstd, the codecs this reader takes). */
export function decompress(codec: ThriftValue | undefined, body: Uint8Array, size: number): Uint8Array {
  if (codec === UNCOMPRESSED) {
    if (body.length !== size) throw new LakeParquetError('uncompressed page size mismatch');
    return body;
  }
  const out = zstdDecompress(body, size);
  if (out.length !== size) throw new LakeParquetError('zstd page decompressed to the wrong size');
  return out;
}

function int(value: ThriftValue | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new LakeParquetError(`Parquet ${what} missing or invalid`);
  return value;
}

function list(value: ThriftValue | undefined, what: string): ThriftValue[] {
  if (!Array.isArray(value)) throw new LakeParquetError(`Parquet ${what} missing`);
  return value as ThriftValue[];
}

function struct(value: ThriftValue | undefined, what: string): ThriftStruct {
  if (!Array.isArray(value)) throw new LakeParquetError(`Parquet ${what} missing`);
  return value as ThriftStruct;
}

function bytesOf(value: ThriftValue | undefined, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new LakeParquetError(`Parquet ${what} missing`);
  return value;
}
