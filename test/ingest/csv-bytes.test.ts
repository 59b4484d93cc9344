import { describe, expect, it } from 'vitest';
import { planSyntheticActivities, syntheticActivityCsv } from '../../src/demo/synthetic-activities.ts';
import { type ByteTime, ByteTimeReader, readDecimal } from '../../src/ingest/csv/byte-cells.ts';
import { readCsv } from '../../src/ingest/csv/read-csv.ts';
import { parseIsoTime } from '../../src/ingest/parse-iso-time.ts';
import { referenceReadCsv } from './helpers/reference-read-csv.ts';

/**
 * Differential test of readCsv's byte path (rows split by byte ranges, byte-cells.ts for
 * timestamps and decimals) against the string reader it replaced (helpers/reference-read-csv.ts):
 * on seeded random files full of edge cases, and on the synthetic athlete's files, both give the
 * same activities (every column bit for bit), issues and errors. The byte readers alone are
 * compared with parseIsoTime and Number, and must accept the common shapes (or the test would
 * only ever exercise the fallback).
 */

const SEED = 0x11_0c5f;

/** mulberry32: a small seeded generator, so every run checks the same cases. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const encoder = new TextEncoder();
const bytesOf = (text: string): Uint8Array => encoder.encode(text);

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** A timestamp, mostly in the shapes the byte reader takes, often in others or damaged. */
function randomStamp(next: () => number, pick: <T>(items: readonly T[]) => T, baseS: number): string {
  const date = new Date((baseS + Math.floor(next() * 4 * 86_400)) * 1000);
  let year = pad(date.getUTCFullYear(), 4);
  let month = pad(date.getUTCMonth() + 1, 2);
  let day = pad(date.getUTCDate(), 2);
  let hour = pad(date.getUTCHours(), 2);
  const minute = pad(date.getUTCMinutes(), 2);
  let second = pad(date.getUTCSeconds(), 2);
  if (next() < 0.05)
    [year, month, day] = pick([
      ['2024', '02', '29'],
      ['2023', '02', '29'],
      ['2024', '02', '30'],
      ['2023', '13', '01'],
      ['2023', '00', '10'],
      ['2023', '04', '31'],
      ['0000', '01', '01'],
      ['0099', '12', '31'],
      ['1969', '12', '31'],
      ['9999', '12', '31'],
    ]);
  if (next() < 0.03) hour = pick(['24', '23', '00', '99']);
  if (next() < 0.03) second = pick(['60', '61', '59']);
  const fraction = next() < 0.3 ? `.${'0123456789'.repeat(3).slice(0, 1 + Math.floor(next() * 20))}` : '';
  const zone = pick([
    'Z',
    'Z',
    '+01:00',
    '-05:00',
    '+05:45',
    '-00:00',
    '+00:00',
    '+14:00',
    '+18:59',
    '+19:00',
    '-03:60',
    '+0530',
    '+05',
    'z',
    '',
    '+5:30',
    'Z ',
  ]);
  const separator = next() < 0.9 ? 'T' : pick(['t', ' ', '_']);
  const seconds = next() < 0.97 ? `:${second}` : '';
  const stamp = `${year}-${month}-${day}${separator}${hour}:${minute}${seconds}${fraction}${zone}`;
  return next() < 0.04 ? pick([` ${stamp}`, `${stamp} `, `\u00a0${stamp}`, '', 'garbage']) : stamp;
}

const NUMBER_CELLS = [
  '0',
  '-0',
  '007',
  '5.',
  '.5',
  '-.5',
  '+5',
  '1e3',
  '1E-2',
  '0x1F',
  '0b11',
  'Infinity',
  '-Infinity',
  'NaN',
  ' 12 ',
  '12 ',
  '\u00a012',
  '１２',
  'abc',
  '1_000',
  '123456789012345',
  '1234567890123456',
  '12345678901234567890123456789',
  '0.1234567890123456789',
  '-999999999999999',
  '1.7976931348623157e308',
  '1e400',
  '--1',
  '1.2.3',
  '-',
  '.',
  '"12"',
  '"1,5"',
  '"a""b"',
  '1,5',
  '\ufeff7',
];

function randomNumberCell(next: () => number, pick: <T>(items: readonly T[]) => T): string {
  const r = next();
  if (r < 0.25) return String(Math.floor(next() * 400));
  if (r < 0.55) return (next() * 1000 - 100).toFixed(Math.floor(next() * 7));
  if (r < 0.65) return '';
  return pick(NUMBER_CELLS);
}

const COLUMN_NAMES = [
  'power',
  'heart_rate',
  'cadence',
  'speed',
  'distance',
  'altitude',
  'temperature',
  'lap',
  'Note',
  'my field',
  'Power ',
  'timestamp_s',
  'respiration rate',
  '',
];

