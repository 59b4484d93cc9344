import { quoteCsv } from './csv.ts';
import type { LakeArrowColumn, LakeArrowFile } from './lake-files.ts';
import type { ReadColumn, ReadFile } from './lake-parquet.ts';
import { isoInstantFormatter } from './text-cells.ts';

/** The text formats a lake worker writes: CSV rows, or JSON row objects separated by commas. */
export type LakeTextFormat = 'csv' | 'json';

/**
 * One samples file's rows as CSV lines or JSON objects, as UTF-8 bytes: the same text `writeCsv`
 * and `writeJsonRows` give for the same rows through DuckDB (ISO 8601 instants, `String` of each
 * number, empty CSV fields and JSON nulls for NULL), written straight from the file's columns
 * with no JS value per cell but the floats' and instants' strings. JSON objects are joined by
 * commas, without the enclosing brackets (the stream adds them, and the comma between files).
 * `order` is the row order (null: the file's own, already in time order).
 */
export function encodeLakeText(
  format: LakeTextFormat,
  columns: readonly LakeArrowColumn[],
  file: LakeArrowFile,
  read: ReadFile,
  timestamp: ReadColumn,
  order: Uint32Array | null,
): Uint8Array {
  const json = format === 'json';
  const cells = columns.map((column) => cellOf(column, read, timestamp, file, json));
  // A repeated column name keeps its last value in its first position, as in writeJsonRows.
  const written = json ? lastOfEachName(columns) : columns.map((_, c) => c);
  const prefixes = written.map((c, i) =>
    utf8(json ? `${i === 0 ? '{' : ','}${JSON.stringify(columns[c]!.name)}:` : i === 0 ? '' : ','),
  );
  // About the text of a row: its keys (JSON) and a dozen bytes per value; it grows if need be.
  const keyBytes = prefixes.reduce((n, prefix) => n + prefix.length, 0);
  const out = new TextBytes(read.length * (keyBytes + 12 * written.length + 2));
  for (let r = 0; r < read.length; r++) {
    const row = order ? order[r]! : r;
    if (json && r > 0) out.byte(COMMA);
    for (let i = 0; i < written.length; i++) {
      if (json) out.bytes(prefixes[i]!);
      else if (i > 0) out.byte(COMMA);
      writeCell(out, cells[written[i]!]!, row, json);
    }
    if (!json) out.byte(NEWLINE);
    // A row of no columns is `{}`: its opening brace comes from no prefix.
    else if (written.length === 0) out.ascii('{}');
    else out.byte(CLOSE_BRACE);
  }
  return out.result();
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const CLOSE_BRACE = 0x7d;

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);

function lastOfEachName(columns: readonly LakeArrowColumn[]): number[] {
  const last = new Map<string, number>();
  columns.forEach((column, c) => {
    last.set(column.name, c);
  });
  return [...last.values()];
}

/** How one output column's cells are written. */
type Cell =
  | { kind: 'null' }
  | { kind: 'text'; bytes: Uint8Array }
  | {
      kind: 'instant';
      words: Int32Array;
      column: ReadColumn;
      offsetUs: number;
      zone: boolean;
      format: (ms: number) => string;
      /** The minute whose `YYYY-MM-DDTHH:MM:` prefix is kept, and that prefix. */
      minute: number;
      prefix: Uint8Array;
    }
  | { kind: 'int'; values: Int16Array | Int32Array; column: ReadColumn }
  | { kind: 'int64'; words: Int32Array; column: ReadColumn }
  | { kind: 'float'; values: Float32Array | Float64Array; column: ReadColumn };

function cellOf(
  column: LakeArrowColumn,
  read: ReadFile,
  timestamp: ReadColumn,
  file: LakeArrowFile,
  json: boolean,
): Cell {
  switch (column.source) {
    case 'timestamp_local':
      return instantCell(timestamp, file.utcOffsetUs, false);
    case 'activity_id':
    case 'sport': {
      const text = column.source === 'sport' ? file.sport : file.activityId;
      return { kind: 'text', bytes: utf8(json ? JSON.stringify(text) : quoteCsv(text)) };
    }
    case 'duration':
      // One second per row: `String(Number(1n))`, as the SQL path's BIGINT seconds print.
      return { kind: 'text', bytes: utf8('1') };
    case 'stored': {
      const data = read.columns.get(column.name);
      if (!data) return { kind: 'null' };
      if (column.type === 'timestamp') return instantCell(data, 0, true);
      return storedCell(data);
    }
    default:
      return { kind: 'null' };
  }
}

function instantCell(column: ReadColumn, offsetUs: number, zone: boolean): Cell {
  const words = view(column.bytes, Int32Array);
  const format = isoInstantFormatter(zone);
  return {
    kind: 'instant',
    words,
    column,
    offsetUs,
    zone,
    format,
    minute: Number.NaN,
    prefix: new Uint8Array(0),
  };
}

