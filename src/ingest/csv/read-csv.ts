import type { ReadResult } from '../../domain/activity.ts';
import { UnreadableFileError } from '../../domain/errors.ts';
import type { DataIssue } from '../../domain/issue.ts';
import { isMetricName, METRIC_NAMES, type MetricName } from '../../domain/metrics.ts';
import { isSportCode } from '../../domain/sport.ts';
import { buildActivities } from '../build-activity.ts';
import { MAX_EXTRA_FIELDS } from '../extra-field-names.ts';
import { parseIsoTime } from '../parse-iso-time.ts';
import { toSnakeCase } from '../to-snake-case.ts';
import { TraceBuilder } from '../trace-builder.ts';
import { type ByteTime, ByteTimeReader, readDecimal } from './byte-cells.ts';

const HOW_TO =
  'A CSV activity has a header row, a `timestamp` column in ISO 8601 with `Z` or an offset ' +
  `(2024-05-10T08:10:46Z, 2024-05-10T10:10:46+02:00), an optional \`sport\` column (e.g. cycling.road) ` +
  `and metric columns named ${METRIC_NAMES.join(', ')}.`;

/**
 * Bounds that keep a hostile file (one 50 MB line of commas) from exhausting memory: the header is
 * at most 64 KiB (so at most 64 Ki names), and rows are split only as far as the columns read.
 */
const MAX_HEADER_CHARS = 64 * 1024;
const MAX_LEADING_BAD_ROWS = 10_000;

type Column =
  | { kind: 'metric'; index: number; metric: MetricName }
  | { kind: 'extra'; index: number; name: string };

/**
 * Reads the canonical CSV layout: one row per reading, metric columns named as in METRICS, other
 * numeric columns kept in `extra`. Values are already canonical units (no cadence doubling).
 * Timestamps must carry `Z` or an offset: a naive time would be guessed in the wrong zone.
 */
export function readCsv(bytes: Uint8Array): ReadResult {
  const lines = new LineReader(bytes);
  let header = lines.next() ? lines.text() : null;
  while (header !== null && header.trim() === '') header = lines.next() ? lines.text() : null;
  const headerText = header ?? '';
  if (headerText.length > MAX_HEADER_CHARS) {
    throw new UnreadableFileError(
      `The first line of this CSV file is not a header row (it is too long). ${HOW_TO}`,
      {
        format: 'csv',
      },
    );
  }
  const delimiter = pickDelimiter(headerText);
  const names = splitLine(headerText, delimiter, MAX_HEADER_CHARS + 1).map((name) =>
    name.trim().toLowerCase(),
  );
  const timeIndex = names.indexOf('timestamp');
  if (timeIndex < 0) {
    throw new UnreadableFileError(`This CSV file has no \`timestamp\` column. ${HOW_TO}`, {
      format: 'csv',
      columns: names.slice(0, 50),
    });
  }
  const sportIndex = names.indexOf('sport');
  const columns: Column[] = [];
  let extraColumns = 0;
  const droppedColumns: string[] = [];
  names.forEach((name, index) => {
    if (index === timeIndex || index === sportIndex || name === '') return;
    if (isMetricName(name)) columns.push({ kind: 'metric', index, metric: name });
    else if (extraColumns < MAX_EXTRA_FIELDS) {
      columns.push({ kind: 'extra', index, name: toSnakeCase(name) });
      extraColumns++;
    } else droppedColumns.push(name);
  });

  const rows = new RowReader(bytes, delimiter, timeIndex, sportIndex, columns);
  while (lines.next()) {
    if (!rows.readBytes(lines.start, lines.end, lines.lineNumber)) {
      const line = lines.text();
      if (line.trim() !== '') rows.readText(line, lines.lineNumber);
    }
    // Thousands of rows in and not one timestamp: this is no activity, stop scanning it.
    if (rows.badTimes >= MAX_LEADING_BAD_ROWS && rows.builder.rowCount === 0) break;
  }
  const { builder, badTimes, notNumbers, textColumns } = rows;
  if (builder.rowCount === 0) {
    throw new UnreadableFileError(`This CSV file has no row with a valid timestamp. ${HOW_TO}`, {
      format: 'csv',
    });
  }

  const issues: DataIssue[] = [];
  const sport = readSport(rows.sportValue, issues);
  if (badTimes > 0) {
    issues.push({
      code: 'corrupt',
      message: `${badTimes} row(s) had no valid timestamp and were skipped.`,
      details: { count: badTimes },
    });
  }
  if (Object.keys(notNumbers).length > 0) {
    issues.push({
      code: 'corrupt',
      message: 'Some metric values were not numbers and were treated as missing.',
      details: { counts: notNumbers },
    });
  }
  if (droppedColumns.length > 0) {
    issues.push({
      code: 'field_limit',
      message:
        `The file has more than ${MAX_EXTRA_FIELDS} extra columns; the first ${MAX_EXTRA_FIELDS} were read and ` +
        `${droppedColumns.length} were dropped.`,
      details: {
        maxFields: MAX_EXTRA_FIELDS,
        droppedColumns: droppedColumns.length,
        examples: droppedColumns.slice(0, 5),
      },
    });
  }
  const trace = builder.build();
  // A column with any text in it is not a numeric field (e.g. a note or a device name).
  for (const name of textColumns) delete trace.extra[name];
  const activities = buildActivities({
    sport,
    trace,
    laps: [],
    utcOffsetS: rows.utcOffsetS,
    timerS: null,
    device: null,
    deviceSummary: {},
    issues,
  });
  if (activities.length === 0)
    throw new UnreadableFileError(`This CSV file holds no usable rows. ${HOW_TO}`, { format: 'csv' });
  return { format: 'csv', activities, issues: [] };
}

