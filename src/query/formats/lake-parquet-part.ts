import type { ColumnType } from '../../store/column-batch.ts';
import { type LakeArrowColumn, type LakeArrowFile, localInstants } from './lake-files.ts';
import {
  type ByteSource,
  chunkRange,
  decodeLakeLayout,
  decompress,
  hybrid,
  LakeParquetError,
  type LakeParquetLayout,
  lakeParquetLayout,
  withFileBytes,
} from './lake-parquet.ts';
import {
  bitWidthOf,
  concat,
  constantChunk,
  deltaInt64Chunk,
  dictionaryRunsChunk,
  type EncodedChunk,
  int64Bytes,
  nullChunk,
  PARQUET_BYTE_ARRAY,
  PARQUET_DOUBLE,
  PARQUET_FLOAT,
  PARQUET_INT64,
  type ParquetChunkMeta,
  type ParquetRowGroup,
  type ParquetStatistics,
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
 * One row group of a lake file in time order whose stored columns have their wire types (every
 * file ingest writes), read to be copied: its timestamps (for `timestamp_local`) and each stored
 * column's pages, decompressed but not decoded.
 */
export interface CopySource {
  file: LakeArrowFile;
  rows: number;
  /** `timestamp` of the rows, int64 microseconds as pairs of 32-bit words. */
  words: Uint32Array;
  /** The stored output columns the file has, by name. */
  chunks: Map<string, SourceChunk>;
}

interface SourceChunk {
  physical: number;
  encodings: number[];
  statistics?: ParquetStatistics;
  /** The dictionary page's values (PLAIN, `width` bytes each), when the chunk has one. */
  dictionary?: { values: Uint8Array; count: number };
  pages: SourcePage[];
}

interface SourcePage {
  header: ThriftStruct;
  /** Whether a v2 page: its levels are kept uncompressed ahead of its compressed values. */
  v2: boolean;
  /** The page's definition levels (v1: with their 4-byte length), decompressed. */
  levels: Uint8Array;
  /** The page's values, decompressed. */
  values: Uint8Array;
  /** Values that are dictionary indices (a bit width, then an RLE/bit-packed hybrid). */
  indexed: boolean;
  /** The present values (not null) among the page's rows. */
  present: number;
}

/**
 * The row groups of a file ready to be copied into an export, each stored column chunk's pages
 * keeping their encodings, values and statistics, so a year of samples costs decompressing and
 * compressing rather than decoding and encoding (`joinedParquetPart` writes them). Undefined when
 * the file needs decoding first (`decodedParquetPart`): out of time order, another type or codec,
 * something this module's reader does not understand; throws `LakeParquetError` when it finds the
 * file corrupt.
 */
export function copySources(
  columns: readonly LakeArrowColumn[],
  file: LakeArrowFile,
): CopySource[] | undefined {
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
    const sources: CopySource[] = [];
    let firstRow = 0;
    for (const [g, group] of layout.groups.entries()) {
      if (layout.groups.length > 1) readSpan(source, layout, g, storedIndices);
      const chunks = new Map<string, SourceChunk>();
      for (const column of stored) {
        const index = indexOf.get(column.name)!;
        chunks.set(column.name, sourceChunk(source, layout, group.chunks[index]!, index));
      }
      sources.push({
        file,
        rows: group.rows,
        words: words.slice(firstRow * 2, (firstRow + group.rows) * 2),
        chunks,
      });
      firstRow += group.rows;
    }
    return sources;
  });
}

/** Rows per row group of an export, at most, when files are joined into one (DuckDB's size). */
const MAX_GROUP_ROWS = 122_880;

/**
 * One part of what several files make, in order: runs of copy sources joined into row groups of
 * up to `MAX_GROUP_ROWS` rows (readers pay per row group: a year as a row group per activity read
 * 2.3× slower in pyarrow), and parts made otherwise (`decodedParquetPart`) as they are.
 */
