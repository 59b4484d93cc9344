import type { ColumnType } from '../../store/column-batch.ts';
import { type LakeArrowColumn, type LakeArrowFile, localInstants } from './lake-files.ts';
import {
  type ByteSource,
  chunkRange,
  decodeLakeLayout,
  decompress,
  LakeParquetError,
  type LakeParquetLayout,
  lakeParquetLayout,
  withFileBytes,
} from './lake-parquet.ts';
import {
  concat,
  constantChunk,
  deltaInt64Chunk,
  type EncodedChunk,
  int64Bytes,
  nullChunk,
  PARQUET_BYTE_ARRAY,
  PARQUET_INT64,
  type ParquetChunkMeta,
  type ParquetRowGroup,
  physicalTypeOf,
  plainChunk,
  rewrittenPageHeader,
  SNAPPY,
  shiftedChunk,
  statisticsOf,
} from './parquet-write.ts';
import { snappyCompress } from './snappy.ts';
import { ThriftReader, type ThriftStruct } from './thrift-compact.ts';

/**
 * One lake file's share of a Parquet export: its row groups' column chunks side by side, and their
 * metadata with offsets from the first of these bytes (the stream that joins the parts moves them
 * to the file's).
 */
export interface LakeParquetPart {
  bytes: Uint8Array;
  rowGroups: ParquetRowGroup[];
}

/** The Arrow C data format a stored column must have in the file to be copied as the wire type. */
const FORMAT_OF: Partial<Record<ColumnType, string>> = {
  int16: 's',
  int32: 'i',
  int64: 'l',
  float32: 'f',
  float64: 'g',
  timestamp: 'tsu:UTC',
};

/**
 * The part of a file in time order whose stored columns have their wire types (every file ingest
 * writes): each row group's stored column chunks are copied as they are, compressed pages and
 * statistics included, so a year of samples costs a read and a copy rather than a decode and an
 * encode. The columns the catalog adds are written beside them: `timestamp_local` delta-coded from
 * the decoded `timestamp`, `activity_id`, `sport` and `duration` as one dictionary value, absent
 * metrics as nulls. Undefined when the file needs decoding first (`decodedParquetPart`): out of
 * time order, another type, something this module's reader does not understand; throws
 * `LakeParquetError` when it finds the file corrupt.
 */
export function copiedParquetPart(
  columns: readonly LakeArrowColumn[],
  file: LakeArrowFile,
): LakeParquetPart | undefined {
  return withFileBytes(file.path, (source) => {
    const layout = lakeParquetLayout(source);
    if (!layout) return undefined;
    const indexOf = new Map(layout.leaves.map((leaf, i) => [leaf.name, i]));
    const stored = columns.filter((c) => c.source === 'stored' && indexOf.has(c.name));
    if (stored.some((c) => layout.leaves[indexOf.get(c.name)!]!.format !== FORMAT_OF[c.type]))
      return undefined;
    for (const group of layout.groups)
      for (const c of stored)
        if (!READABLE_CODECS.has(group.chunks[indexOf.get(c.name)!]![4] as number)) return undefined;
    if (!indexOf.has('timestamp')) return undefined;
    const storedIndices = [...new Set(['timestamp', ...stored.map((c) => c.name)])].map(
      (n) => indexOf.get(n)!,
    );
    // The group's chunks in one read, which the timestamp's decoding then finds in memory.
    if (layout.groups.length === 1) readSpan(source, layout, 0, storedIndices);
    const timestamp = decodeLakeLayout(source, layout, ['timestamp'])?.columns.get('timestamp');
    if (!timestamp || timestamp.nullCount > 0 || !inTimeOrder(timestamp.bytes, layout.length))
      return undefined;
    const words = new Uint32Array(timestamp.bytes.buffer, timestamp.bytes.byteOffset, layout.length * 2);

    const pieces: Uint8Array[] = [];
    const rowGroups: ParquetRowGroup[] = [];
    let at = 0;
    let firstRow = 0;
    for (const [g, group] of layout.groups.entries()) {
      if (layout.groups.length > 1) readSpan(source, layout, g, storedIndices);
      const { rows } = group;
      const chunks: ParquetChunkMeta[] = [];
      for (const column of columns) {
        const index = indexOf.get(column.name);
        const encoded =
          column.source === 'stored' && index !== undefined
            ? snappyChunk(source, layout, group.chunks[index]!, index)
            : column.source === 'timestamp_local'
              ? localTimes(words.subarray(firstRow * 2, (firstRow + rows) * 2), file.utcOffsetUs, rows)
              : addedChunk(column, file, rows);
        chunks.push(shiftedChunk(encoded.meta, at));
        pieces.push(encoded.bytes);
        at += encoded.bytes.length;
      }
      rowGroups.push({ rows, chunks });
      firstRow += rows;
    }
    return { bytes: concat(pieces), rowGroups };
  });
}

/**
 * A file's part from its decoded columns, for files `copiedParquetPart` leaves: one row group of
 * plain values in the order given. `fixed` gives a stored or `timestamp_local` column's values and
 * validity as the Arrow path lays them out (undefined: the file lacks the column).
 */
export function decodedParquetPart(
  columns: readonly LakeArrowColumn[],
  file: LakeArrowFile,
  rows: number,
  fixed: (
    column: LakeArrowColumn,
  ) => { values: Uint8Array; validity: Uint8Array | null; nullCount: number } | undefined,
): LakeParquetPart {
  const pieces: Uint8Array[] = [];
  const chunks: ParquetChunkMeta[] = [];
  let at = 0;
  for (const column of columns) {
    const data =
      column.source === 'stored' || column.source === 'timestamp_local' ? fixed(column) : undefined;
    const physical = physicalTypeOf(column.type);
    const encoded = data
      ? plainChunk(
          physical,
          data.values,
          data.values.length / Math.max(1, rows),
          data.validity,
          data.nullCount,
          rows,
        )
      : addedChunk(column, file, rows);
    chunks.push(shiftedChunk(encoded.meta, at));
    pieces.push(encoded.bytes);
    at += encoded.bytes.length;
  }
  return { bytes: concat(pieces), rowGroups: rows > 0 ? [{ rows, chunks }] : [] };
}

