import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CanonicalActivity, ReadResult, SourceFormat } from '../../src/domain/activity.ts';
import { UnreadableFileError } from '../../src/domain/errors.ts';
import {
  MAX_EXTRA_FIELDS,
  RESERVED_COLUMN_NAMES,
  renameExtraFields,
} from '../../src/ingest/extra-field-names.ts';
import { FORMAT_READERS, type FormatReader, readActivityFile } from '../../src/ingest/read-activity-file.ts';
import {
  MAX_ACTIVITIES_PER_FILE,
  MAX_ACTIVITY_SPAN_S,
  MAX_GAP_S,
} from '../../src/ingest/recording-bounds.ts';
import { closeTruncatedXml } from '../../src/ingest/xml/close-truncated-xml.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { buildFitFile, type FitRecordInput } from './helpers/fit-file.ts';

/**
 * Hostile and damaged files that once blocked or blew up the server (issue 14). Every case is built
 * here from bytes; each asserts what comes out and that memory stays bounded. Time is shown by
 * benchmarks, not asserted here.
 */

const T0 = 1_715_328_646;
const YEAR_S = 365 * 86_400;
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const iso = (epochS: number): string => new Date(epochS * 1000).toISOString().replace('.000Z', 'Z');
const codes = (issues: { code: string }[]): string[] => issues.map((issue) => issue.code);
/** Generous: the failures this guards against grew the process by gigabytes. */
const MAX_RSS_GROWTH_BYTES = 400 * 1024 * 1024;
const SAFE_COLUMN = /^[a-z][a-z0-9_]{0,62}$/;

/** Reads the file and checks memory growth; returns the result or the error thrown. */
function readBounded(bytes: Uint8Array, fileName?: string): ReadResult | unknown {
  const rssBefore = process.memoryUsage().rss;
  let outcome: ReadResult | unknown;
  try {
    outcome = readActivityFile(bytes, fileName);
  } catch (error) {
    outcome = error;
  }
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  return outcome;
}

function readOk(bytes: Uint8Array, fileName?: string): ReadResult {
  const outcome = readBounded(bytes, fileName);
  if (outcome instanceof Error) throw outcome;
  const result = outcome as ReadResult;
  for (const activity of result.activities) expectBounded(activity);
  return result;
}

function expectBounded(activity: CanonicalActivity): void {
  expect(activity.endS - activity.startS).toBeLessThan(MAX_ACTIVITY_SPAN_S);
  const time = activity.samples.timestampS;
  for (let i = 1; i < time.length; i++) expect(time[i]! > time[i - 1]!).toBe(true);
  expect(Object.keys(activity.samples.extra).length).toBeLessThanOrEqual(MAX_EXTRA_FIELDS);
  for (const name of Object.keys(activity.samples.extra)) {
    expect(name).toMatch(SAFE_COLUMN);
    expect(RESERVED_COLUMN_NAMES.has(name)).toBe(false);
  }
}