export function joinedParquetPart(
  columns: readonly LakeArrowColumn[],
  items: readonly (CopySource[] | LakeParquetPart)[],
): LakeParquetPart {
  const pieces: Uint8Array[] = [];
  const rowGroups: ParquetRowGroup[] = [];
  let at = 0;
  const add = (part: LakeParquetPart) => {
    for (const group of part.rowGroups)
      rowGroups.push({ rows: group.rows, chunks: group.chunks.map((chunk) => shiftedChunk(chunk, at)) });
    pieces.push(part.bytes);
    at += part.bytes.length;
  };
  let run: CopySource[] = [];
  let runRows = 0;
  const flush = () => {
    if (run.length === 0) return;
    const joined = rowGroupOf(columns, run);
    if (joined) add(joined);
    else
      for (const source of run) {
        // Sources whose dictionaries cannot be joined go one row group each.
        const alone = rowGroupOf(columns, [source]);
        if (!alone) throw new LakeParquetError(`${source.file.path}: a dictionary too large to copy`);
        add(alone);
      }
    run = [];
    runRows = 0;
  };
  for (const item of items) {
    if (!Array.isArray(item)) {
      flush();
      add(item);
      continue;
    }
    for (const source of item) {
      if (run.length > 0 && (runRows + source.rows > MAX_GROUP_ROWS || !sameShape(run[0]!, source))) flush();
      run.push(source);
      runRows += source.rows;
    }
  }
  flush();
  return { bytes: concat(pieces), rowGroups };
}

/** Whether two sources can share a row group: the same stored columns, of the same types. */
function sameShape(a: CopySource, b: CopySource): boolean {
  if (a.chunks.size !== b.chunks.size) return false;
  for (const [name, chunk] of a.chunks) if (b.chunks.get(name)?.physical !== chunk.physical) return false;
  return true;
}

/**
 * The sources as one row group; undefined when their dictionaries cannot be joined (past 2^24
 * values: indices are re-coded 24 bits at most).
 */
function rowGroupOf(
  columns: readonly LakeArrowColumn[],
  sources: readonly CopySource[],
): LakeParquetPart | undefined {
  const rows = sources.reduce((sum, s) => sum + s.rows, 0);
  const encoded: EncodedChunk[] = [];
  for (const column of columns) {
    let chunk: EncodedChunk | undefined;
    if (column.source === 'stored' && sources[0]!.chunks.has(column.name))
      chunk = joinedChunk(sources.map((s) => s.chunks.get(column.name)!));
    else if (column.source === 'timestamp_local') chunk = int64Chunk(localWords(sources, rows), rows);
    else if (column.source === 'activity_id' || column.source === 'sport')
      chunk = textRunsChunk(
        sources.map((s) => ({
          text: column.source === 'sport' ? s.file.sport : s.file.activityId,
          rows: s.rows,
        })),
      );
    else chunk = addedChunk(column, sources[0]!.file, rows);
    if (!chunk) return undefined;
    encoded.push(chunk);
  }
  const chunks: ParquetChunkMeta[] = [];
  let at = 0;
  for (const chunk of encoded) {
    chunks.push(shiftedChunk(chunk.meta, at));
    at += chunk.bytes.length;
  }
  return { bytes: concat(encoded.map((c) => c.bytes)), rowGroups: [{ rows, chunks }] };
}

/** `timestamp_local` of the sources' rows, each source shifted by its activity's offset. */
function localWords(sources: readonly CopySource[], rows: number): Uint32Array {
  const out = new Uint32Array(rows * 2);
  let at = 0;
  for (const source of sources) {
    out.set(localInstants(source.words, source.file.utcOffsetUs, source.rows), at);
    at += source.rows * 2;
  }
  return out;
}

/**
 * One column's chunks of consecutive sources as one chunk, all pages snappy. Dictionaries are
 * joined (each distinct value once) and every page of indices re-coded into the joined one;
 * pages in other encodings (delta, byte-stream-split, plain) are kept as they are, which Parquet
 * allows beside a dictionary. Statistics are combined.
 */