function readSport(value: string | null, issues: DataIssue[]): string {
  const code = value?.toLowerCase() ?? null;
  if (code && isSportCode(code)) return code;
  issues.push({
    code: 'unknown_sport',
    message: value
      ? `The sport "${value}" is not an Open Sport Taxonomy code (e.g. cycling.road, running+stationary); it was stored as "generic".`
      : 'The CSV file has no `sport` value; the activity was stored as "generic".',
    details: { value },
  });
  return 'generic';
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** Keeps a byte-order mark: only the one opening the file is dropped (as decodeText does). */
const LINE_DECODER = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Reads lines one at a time as byte ranges, without decoding the file or splitting it into
 * strings. The ranges are those of the lines of `decodeText(bytes)`: line breaks are ASCII, which
 * UTF-8 never uses inside a character (a damaged sequence before one ends there, as U+FFFD), so a
 * line decoded alone is the same text as that line cut from the decoded file.
 */
class LineReader {
  readonly #bytes: Uint8Array;
  readonly #newline: number;
  #next: number;
  /** 1-based number of the line last read. */
  lineNumber = 0;
  /** Byte range of the line last read, without its line break. */
  start = 0;
  end = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#next = UTF8_BOM.every((byte, i) => bytes[i] === byte) ? UTF8_BOM.length : 0;
    this.#newline = bytes.includes(LF, this.#next) ? LF : CR;
  }

  /** Moves to the next line; false at the end. */
  next(): boolean {
    const bytes = this.#bytes;
    if (this.#next > bytes.length) return false;
    let end = bytes.indexOf(this.#newline, this.#next);
    if (end < 0) end = bytes.length;
    this.start = this.#next;
    this.end = end > this.start && bytes[end - 1] === CR ? end - 1 : end;
    this.#next = end + 1;
    this.lineNumber++;
    return true;
  }

  /** The line last read, as text. */
  text(): string {
    return LINE_DECODER.decode(this.#bytes.subarray(this.start, this.end));
  }
}

/**
 * Reads data rows into a TraceBuilder. A row is read from its bytes when it has no quote in the
 * cells read; its cells are then read by the byte readers of byte-cells.ts where they accept the
 * cell, and as text (the same rules) where they do not. Other rows are read as text.
 */
class RowReader {
  readonly builder = new TraceBuilder();
  readonly notNumbers: Record<string, number> = {};
  readonly textColumns = new Set<string>();
  sportValue: string | null = null;
  utcOffsetS: number | null = null;
  badTimes = 0;

  readonly #bytes: Uint8Array;
  readonly #delimiter: string;
  readonly #delimiterByte: number;
  readonly #timeIndex: number;
  readonly #sportIndex: number;
  readonly #columns: readonly Column[];
  /** Cells after the last column read are never split off, however wide the file. */
  readonly #cellsRead: number;
  /** Byte ranges of the current row's cells (bytes path). */
  readonly #cellStarts: Int32Array;
  readonly #cellEnds: Int32Array;
  readonly #times = new ByteTimeReader();
  readonly #time: ByteTime = { epochS: 0, offsetS: 0 };

  constructor(
    bytes: Uint8Array,
    delimiter: string,
    timeIndex: number,
    sportIndex: number,
    columns: readonly Column[],
  ) {
    this.#bytes = bytes;
    this.#delimiter = delimiter;
    this.#delimiterByte = delimiter.charCodeAt(0);
    this.#timeIndex = timeIndex;
    this.#sportIndex = sportIndex;
    this.#columns = columns;
    this.#cellsRead = Math.max(timeIndex, sportIndex, ...columns.map((c) => c.index)) + 1;
    this.#cellStarts = new Int32Array(this.#cellsRead);
    this.#cellEnds = new Int32Array(this.#cellsRead);
  }

  /**
   * Reads the row in bytes[start, end) when it can be read from its bytes: it starts with a
   * printable ASCII character (so it is not blank) and has no quote in the cells read. False,
   * having read nothing, otherwise.
   */
  readBytes(start: number, end: number, lineNumber: number): boolean {
    const bytes = this.#bytes;
    if (start === end || bytes[start]! <= 0x20 || bytes[start]! >= 0x7f) return false;
    const starts = this.#cellStarts;
    const ends = this.#cellEnds;
    const delimiter = this.#delimiterByte;
    let cells = 0;
    starts[0] = start;
    let at = start;
    for (; at < end; at++) {
      const byte = bytes[at]!;
      if (byte === delimiter) {
        ends[cells++] = at;
        if (cells === this.#cellsRead) break;
        starts[cells] = at + 1;
      } else if (byte === QUOTE) return false;
    }
    if (at === end) ends[cells++] = end;

    const timeIndex = this.#timeIndex;
    const time = this.#time;
    if (timeIndex < cells && this.#times.read(bytes, starts[timeIndex]!, ends[timeIndex]!, time)) {
      if (this.builder.rowCount === 0) this.utcOffsetS = time.offsetS;
      this.builder.addRow(time.epochS);
    } else if (!this.#addTime(this.#cellText(timeIndex, cells), lineNumber)) return true;

    const sportIndex = this.#sportIndex;
    if (this.sportValue === null && sportIndex >= 0)
      this.sportValue = this.#cellText(sportIndex, cells).trim() || null;
    for (const column of this.#columns) {
      const index = column.index;
      if (index >= cells || starts[index] === ends[index]) continue;
      const value = readDecimal(bytes, starts[index]!, ends[index]!);
      if (value === null) this.#addCell(column, this.#cellText(index, cells).trim());
      else if (column.kind === 'metric') this.builder.set(column.metric, value);
      else this.builder.setExtra(column.name, value);
    }
    return true;
  }

  /** Reads a row from its text (not blank). */
  readText(line: string, lineNumber: number): void {
    // Cells past the header's columns are ignored, so a hostile line cannot explode into millions.
    const cells = splitLine(line, this.#delimiter, this.#cellsRead);
    if (!this.#addTime(cells[this.#timeIndex] ?? '', lineNumber)) return;
    if (this.sportValue === null && this.#sportIndex >= 0)
      this.sportValue = cells[this.#sportIndex]?.trim() || null;
    for (const column of this.#columns) this.#addCell(column, (cells[column.index] ?? '').trim());
  }

  /** Cell `index` of the current bytes row as text ('' when the row is shorter). */
  #cellText(index: number, cells: number): string {
    if (index >= cells) return '';
    return LINE_DECODER.decode(this.#bytes.subarray(this.#cellStarts[index], this.#cellEnds[index]));
  }

  /** Starts a row at the time in `cell`; false (a bad time counted) when it holds none. */
  #addTime(cell: string, lineNumber: number): boolean {
    const stamp = cell.trim();
    const time = parseIsoTime(stamp);
    if (!time) {
      this.badTimes++;
      return false;
    }
    if (time.offsetS === null) {
      throw new UnreadableFileError(
        `The timestamp "${stamp}" on line ${lineNumber} has no time zone. Add \`Z\` for UTC ` +
          '(2024-05-10T08:10:46Z) or the offset from UTC (2024-05-10T10:10:46+02:00) to every timestamp.',
        { format: 'csv', line: lineNumber, value: stamp },
      );
    }
    if (this.builder.rowCount === 0) this.utcOffsetS = time.offsetS;
    this.builder.addRow(time.epochS);
    return true;
  }

  /** Reads one trimmed cell as text: a number, or a counted text value. */
  #addCell(column: Column, cell: string): void {
    if (cell === '') return;
    const value = Number(cell);
    const name = column.kind === 'metric' ? column.metric : column.name;
    if (Number.isNaN(value)) {
      if (column.kind === 'metric') this.notNumbers[name] = (this.notNumbers[name] ?? 0) + 1;
      else this.textColumns.add(name);
      return;
    }
    if (column.kind === 'metric') this.builder.set(column.metric, value);
    else this.builder.setExtra(column.name, value);
  }
}

/** The delimiter the header uses most: comma, semicolon or tab. */
function pickDelimiter(header: string): string {
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t']) {
    let count = 0;
    for (let at = header.indexOf(candidate); at >= 0; at = header.indexOf(candidate, at + 1)) count++;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/** Splits one CSV line into at most `limit` cells; double-quoted cells may hold the delimiter and `""` for a quote. */
function splitLine(line: string, delimiter: string, limit: number): string[] {
  if (!line.includes('"')) return line.split(delimiter, limit);
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      cells.push(cell);
      if (cells.length === limit) return cells;
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