/** A random CSV file: header, then rows of every kind; returned as bytes, sometimes damaged. */
function randomCsv(next: () => number): Uint8Array {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const delimiter = pick([',', ',', ';', '\t']);
  const newline = pick(['\n', '\r\n', '\r']);
  const names = COLUMN_NAMES.filter(() => next() < 0.4);
  names.splice(Math.floor(next() * (names.length + 1)), 0, next() < 0.95 ? 'timestamp' : ' Timestamp ');
  if (next() < 0.7) names.splice(Math.floor(next() * (names.length + 1)), 0, 'sport');
  const baseS = 1_577_836_800 + Math.floor(next() * 200_000_000);
  const lines: string[] = [names.join(delimiter) + (next() < 0.2 ? delimiter : '')];
  const rowCount = Math.floor(next() * 60);
  for (let row = 0; row < rowCount; row++) {
    const kind = next();
    if (kind < 0.03) lines.push('');
    else if (kind < 0.05) lines.push(pick(['   ', '\t', '\u00a0', '\ufeff']));
    else if (kind < 0.07) lines.push(pick(['garbage', '#comment,1,2', ',,,,', '"unterminated,1']));
    else {
      const cells = names.map((name) => {
        if (name.trim().toLowerCase() === 'timestamp') return randomStamp(next, pick, baseS);
        if (name === 'sport')
          return next() < 0.2
            ? pick(['cycling.road', 'running', 'Cycling.Road', 'knitting', ' cycling ', ''])
            : '';
        return randomNumberCell(next, pick);
      });
      if (next() < 0.1) cells.length = Math.floor(next() * cells.length);
      if (next() < 0.1) cells.push('extra', '1');
      const quoted = next() < 0.05 ? cells.map((cell) => `"${cell}"`) : cells;
      lines.push(quoted.join(delimiter) + (next() < 0.1 ? delimiter : ''));
    }
  }
  const text = (next() < 0.1 ? '\ufeff' : '') + (next() < 0.05 ? newline : '') + lines.join(newline);
  const bytes = bytesOf(text + (next() < 0.5 ? newline : ''));
  if (next() < 0.1) {
    // Invalid UTF-8 (a lone lead byte, a stray continuation byte) somewhere in the file.
    const at = Math.floor(next() * bytes.length);
    const damaged = new Uint8Array(bytes.length + 1);
    damaged.set(bytes.subarray(0, at));
    damaged[at] = pick([0xc3, 0xe2, 0x80, 0xff]);
    damaged.set(bytes.subarray(at), at + 1);
    return damaged;
  }
  return bytes;
}

/** A result or thrown error in a form that compares numbers bit for bit (NaN and -0 included). */
function canonical(value: unknown): unknown {
  if (value instanceof Float64Array)
    return `f64:${Array.from(new Uint32Array(value.buffer, value.byteOffset, value.length * 2)).join(',')}`;
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value instanceof Error)
    return {
      name: value.name,
      message: value.message,
      details: canonical((value as { details?: unknown }).details),
    };
  if (value !== null && typeof value === 'object')
    return Object.entries(value).map(([key, entry]) => [key, canonical(entry)]);
  return value;
}

function outcome(read: (bytes: Uint8Array) => unknown, bytes: Uint8Array): unknown {
  try {
    return canonical(read(bytes));
  } catch (error) {
    return canonical(error);
  }
}