function joinedChunk(parts: readonly SourceChunk[]): EncodedChunk | undefined {
  const physical = parts[0]!.physical;
  const width = physical === PARQUET_INT64 || physical === PARQUET_DOUBLE ? 8 : 4;
  const pieces: Uint8Array[] = [];
  let written = 0;
  let uncompressed = 0;
  // A v2 page's levels go uncompressed ahead of its values; a v1 page compresses both.
  const page = (header: ThriftStruct, v2: boolean, levels: Uint8Array, values: Uint8Array) => {
    const packed = snappyCompress(v2 ? values : concat([levels, values]));
    const kept = v2 ? levels : new Uint8Array(0);
    const head = rewrittenPageHeader(header, levels.length + values.length, kept.length + packed.length);
    pieces.push(head, kept, packed);
    written += head.length + kept.length + packed.length;
    uncompressed += head.length + levels.length + values.length;
  };
  // The joined dictionary and, per part, where each of its indices goes.
  const remaps: (Int32Array | undefined)[] = [];
  const joined: Uint8Array[] = [];
  // Values by their bits: one 32-bit word, or the high word then the low one.
  const seen = new Map<number, number | Map<number, number>>();
  for (const part of parts) {
    if (!part.dictionary) {
      remaps.push(undefined);
      continue;
    }
    const { values, count } = part.dictionary;
    const words = new DataView(values.buffer, values.byteOffset, values.byteLength);
    const remap = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      // The map that holds this value's index, and its key there.
      let holder = seen as Map<number, number>;
      const key = words.getInt32(width * i, true);
      if (width === 8) {
        const high = words.getInt32(8 * i + 4, true);
        let lows = seen.get(high) as Map<number, number> | undefined;
        if (!lows) {
          lows = new Map();
          seen.set(high, lows);
        }
        holder = lows;
      }
      let index = holder.get(key);
      if (index === undefined) {
        index = joined.length;
        holder.set(key, index);
        joined.push(values.subarray(i * width, (i + 1) * width));
      }
      remap[i] = index;
    }
    remaps.push(remap);
  }
  let dictionaryPageOffset: number | undefined;
  const bitWidth = Math.max(1, bitWidthOf(joined.length - 1));
  if (joined.length > 0) {
    if (bitWidth > 24) return undefined;
    dictionaryPageOffset = 0;
    page(dictionaryHeader(joined.length), false, new Uint8Array(0), concat(joined));
  }
  const dataPageOffset = written;
  for (const [k, part] of parts.entries()) {
    for (const p of part.pages) {
      if (!p.indexed) page(p.header, p.v2, p.levels, p.values);
      else if (!remaps[k]) throw new LakeParquetError('dictionary indices without a dictionary');
      else page(p.header, p.v2, p.levels, recodedIndices(p.values, p.present, remaps[k]!, bitWidth));
    }
  }
  const encodings = [...new Set(parts.flatMap((p) => p.encodings))];
  const partRows = parts.map((p) => p.pages.reduce((n, page) => n + pageValues(page), 0));
  const statistics = joinedStatistics(
    physical,
    parts.map((p, i) => ({ statistics: p.statistics, rows: partRows[i]! })),
  );
  return {
    bytes: concat(pieces),
    meta: {
      physical,
      encodings,
      codec: SNAPPY,
      numValues: partRows.reduce((sum, n) => sum + n, 0),
      uncompressedSize: uncompressed,
      compressedSize: written,
      dataPageOffset,
      ...(dictionaryPageOffset === undefined ? {} : { dictionaryPageOffset }),
      ...(statistics ? { statistics } : {}),
    },
  };
}

/** A data page's values (nulls included), from its header. */
function pageValues(page: SourcePage): number {
  const v2 = page.header[8] as ThriftStruct | undefined;
  const v1 = page.header[5] as ThriftStruct | undefined;
  return ((v2 ?? v1)![1] as number) ?? 0;
}

function dictionaryHeader(count: number): ThriftStruct {
  // A DICTIONARY_PAGE header of `count` PLAIN values (sizes are written by `rewrittenPageHeader`).
  return [undefined, DICTIONARY_PAGE, 0, 0, undefined, undefined, undefined, [undefined, count, 0]];
}

