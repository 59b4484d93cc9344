/**
 * readCsv as it was before it read rows from their bytes (commit a576f6c): the whole file decoded,
 * one string per line, `splitLine`, `parseIsoTime` and `Number` on every cell. Kept as the
 * reference the byte reader is compared with (csv-bytes.test.ts).
 */
import type { ReadResult } from '../../../src/domain/activity.ts';
import { UnreadableFileError } from '../../../src/domain/errors.ts';
import type { DataIssue } from '../../../src/domain/issue.ts';
import { isMetricName, METRIC_NAMES, type MetricName } from '../../../src/domain/metrics.ts';
import { isSportCode } from '../../../src/domain/sport.ts';
import { buildActivities } from '../../../src/ingest/build-activity.ts';
import { decodeText } from '../../../src/ingest/decode-text.ts';
import { MAX_EXTRA_FIELDS } from '../../../src/ingest/extra-field-names.ts';
import { parseIsoTime } from '../../../src/ingest/parse-iso-time.ts';
import { toSnakeCase } from '../../../src/ingest/to-snake-case.ts';
import { TraceBuilder } from '../../../src/ingest/trace-builder.ts';

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
export function referenceReadCsv(bytes: Uint8Array): ReadResult {
  const lines = new LineReader(decodeText(bytes));
  let header = lines.next();
  while (header !== null && header.trim() === '') header = lines.next();
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
  // Cells after the last column read are never split off, however wide the file.
  const cellsRead = Math.max(timeIndex, sportIndex, ...columns.map((c) => c.index)) + 1;

  const builder = new TraceBuilder();
  const notNumbers: Record<string, number> = {};
  const textColumns = new Set<string>();
  let sportValue: string | null = null;
  let utcOffsetS: number | null = null;
  let badTimes = 0;
  for (let line = lines.next(); line !== null; line = lines.next()) {
    if (line.trim() === '') continue;
    const lineNumber = lines.lineNumber;
    // Cells past the header's columns are ignored, so a hostile line cannot explode into millions.
    const cells = splitLine(line, delimiter, cellsRead);
    const stamp = (cells[timeIndex] ?? '').trim();
    const time = parseIsoTime(stamp);
    if (!time) {
      badTimes++;
      // Thousands of rows in and not one timestamp: this is no activity, stop scanning it.
      if (badTimes >= MAX_LEADING_BAD_ROWS && builder.rowCount === 0) break;
      continue;
    }
    if (time.offsetS === null) {
      throw new UnreadableFileError(
        `The timestamp "${stamp}" on line ${lineNumber} has no time zone. Add \`Z\` for UTC ` +
          '(2024-05-10T08:10:46Z) or the offset from UTC (2024-05-10T10:10:46+02:00) to every timestamp.',
        { format: 'csv', line: lineNumber, value: stamp },
      );
    }
    if (builder.rowCount === 0) utcOffsetS = time.offsetS;
    builder.addRow(time.epochS);
    if (sportValue === null && sportIndex >= 0) sportValue = cells[sportIndex]?.trim() || null;
    for (const column of columns) {
      const cell = (cells[column.index] ?? '').trim();
      if (cell === '') continue;
      const value = Number(cell);
      const name = column.kind === 'metric' ? column.metric : column.name;
      if (Number.isNaN(value)) {
        if (column.kind === 'metric') notNumbers[name] = (notNumbers[name] ?? 0) + 1;
        else textColumns.add(name);
        continue;
      }
      if (column.kind === 'metric') builder.set(column.metric, value);
      else builder.setExtra(column.name, value);
    }
  }
  if (builder.rowCount === 0) {
    throw new UnreadableFileError(`This CSV file has no row with a valid timestamp. ${HOW_TO}`, {
      format: 'csv',
    });
  }

  const issues: DataIssue[] = [];
  const sport = readSport(sportValue, issues);
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
    utcOffsetS,
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

/** Reads lines one at a time without splitting a large file into one array of strings. */
class LineReader {
  readonly #text: string;
  readonly #newline: string;
  #start = 0;
  /** 1-based number of the line last returned. */
  lineNumber = 0;

  constructor(text: string) {
    this.#text = text;
    this.#newline = text.includes('\n') ? '\n' : '\r';
  }

  /** The next line without its line break, or null at the end. */
  next(): string | null {
    if (this.#start > this.#text.length) return null;
    let end = this.#text.indexOf(this.#newline, this.#start);
    if (end < 0) end = this.#text.length;
    const line = this.#text.slice(this.#start, end);
    this.#start = end + 1;
    this.lineNumber++;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
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