/** Reads the stored chunks of one row group in one call, so their copies come from memory. */
function readSpan(
  source: ByteSource,
  layout: LakeParquetLayout,
  group: number,
  indices: readonly number[],
): void {
  let from = source.size;
  let to = 0;
  for (const index of indices) {
    const [start, size] = chunkRange(
      layout.groups[group]!.chunks[index]!,
      layout.leaves[index]!,
      source.size,
    );
    from = Math.min(from, start);
    to = Math.max(to, start + size);
  }
  if (to > from) source.read(from, to - from);
}

/**
 * A stored column chunk with its pages recompressed to snappy, the wire contract's codec: each
 * page's body decompressed (zstd) and compressed again, its header rewritten for the new size;
 * encodings, values and statistics stay the file's. Offsets are from the chunk's first byte.
 */
function snappyChunk(
  source: ByteSource,
  layout: LakeParquetLayout,
  meta: ThriftStruct,
  index: number,
): EncodedChunk {
  const leaf = layout.leaves[index]!;
  const [start, size] = chunkRange(meta, leaf, source.size);
  const chunk = source.read(start, size);
  const codec = meta[4];
  const pieces: Uint8Array[] = [];
  let at = 0;
  let written = 0;
  let uncompressed = 0;
  let dictionaryPageOffset: number | undefined;
  let dataPageOffset: number | undefined;
  while (at < chunk.length) {
    const reader = new ThriftReader(chunk, at);
    const header = reader.struct();
    const bodySize = header[3];
    const fullSize = header[2];
    if (typeof bodySize !== 'number' || typeof fullSize !== 'number' || bodySize > chunk.length - reader.at)
      throw new LakeParquetError(`column ${leaf.name}: a page runs past its chunk`);
    const body = chunk.subarray(reader.at, reader.at + bodySize);
    at = reader.at + bodySize;
    // A v2 data page keeps its levels uncompressed ahead of its values.
    const v2 = header[8] as ThriftStruct | undefined;
    const levels = v2 ? (v2[5] as number) + (v2[6] as number) : 0;
    const values =
      v2 && v2[7] === false
        ? body.subarray(levels)
        : decompress(codec, body.subarray(levels), fullSize - levels);
    const packed = snappyCompress(values);
    const head = rewrittenPageHeader(header, levels + packed.length);
    if (header[1] === DICTIONARY_PAGE) dictionaryPageOffset ??= written;
    else if (header[1] !== INDEX_PAGE) dataPageOffset ??= written;
    pieces.push(head, body.subarray(0, levels), packed);
    written += head.length + levels + packed.length;
    uncompressed += head.length + fullSize;
  }
  if (dataPageOffset === undefined)
    throw new LakeParquetError(`column ${leaf.name}: a chunk without data pages`);
  const statistics = statisticsOf(meta[12]);
  return {
    bytes: concat(pieces),
    meta: {
      physical: meta[1] as number,
      encodings: (meta[2] as number[]).slice(),
      codec: SNAPPY,
      numValues: meta[5] as number,
      uncompressedSize: uncompressed,
      compressedSize: written,
      dataPageOffset,
      ...(dictionaryPageOffset === undefined ? {} : { dictionaryPageOffset }),
      ...(statistics ? { statistics } : {}),
    },
  };
}

const DICTIONARY_PAGE = 2;
const INDEX_PAGE = 1;
/** Codecs whose pages this module decompresses (none, zstd). */
const READABLE_CODECS = new Set([0, 6]);

/** `timestamp_local` of the rows, delta-coded. */
function localTimes(words: Uint32Array, offsetUs: number, rows: number): EncodedChunk {
  const shifted = localInstants(words, offsetUs, rows);
  return (
    deltaInt64Chunk(shifted, null, 0, rows) ??
    plainChunk(PARQUET_INT64, new Uint8Array(shifted.buffer), 8, null, 0, rows)
  );
}

const utf8 = new TextEncoder();

/** A column the catalog adds (`activity_id`, `sport`, `duration`) or an absent one (nulls). */
function addedChunk(column: LakeArrowColumn, file: LakeArrowFile, rows: number): EncodedChunk {
  switch (column.source) {
    case 'activity_id':
    case 'sport': {
      const text = utf8.encode(column.source === 'sport' ? file.sport : file.activityId);
      const plain = new Uint8Array(4 + text.length);
      new DataView(plain.buffer).setUint32(0, text.length, true);
      plain.set(text, 4);
      return constantChunk(PARQUET_BYTE_ARRAY, plain, rows, text);
    }
    case 'duration': {
      const one = int64Bytes(1);
      return constantChunk(PARQUET_INT64, one, rows, one);
    }
    default:
      return nullChunk(physicalTypeOf(column.type), rows);
  }
}

/** Whether the int64 instants are strictly increasing (ingest writes every file so). */
function inTimeOrder(bytes: Uint8Array, length: number): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 1; i < length; i++) {
    const hi = view.getInt32(8 * i + 4, true);
    const prevHi = view.getInt32(8 * i - 4, true);
    if (hi < prevHi || (hi === prevHi && view.getUint32(8 * i, true) <= view.getUint32(8 * i - 8, true)))
      return false;
  }
  return true;
}