function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function storedCell(column: ReadColumn): Cell {
  switch (column.format) {
    case 's':
      return { kind: 'int', values: view(column.bytes, Int16Array), column };
    case 'i':
      return { kind: 'int', values: view(column.bytes, Int32Array), column };
    case 'l':
      return { kind: 'int64', words: view(column.bytes, Int32Array), column };
    case 'f':
      return { kind: 'float', values: view(column.bytes, Float32Array), column };
    case 'g':
      return { kind: 'float', values: view(column.bytes, Float64Array), column };
    default:
      throw new Error(`lake file column of format ${column.format} has no text form`);
  }
}

type TypedArrayOf<T> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  BYTES_PER_ELEMENT: number;
};

/** A typed view of a column's bytes (copied first if they are not aligned for it). */
function view<T>(bytes: Uint8Array, type: TypedArrayOf<T>): T {
  const width = type.BYTES_PER_ELEMENT;
  const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  return new type(aligned.buffer, aligned.byteOffset, aligned.byteLength / width);
}

function isPresent(column: ReadColumn, row: number): boolean {
  const { validity } = column;
  if (!validity) return true;
  const bit = row + column.bitOffset;
  return (validity[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

const NULL = utf8('null');

function writeCell(out: TextBytes, cell: Cell, row: number, json: boolean): void {
  switch (cell.kind) {
    case 'text':
      out.bytes(cell.bytes);
      return;
    case 'null':
      if (json) out.bytes(NULL);
      return;
    case 'int':
      if (isPresent(cell.column, row)) out.integer(cell.values[row]!);
      else if (json) out.bytes(NULL);
      return;
    case 'int64':
      if (isPresent(cell.column, row))
        out.ascii(String(cell.words[2 * row + 1]! * 4_294_967_296 + (cell.words[2 * row]! >>> 0)));
      else if (json) out.bytes(NULL);
      return;
    case 'float': {
      if (!isPresent(cell.column, row)) {
        if (json) out.bytes(NULL);
        return;
      }
      const value = cell.values[row]!;
      // JSON.stringify writes a non-finite number as null; CSV writes String(value).
      if (json && !Number.isFinite(value)) out.bytes(NULL);
      else out.ascii(String(value));
      return;
    }
    case 'instant': {
      if (!isPresent(cell.column, row)) {
        if (json) out.bytes(NULL);
        return;
      }
      // Microseconds from two 32-bit halves (exact below 2^53), as text-cells reads them.
      const micros = cell.words[2 * row + 1]! * 4_294_967_296 + (cell.words[2 * row]! >>> 0) + cell.offsetUs;
      if (json) out.byte(QUOTE);
      out.instant(Math.floor(micros / 1000), cell);
      if (json) out.byte(QUOTE);
      return;
    }
  }
}

const QUOTE = 0x22;
/** The last instant `isoInstantFormatter` formats by parts: 9999-12-31T23:59:59.999Z. */
const LAST_ISO_MS = 253_402_300_799_999;

/** A growing buffer of UTF-8 text. */
class TextBytes {
  private buffer: Uint8Array;
  private length = 0;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(Math.max(64, capacity));
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  /** Text of ASCII characters only (numbers, instants). */
  ascii(text: string): void {
    this.reserve(text.length);
    const { buffer } = this;
    let at = this.length;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /**
   * `isoInstantFormatter(zone)(ms)` as bytes: the `YYYY-MM-DDTHH:MM:` prefix kept per minute, the
   * seconds and milliseconds written as digits; out of the formatter's fast range, its text.
   */
  instant(ms: number, cell: Extract<Cell, { kind: 'instant' }>): void {
    if (!(ms >= 0 && ms <= LAST_ISO_MS)) {
      this.ascii(cell.format(ms));
      return;
    }
    const minute = Math.floor(ms / 60_000);
    if (minute !== cell.minute) {
      cell.minute = minute;
      cell.prefix = asciiBytes(new Date(minute * 60_000).toISOString().slice(0, 17));
    }
    this.bytes(cell.prefix);
    this.reserve(8);
    const { buffer } = this;
    const rest = ms - minute * 60_000;
    const seconds = Math.floor(rest / 1000);
    const millis = rest - seconds * 1000;
    buffer[this.length++] = 0x30 + Math.floor(seconds / 10);
    buffer[this.length++] = 0x30 + (seconds % 10);
    if (millis !== 0) {
      buffer[this.length++] = 0x2e;
      buffer[this.length++] = 0x30 + Math.floor(millis / 100);
      buffer[this.length++] = 0x30 + (Math.floor(millis / 10) % 10);
      buffer[this.length++] = 0x30 + (millis % 10);
    }
    if (cell.zone) buffer[this.length++] = 0x5a;
  }

  /** An integer's decimal digits, as `String(value)` writes them. */
  integer(value: number): void {
    this.reserve(12);
    const { buffer } = this;
    let v = value;
    if (v < 0) {
      buffer[this.length++] = 0x2d;
      v = -v;
    }
    if (v < 10) {
      buffer[this.length++] = 0x30 + v;
      return;
    }
    let digits = 0;
    for (let rest = v; rest > 0; rest = Math.floor(rest / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    while (v > 0) {
      const next = Math.floor(v / 10);
      buffer[--at] = 0x30 + (v - next * 10);
      v = next;
    }
  }

  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