function fitRide(startS: number, seconds: number, extra: Partial<FitRecordInput> = {}): FitRecordInput[] {
  return Array.from({ length: seconds }, (_, s) => ({
    timeS: startS + s,
    power: 200 + (s % 50),
    heartRate: 130 + (s % 20),
    ...extra,
  }));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe('readActivityFile() keeps every activity within bounded time', () => {
  it('splits a two-row CSV whose rows are 30 days apart into two one-second activities', () => {
    const bytes = encode(`timestamp,power\n${iso(T0)},200\n${iso(T0 + 30 * 86_400)},210\n`);
    const result = readOk(bytes, 'two-rows.csv');
    expect(result.activities.map((a) => [a.startS, a.endS, a.samples.timestampS.length])).toEqual([
      [T0, T0, 1],
      [T0 + 30 * 86_400, T0 + 30 * 86_400, 1],
    ]);
    expect(codes(result.activities[0]!.issues)).toContain('recording_split');
  });

  it('drops a FIT record whose timestamp was corrupted 10 years away, with a timestamp_outlier issue', () => {
    const records = fitRide(T0, 3000, { cadence: 90, speedMps: 8, altitudeM: 100 });
    records[1500] = { ...records[1500]!, timeS: T0 + 1500 + 10 * YEAR_S };
    const bytes = buildFitFile({
      records,
      session: { sport: 'cycling', subSport: 'road', startS: T0, elapsedS: 3000 },
    });
    const [activity, ...others] = readOk(bytes, 'ride.fit').activities;
    expect(others).toEqual([]);
    expect(activity!.samples.timestampS.length).toBe(2999);
    expect([activity!.startS, activity!.endS]).toEqual([T0, T0 + 2999]);
    expect(activity!.issues.find((i) => i.code === 'timestamp_outlier')?.details).toMatchObject({ count: 1 });
    // The session summary still describes this one activity.
    expect(activity!.deviceSummary.elapsedS).toBe(3000);
  });

  it('drops a corrupted timestamp years before the rest too, and keeps a real second ride hours later', () => {
    const rows = ['timestamp,power'];
    rows.push(`${iso(T0 - 7 * YEAR_S)},999`);
    for (let s = 0; s < 600; s++) rows.push(`${iso(T0 + s)},200`);
    for (let s = 0; s < 300; s++) rows.push(`${iso(T0 + 6 * 3600 + s)},150`);
    const result = readOk(encode(rows.join('\n')), 'rides.csv');
    expect(result.activities.map((a) => a.samples.timestampS.length)).toEqual([600, 300]);
    expect(codes(result.activities[0]!.issues)).toEqual(
      expect.arrayContaining(['timestamp_outlier', 'recording_split']),
    );
  });

  it(`drops records more than ${MAX_ACTIVITY_SPAN_S / 3600} h after the start when no gap exceeds ${MAX_GAP_S / 3600} h`, () => {
    const rows = ['timestamp,power'];
    // One record every 3 h for four years: one "recording" by the gap rule, 11,680 records.
    for (let k = 0; k < 11_680; k++) rows.push(`${iso(T0 + k * 3 * 3600)},200`);
    const [activity, ...others] = readOk(encode(rows.join('\n')), 'slow.csv').activities;
    expect(others).toEqual([]);
    expect(activity!.samples.timestampS.length).toBe(MAX_ACTIVITY_SPAN_S / (3 * 3600));
    expect(activity!.issues.find((i) => i.code === 'span_limit')?.details).toMatchObject({
      count: 11_680 - MAX_ACTIVITY_SPAN_S / (3 * 3600),
    });
  });

  it(`rejects a file whose timestamps scatter over more than ${MAX_ACTIVITIES_PER_FILE} periods`, () => {
    const rows = ['timestamp,power'];
    for (let k = 0; k < 150; k++) rows.push(`${iso(T0 + k * 5 * 3600)},200`);
    const error = readBounded(encode(rows.join('\n')), 'scattered.csv');
    expect(error).toBeInstanceOf(UnreadableFileError);
    expect((error as UnreadableFileError).code).toBe('ERR_INGEST_UNREADABLE');
    expect((error as UnreadableFileError).details).toMatchObject({ reason: 'time_scattered', periods: 150 });
  });

  it('caps a session that states an absurd duration and holds no records', () => {
    const bytes = buildFitFile({
      records: [],
      session: { sport: 'cycling', startS: T0, elapsedS: 10 * YEAR_S },
    });
    const [activity] = readOk(bytes, 'empty.fit').activities;
    expect(activity!.endS - activity!.startS).toBe(MAX_ACTIVITY_SPAN_S - 1);
    expect(codes(activity!.issues)).toEqual(expect.arrayContaining(['no_records', 'span_limit']));
  });
});

describe('readActivityFile() keeps extra fields bounded and out of reserved names', () => {
  it(`keeps the first ${MAX_EXTRA_FIELDS} of 10,000 distinct GPX extension names, with one field_limit issue`, () => {
    const points = Array.from(
      { length: 10_000 },
      (_, i) =>
        `<trkpt lat="45.1" lon="7.1"><time>${iso(T0 + i)}</time><extensions><hr>140</hr><field_number_${i}>${i}</field_number_${i}></extensions></trkpt>`,
    );
    const gpx = `<?xml version="1.0"?><gpx version="1.1"><trk><type>cycling</type><trkseg>${points.join('\n')}</trkseg></trk></gpx>`;
    const result = readOk(encode(gpx), 'names.gpx');
    const [activity] = result.activities;
    expect(activity!.samples.timestampS.length).toBe(10_000);
    expect(Object.keys(activity!.samples.extra)).toHaveLength(MAX_EXTRA_FIELDS);
    expect(activity!.samples.columns.heart_rate!.every((bpm) => bpm === 140)).toBe(true);
    expect(activity!.issues.find((i) => i.code === 'field_limit')?.details).toMatchObject({
      droppedReadings: 10_000 - MAX_EXTRA_FIELDS,
    });
  });

  it(`reads only the first ${MAX_EXTRA_FIELDS} extra columns of a CSV with 5,000 columns`, () => {
    const names = Array.from({ length: 4_999 }, (_, i) => `c${i}`);
    const rows = [`timestamp,power,${names.join(',')}`];
    for (let r = 0; r < 200; r++)
      rows.push(`${iso(T0 + r)},200,${names.map((_, i) => (i + r) % 10).join(',')}`);
    const [activity] = readOk(encode(rows.join('\n')), 'wide.csv').activities;
    expect(Object.keys(activity!.samples.extra)).toEqual(names.slice(0, MAX_EXTRA_FIELDS));
    expect(activity!.samples.columns.power).toHaveLength(200);
    expect(activity!.issues.find((i) => i.code === 'field_limit')?.details).toMatchObject({
      droppedColumns: 4_999 - 64,
    });
  });

  it('renames FIT developer fields named like store columns or metrics, without collisions', () => {
    const bytes = buildFitFile({
      records: fitRide(T0, 30).map((r) => ({ ...r, developerFields: { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5 } })),
      session: { sport: 'cycling' },
      developerFields: {
        0: { name: 'timestamp_s', units: '' },
        1: { name: 'activity_id', units: '' },
        2: { name: 'Heart Rate', units: 'bpm' },
        3: { name: 'heart_rate_extra', units: '' },
        4: { name: 'timestamp', units: '' },
      },
    });
    const [activity] = readOk(bytes, 'devfields.fit').activities;
    expect(Object.keys(activity!.samples.extra)).toEqual([
      'timestamp_s_extra',
      'activity_id_extra',
      'heart_rate_extra_2',
      'heart_rate_extra',
      'timestamp_extra',
    ]);
    // The native heart rate is untouched by the developer field of the same name.
    expect(activity!.samples.columns.heart_rate![0]).toBe(130);
    expect(activity!.samples.extra.heart_rate_extra_2![0]).toBe(3);
    expect(codes(activity!.issues)).toContain('reserved_field_name');
  });

  it('renames GPX extensions and CSV columns named like reserved columns', () => {
    const gpx = `<gpx><trk><trkseg>${[0, 1, 2]
      .map(
        (s) =>
          `<trkpt lat="1" lon="2"><time>${iso(T0 + s)}</time><extensions><timestamp_s>9</timestamp_s><sport>1</sport><duration>3</duration></extensions></trkpt>`,
      )
      .join('')}</trkseg></trk></gpx>`;
    const [fromGpx] = readOk(encode(gpx), 'x.gpx').activities;
    expect(Object.keys(fromGpx!.samples.extra)).toEqual([
      'timestamp_s_extra',
      'sport_extra',
      'duration_extra',
    ]);
    const csv = `timestamp,Activity ID,Year,latitude,timestamp local\n${iso(T0)},1,2,45,3\n${iso(T0 + 1)},1,2,45,3\n`;
    const [fromCsv] = readOk(encode(csv), 'x.csv').activities;
    expect(Object.keys(fromCsv!.samples.extra)).toEqual([
      'activity_id_extra',
      'year_extra',
      'timestamp_local_extra',
    ]);
  });

  it('gives adversarial field names unique, safe, unreserved column names, the same way every time', () => {
    const names = [
      'power',
      'power_extra',
      'power_extra_2',
      '1st sensor',
      '_',
      'x'.repeat(200),
      `${'x'.repeat(200)}y`,
      'ÉNERGIE',
      'timestamp',
      'timestamp_extra',
    ];
    const extra = Object.fromEntries(names.map((name, i) => [name, Float64Array.of(i)]));
    const first = renameExtraFields(extra);
    const out = Object.keys(first.extra);
    expect(new Set(out).size).toBe(names.length);
    for (const name of out) {
      expect(name).toMatch(SAFE_COLUMN);
      expect(RESERVED_COLUMN_NAMES.has(name)).toBe(false);
    }
    expect(renameExtraFields(extra).renamed).toEqual(first.renamed);
    expect(first.extra.power_extra![0]).toBe(1);
  });
});

describe('readActivityFile() on chained and cut-off files', () => {
  it('reads a FIT ride chained 500 times as one activity with each record once', () => {
    const ride = buildFitFile({ records: fitRide(T0, 120), session: { sport: 'cycling', subSport: 'road' } });
    const result = readOk(concat(Array.from({ length: 500 }, () => ride)), 'chained.fit');
    expect(result.activities).toHaveLength(1);
    const [activity] = result.activities;
    expect(activity!.samples.timestampS.length).toBe(120);
    expect(codes(activity!.issues)).not.toContain('duplicate_timestamp');
    expect(result.issues.find((i) => i.code === 'duplicate_session')?.details).toEqual({
      sessions: 499,
      records: 499 * 120,
    });
  });

  it(`keeps the first ${MAX_ACTIVITIES_PER_FILE} of 150 different chained sessions, with an activity_limit issue`, () => {
    const files = Array.from({ length: 150 }, (_, k) =>
      buildFitFile({ records: fitRide(T0 + k * 600, 10), session: { sport: 'running' } }),
    );
    const result = readOk(concat(files), 'many.fit');
    expect(result.activities).toHaveLength(MAX_ACTIVITIES_PER_FILE);
    expect(result.activities.every((a) => a.samples.timestampS.length === 10)).toBe(true);
    expect(codes(result.issues)).toContain('activity_limit');
  });

  it('salvages a 1 MB TCX cut in the middle of a trackpoint', () => {
    const points = Array.from(
      { length: 7_000 },
      (_, s) =>
        `<Trackpoint><Time>${iso(T0 + s)}</Time><HeartRateBpm><Value>140</Value></HeartRateBpm><Extensions><ns3:TPX><ns3:Watts>200</ns3:Watts></ns3:TPX></Extensions></Trackpoint>\n`,
    );
    const tcx = `<?xml version="1.0"?><TrainingCenterDatabase xmlns:ns3="x"><Activities><Activity Sport="Biking"><Id>${iso(T0)}</Id><Lap StartTime="${iso(T0)}"><Track>${points.join('')}`;
    const cut = tcx.slice(0, 1_000_000);
    expect(cut.length).toBe(1_000_000);
    const result = readOk(encode(cut), 'cut.tcx');
    const complete = (cut.match(/<\/Trackpoint>/g) ?? []).length;
    expect(result.activities[0]!.samples.timestampS.length).toBe(complete);
    expect(codes(result.issues)).toEqual(['truncated']);
  });

  it('salvages cut-off XML full of tags that never close, and rejects what stays broken', () => {
    const head = '<gpx><trk><trkseg>';
    const point = (s: number): string => `<trkpt lat="1" lon="2"><time>${iso(T0 + s)}</time></trkpt>`;
    const bait = `${head}${point(0)}<desc>${'<a'.repeat(90_000)}'</desc>${point(1)}<trkpt lat="1"`;
    expect(closeTruncatedXml(bait, 'trkpt')).toMatch(/<\/trkpt><\/trkseg><\/trk><\/gpx>$/);
    expect(readBounded(encode(bait), 'bait.gpx')).toBeInstanceOf(UnreadableFileError);
    const comments = `${head}${point(0)}${'<!--<?<![CDATA['.repeat(20_000)}`;
    expect(closeTruncatedXml(comments, 'trkpt')).toBe(`${head}${point(0)}</trkseg></trk></gpx>`);
    const unclosed = `${head}${point(0)}${'</trkpt>'.repeat(50_000)}${'<x>'.repeat(50_000)}${point(1)}`;
    expect(closeTruncatedXml(unclosed, 'trkpt')!.endsWith('</trkseg></trk></gpx>')).toBe(true);
  });
});

/** The reader table, writable so a test can put a failing decoder in it (restored after each test). */
const MUTABLE_READERS = FORMAT_READERS as Record<SourceFormat, FormatReader>;

describe('readActivityFile() when a decoder fails unexpectedly', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('turns any exception into ERR_INGEST_DECODE_FAILED without internals in the message', () => {
    const boom = new TypeError(
      "Cannot read properties of undefined (reading 'x') at /srv/peakform/node_modules/x.js:1:2",
    );
    vi.spyOn(MUTABLE_READERS, 'csv').mockImplementation(() => {
      throw boom;
    });
    const error = readBounded(csvRide({ startIso: '2024-05-10T08:00:00Z', durationS: 10 }), 'ride.csv');
    expect(error).toBeInstanceOf(UnreadableFileError);
    expect((error as UnreadableFileError).code).toBe('ERR_INGEST_DECODE_FAILED');
    expect((error as UnreadableFileError).status).toBe(422);
    expect((error as UnreadableFileError).message).toMatch(/^This CSV file could not be decoded/);
    expect((error as UnreadableFileError).message).not.toMatch(/srv|node_modules|TypeError|at /);
    expect((error as UnreadableFileError).cause).toBe(boom);
  });

  it('turns a stack overflow and a thrown non-error into ERR_INGEST_DECODE_FAILED too', () => {
    const recurse = (depth: number): ReadResult => {
      const result = recurse(depth + 1);
      return { ...result, activities: result.activities.slice(depth) };
    };
    vi.spyOn(MUTABLE_READERS, 'gpx').mockImplementation(() => recurse(0));
    const overflow = readBounded(encode('<gpx></gpx>'), 'x.gpx');
    expect((overflow as UnreadableFileError).code).toBe('ERR_INGEST_DECODE_FAILED');
    vi.spyOn(MUTABLE_READERS, 'fit').mockImplementation(() => {
      throw 'a string';
    });
    const thrownString = readBounded(buildFitFile({ records: fitRide(T0, 5) }), 'x.fit');
    expect((thrownString as UnreadableFileError).code).toBe('ERR_INGEST_DECODE_FAILED');
  });
});