/** Dictionary indices (a bit width byte, then a hybrid of `count`) mapped and bit-packed anew. */
function recodedIndices(values: Uint8Array, count: number, remap: Int32Array, bitWidth: number): Uint8Array {
  const indices = new Int32Array(count);
  if (count > 0) hybrid(values, 1, values.length, values[0]!, count, indices);
  for (let i = 0; i < count; i++) {
    const index = remap[indices[i]!];
    if (index === undefined) throw new LakeParquetError('dictionary index past its dictionary');
    indices[i] = index;
  }
  const groups = Math.ceil(count / 8);
  const header: number[] = [];
  for (let v = groups * 2 + 1; ; v = Math.floor(v / 128)) {
    if (v < 0x80) {
      header.push(v);
      break;
    }
    header.push((v % 128) | 0x80);
  }
  const out = new Uint8Array(1 + header.length + groups * bitWidth);
  out[0] = bitWidth;
  out.set(header, 1);
  let at = 1 + header.length;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < count; i++) {
    acc |= indices[i]! << bits;
    bits += bitWidth;
    while (bits >= 8) {
      out[at++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out[at] = acc & 0xff;
  return out;
}

/**
 * The statistics of chunks joined: the least minimum and greatest maximum by the physical type's
 * order, the null counts summed; undefined fields when a part lacks them.
 */
function joinedStatistics(
  physical: number,
  parts: readonly { statistics: ParquetStatistics | undefined; rows: number }[],
): ParquetStatistics | undefined {
  if (parts.some((p) => p.statistics === undefined)) return undefined;
  const all = parts.map((p) => ({ ...p.statistics!, rows: p.rows }));
  const statistics: ParquetStatistics = {};
  if (all.every((p) => p.nullCount !== undefined))
    statistics.nullCount = all.reduce((sum, p) => sum + p.nullCount!, 0);
  const read = (bytes: Uint8Array): number | bigint => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (physical === PARQUET_INT64) return view.getBigInt64(0, true);
    if (physical === PARQUET_DOUBLE) return view.getFloat64(0, true);
    if (physical === PARQUET_FLOAT) return view.getFloat32(0, true);
    return view.getInt32(0, true);
  };
  const width = physical === PARQUET_INT64 || physical === PARQUET_DOUBLE ? 8 : 4;
  // A part of nulls only has no minimum and counts for nothing; any other part without one (or
  // with one of another width) leaves the join without.
  const valued = all.filter((p) => p.nullCount !== p.rows);
  if (
    valued.length === 0 ||
    valued.some((p) => (p.minValue ?? p.min)?.length !== width || (p.maxValue ?? p.max)?.length !== width)
  )
    return statistics;
  let min = valued[0]!.minValue ?? valued[0]!.min!;
  let max = valued[0]!.maxValue ?? valued[0]!.max!;
  for (const p of valued) {
    const low = p.minValue ?? p.min!;
    const high = p.maxValue ?? p.max!;
    if (read(low) < read(min)) min = low;
    if (read(high) > read(max)) max = high;
  }
  Object.assign(statistics, { min, max, minValue: min, maxValue: max });
  return statistics;
}

/**
 * A text column constant over each source (`activity_id`, `sport`): a dictionary of the distinct
 * values and one RLE run of an index per source.
 */
function textRunsChunk(runs: readonly { text: string; rows: number }[]): EncodedChunk {
  const distinct = [...new Set(runs.map((r) => r.text))];
  const encoded = distinct.map((t) => utf8.encode(t));
  const plain = concat(
    encoded.map((bytes) => {
      const out = new Uint8Array(4 + bytes.length);
      new DataView(out.buffer).setUint32(0, bytes.length, true);
      out.set(bytes, 4);
      return out;
    }),
  );
  const sorted = [...encoded].sort((a, b) => Buffer.compare(a, b));
  return dictionaryRunsChunk(
    PARQUET_BYTE_ARRAY,
    plain,
    distinct.length,
    runs.map((r) => ({ index: distinct.indexOf(r.text), rows: r.rows })),
    { min: sorted[0]!, max: sorted[sorted.length - 1]! },
  );
}

/**
 * A file's part from its decoded columns, for files `copySources` leaves: one row group of
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

/** A stored column chunk's pages, each decompressed; its dictionary's values read out. */
function sourceChunk(
  source: ByteSource,
  layout: LakeParquetLayout,
  meta: ThriftStruct,
  index: number,
): SourceChunk {
  const leaf = layout.leaves[index]!;
  const [start, size] = chunkRange(meta, leaf, source.size);
  const chunk = source.read(start, size);
  const codec = meta[4];
  const pages: SourcePage[] = [];
  let dictionary: SourceChunk['dictionary'];
  let at = 0;
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
    const levelsLength = v2 ? (v2[5] as number) + (v2[6] as number) : 0;
    // zstd's output is a copy out of WebAssembly memory; an uncompressed page a view of the read.
    const values =
      v2 && v2[7] === false
        ? body.subarray(levelsLength)
        : decompress(codec, body.subarray(levelsLength), fullSize - levelsLength);
    if (header[1] === DICTIONARY_PAGE) {
      const count = (header[7] as ThriftStruct | undefined)?.[1];
      if (dictionary || typeof count !== 'number')
        throw new LakeParquetError(`column ${leaf.name}: a bad dictionary page`);
      dictionary = { values, count };
      continue;
    }
    if (header[1] === INDEX_PAGE) continue;
    const v1 = header[5] as ThriftStruct | undefined;
    const rows = (v2 ?? v1)?.[1];
    if (typeof rows !== 'number') throw new LakeParquetError(`column ${leaf.name}: a page without a header`);
    const encoding = v2 ? v2[4] : v1![2];
    const indexed = encoding === RLE_DICTIONARY || encoding === PLAIN_DICTIONARY;
    if (v2) {
      const present = rows - (v2[2] as number);
      pages.push({ header, v2: true, levels: body.subarray(0, levelsLength), values, indexed, present });
      continue;
    }
    // A v1 page's definition levels (bit width 1: columns are flat) open its body, with their length.
    let present = rows;
    let split = 0;
    if (leaf.optional) {
      if (values.length < 4)
        throw new LakeParquetError(`column ${leaf.name}: a page shorter than its levels`);
      split = 4 + new DataView(values.buffer, values.byteOffset).getUint32(0, true);
      if (split > values.length)
        throw new LakeParquetError(`column ${leaf.name}: levels run past their page`);
      const levels = new Int32Array(rows);
      hybrid(values, 4, split, 1, rows, levels);
      present = 0;
      for (let i = 0; i < rows; i++) present += levels[i]!;
    }
    pages.push({
      header,
      v2: false,
      levels: values.subarray(0, split),
      values: values.subarray(split),
      indexed,
      present,
    });
  }
  if (pages.length === 0) throw new LakeParquetError(`column ${leaf.name}: a chunk without data pages`);
  const statistics = statisticsOf(meta[12]);
  return {
    physical: meta[1] as number,
    encodings: (meta[2] as number[]).slice(),
    ...(statistics ? { statistics } : {}),
    ...(dictionary ? { dictionary } : {}),
    pages,
  };
}

const RLE_DICTIONARY = 8;
const PLAIN_DICTIONARY = 2;
const DICTIONARY_PAGE = 2;
const INDEX_PAGE = 1;
/** Codecs whose pages this module decompresses (none, zstd). */
const READABLE_CODECS = new Set([0, 6]);

/** Int64 values (pairs of 32-bit words, none null) delta-coded, or plain past what deltas take. */
function int64Chunk(words: Uint32Array, rows: number): EncodedChunk {
  return (
    deltaInt64Chunk(words, null, 0, rows) ??
    plainChunk(PARQUET_INT64, new Uint8Array(words.buffer, words.byteOffset, rows * 8), 8, null, 0, rows)
  );
}

const utf8 = new TextEncoder();

/** A column the catalog adds (`activity_id`, `sport`, `duration`) or an absent one (nulls). */
function addedChunk(column: LakeArrowColumn, file: LakeArrowFile, rows: number): EncodedChunk {
  switch (column.source) {
    case 'activity_id':
    case 'sport':
      return textRunsChunk([{ text: column.source === 'sport' ? file.sport : file.activityId, rows }]);
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