describe('readCsv from bytes', () => {
  it('gives what the string reader gives on seeded random files', () => {
    const next = random(SEED);
    let activities = 0;
    for (let file = 0; file < 1500; file++) {
      const bytes = randomCsv(next);
      const expected = outcome(referenceReadCsv, bytes);
      expect(
        outcome(readCsv, bytes),
        `file ${file}: ${new TextDecoder().decode(bytes).slice(0, 400)}`,
      ).toEqual(expected);
      if (Array.isArray(expected)) activities++;
    }
    // Most files must hold activities, or the comparison would be of error messages only.
    expect(activities).toBeGreaterThan(300);
  });

  it('gives what the string reader gives on hand-picked edge cases', () => {
    const files = [
      'timestamp,power\n2024-02-29T23:59:59.5+05:45,100\n2024-03-01T00:00:00Z,200\n',
      '\ufefftimestamp;power;speed\r\n2024-05-10T08:10:46Z;1,5;2\r\n\r\n2024-05-10T08:10:47Z;;3;\r\n',
      'timestamp\tpower\r2024-05-10T08:10:46-00:00\t100\r2024-05-10T08:10:47-00:00\t101',
      'timestamp,power\n2024-05-10T08:10:46Z,100\n2024-05-10T08:10:47,101\n',
      'timestamp,power\n2024-05-10T08:10:46,101\n',
      'power,timestamp\n100,"2024-05-10T08:10:46Z"\n101,2024-05-10T08:10:47Z\n',
      'timestamp,note,power\n2024-05-10T08:10:46Z,"a, b",100\n2024-05-10T08:10:47Z,12,1e400\n',
      'timestamp,power\n2024-05-10T08:10:46.123456789012345Z,100\n2024-05-10T08:10:46.1234567890123456Z,100\n',
      'timestamp,power\n 2024-05-10T08:10:46Z ,  100  \n2024-05-10 08:10:47Z,101\n',
      'timestamp,power,\n2024-05-10T08:10:46Z,100,\n2024-05-10T08:10:47Z,123456789012345678901234567890,\n',
      'timestamp,sport,power\n2024-05-10T08:10:46Z,,100\n2024-05-10T08:10:47Z,cycling.road,101\n',
      '\n\ntimestamp,power\n\u00a0\n2024-05-10T08:10:46Z,100\n',
      `timestamp,power\n${'x,1\n'.repeat(10_050)}2024-05-10T08:10:46Z,100\n`,
      'timestamp,power\n2024-05-10T08:10:46Z,\u00ff\n2024-05-10T08:10:47Z,-0\n',
      'power\n100\n',
      '',
    ];
    for (const text of files) {
      const bytes = bytesOf(text);
      expect(outcome(readCsv, bytes), text.slice(0, 200)).toEqual(outcome(referenceReadCsv, bytes));
    }
  });

  it("gives what the string reader gives on the synthetic athlete's files", () => {
    const plan = planSyntheticActivities({ seed: 20_200_106, years: 1 / 52 });
    for (const activity of plan) {
      const bytes = syntheticActivityCsv(activity);
      expect(outcome(readCsv, bytes), activity.fileName).toEqual(outcome(referenceReadCsv, bytes));
    }
  });
});

describe('byte cell readers', () => {
  it('readDecimal is Number where it answers, and answers for plain decimals', () => {
    const next = random(SEED + 1);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const texts = [...NUMBER_CELLS];
    for (let i = 0; i < 20_000; i++) {
      const digits = Math.floor(next() * 18) + 1;
      let text = '';
      for (let k = 0; k < digits; k++) text += String(Math.floor(next() * 10));
      const dot = Math.floor(next() * (digits + 2));
      if (dot < digits) text = `${text.slice(0, dot)}.${text.slice(dot)}`;
      texts.push(next() < 0.3 ? `-${text}` : text, randomNumberCell(next, pick));
    }
    let answered = 0;
    for (const text of texts) {
      const bytes = bytesOf(text);
      const value = readDecimal(bytes, 0, bytes.length);
      if (value === null) continue;
      answered++;
      expect(Object.is(value, Number(text)), text).toBe(true);
    }
    expect(answered).toBeGreaterThan(texts.length / 2);
    for (const text of ['0', '-0', '147', '2.68', '-12.5', '289.8', '000.10', '999999999999.999'])
      expect(readDecimal(bytesOf(text), 0, text.length), text).not.toBeNull();
  });

  it('ByteTimeReader is parseIsoTime where it answers, across date changes, and answers for the common shapes', () => {
    const next = random(SEED + 2);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const reader = new ByteTimeReader();
    const out: ByteTime = { epochS: 0, offsetS: 0 };
    let answered = 0;
    for (let i = 0; i < 50_000; i++) {
      const baseS = next() < 0.1 ? -2_300_000_000 + Math.floor(next() * 1e11) : 1_700_000_000;
      const text = randomStamp(next, pick, baseS);
      const bytes = bytesOf(`,${text},`);
      if (!reader.read(bytes, 1, bytes.length - 1, out)) continue;
      answered++;
      const expected = parseIsoTime(text);
      expect(expected, text).not.toBeNull();
      expect(Object.is(out.epochS, expected!.epochS), `${text}: ${out.epochS} ≠ ${expected!.epochS}`).toBe(
        true,
      );
      expect(Object.is(out.offsetS, expected!.offsetS), text).toBe(true);
    }
    expect(answered).toBeGreaterThan(15_000);
    for (const text of [
      '2024-05-10T08:10:46Z',
      '2024-05-10T10:10:46+02:00',
      '2024-05-10T02:25:46.250-05:45',
      '2024-02-29T23:59:60.999999999999999+14:00',
    ])
      expect(reader.read(bytesOf(text), 0, text.length, out), text).toBe(true);
  });
});
