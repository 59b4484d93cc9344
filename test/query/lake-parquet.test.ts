import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Data, tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeLakeParquet,
  LakeParquetError,
  type ReadFile,
  readLakeParquet,
} from '../../src/query/formats/lake-parquet.ts';
import { zstdReady } from '../../src/query/formats/zstd.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/**
 * The lake's own Parquet reader against parquet-wasm (the general reader it stands in front of):
 * for files DuckDB writes with every option ingest has used or might (zstd or none, pages v1 or v2,
 * one row group or many, dictionary / delta / byte-stream-split / plain values, no nulls, some,
 * all), every column's type, validity and value bits are the same. Files it does not decode are
 * left to the general reader, and a damaged file is a `LakeParquetError`, never a crash or a hang.
 */

const COLUMNS = ['timestamp', 'power', 'heart_rate', 'speed', 'distance', 'altitude', 'lap', 'total', 'smo2'];

/**
 * A samples-shaped table with the awkward values: gaps in time (wide deltas), negative and extreme
 * int16s, floats with NaN, infinities and -0, an int64 column, nulls in runs and scattered, a
 * column of nulls only, and a dictionary too large for one byte per index.
 */
const SAMPLES = `
  SELECT
    (TIMESTAMPTZ '2024-05-01 06:00:00+00' + to_seconds(i + CASE WHEN i > 3000 THEN 86400 * 40 ELSE 0 END + (i // 997) * 613))::TIMESTAMPTZ AS timestamp,
    CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN -32768 WHEN i % 17 = 0 THEN 32767 ELSE (i * 37) % 1500 - 100 END::SMALLINT AS power,
    CASE WHEN i BETWEEN 500 AND 1700 THEN NULL ELSE 60 + i % 120 END::SMALLINT AS heart_rate,
    CASE WHEN i % 101 = 0 THEN 'NaN'::FLOAT WHEN i % 103 = 0 THEN 'inf'::FLOAT WHEN i % 107 = 0 THEN -0.0::FLOAT
         ELSE (i % 70000) / 7.0 END::FLOAT AS speed,
    CASE WHEN i % 19 = 0 THEN NULL ELSE i * 3.3 + 0.1 END::DOUBLE AS distance,
    (100 + sin(i / 50.0) * 30)::FLOAT AS altitude,
    (i // 1000)::SMALLINT AS lap,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i::BIGINT * 1000003 - 5000000000 END AS total,
    NULL::FLOAT AS smo2
  FROM range(0, 9000) t(i)`;

let db: Awaited<ReturnType<DuckDBInstance['connect']>>;
let dir: string;

beforeAll(async () => {
  await zstdReady;
  db = await (await DuckDBInstance.create(':memory:')).connect();
  dir = await makeTempDir('peakform-lake-parquet-');
});
afterAll(() => db?.closeSync());

async function write(name: string, options: string, select = SAMPLES): Promise<string> {
  const path = join(dir, `${name}.parquet`);
  await db.run(`COPY (${select}) TO '${path}' (FORMAT parquet${options})`);
  return path;
}

/** What parquet-wasm reads for the columns: format, null count, validity and value bytes per row. */
function generalReader(path: string, names: readonly string[]): ReadFile {
  const table = tableFromIPC(readParquet(readFileSync(path), { columns: [...names] }).intoIPCStream());
  const read: ReadFile = { length: table.numRows, columns: new Map() };
  for (const field of table.schema.fields) {
    // parquet-wasm 0.8's readParquet reads every column whatever its options say.
    if (!names.includes(field.name)) continue;
    const parts = table.getChild(field.name)!.data as Data[];
    const width = (parts[0]!.values as ArrayBufferView & { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const bytes = new Uint8Array(table.numRows * width);
    const validity = new Uint8Array((table.numRows + 7) >> 3);
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
    read.columns.set(field.name, { format: String(field.type), nullCount, validity, bitOffset: 0, bytes });
  }
  return read;
}

const ARROW_TYPE_OF_FORMAT: Record<string, string> = {
  s: 'Int16',
  i: 'Int32',
  l: 'Int64',
  f: 'Float32',
  g: 'Float64',
  'tsu:UTC': 'Timestamp<MICROSECOND, UTC>',
};

function isValid(column: { validity: Uint8Array | null; bitOffset: number }, row: number): boolean {
  if (!column.validity) return true;
  const bit = row + column.bitOffset;
  return ((column.validity[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

/** Asserts the two reads equal column by column, row by row (value bits where valid, zeros where null). */
function expectSameRead(own: ReadFile, general: ReadFile, label: string): void {
  expect(own.length, label).toBe(general.length);
  expect([...own.columns.keys()].sort(), label).toEqual([...general.columns.keys()].sort());
  for (const [name, expected] of general.columns) {
    const actual = own.columns.get(name)!;
    const where = `${label}: ${name}`;
    expect(ARROW_TYPE_OF_FORMAT[actual.format], where).toBe(expected.format);
    expect(actual.nullCount, where).toBe(expected.nullCount);
    expect(actual.bytes.length, where).toBe(expected.bytes.length);
    const width = actual.bytes.length / own.length;
    let mismatches = 0;
    for (let row = 0; row < own.length; row++) {
      const valid = isValid(actual, row);
      if (valid !== isValid(expected, row)) mismatches++;
      const a = actual.bytes.subarray(row * width, (row + 1) * width);
      const b = expected.bytes.subarray(row * width, (row + 1) * width);
      if (valid ? !a.every((byte, k) => byte === b[k]) : !a.every((byte) => byte === 0)) mismatches++;
    }
    expect(mismatches, where).toBe(0);
  }
}

describe('the lake Parquet reader equals parquet-wasm', () => {
  const variants: [string, string][] = [
    ['zstd, pages v2 (what ingest writes)', ', COMPRESSION zstd, COMPRESSION_LEVEL 1, PARQUET_VERSION V2'],
    ['zstd, pages v1', ', COMPRESSION zstd, PARQUET_VERSION V1'],
    [
      'uncompressed, v2, small row groups',
      ', COMPRESSION uncompressed, PARQUET_VERSION V2, ROW_GROUP_SIZE 2048',
    ],
    [
      'uncompressed, v1, row groups of 1000',
      ', COMPRESSION uncompressed, PARQUET_VERSION V1, ROW_GROUP_SIZE 1000',
    ],
    ['zstd, v2, no dictionaries', ', COMPRESSION zstd, PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 1'],
  ];
  for (const [label, options] of variants) {
    it(label, async () => {
      const path = await write(label.replace(/\W+/g, '-'), options);
      const own = readLakeParquet(path, COLUMNS);
      expect(own, label).toBeDefined();
      expectSameRead(own!, generalReader(path, COLUMNS), label);
      expect(own!.columns.get('smo2')!.nullCount).toBe(9000);
      expect(own!.columns.get('power')!.nullCount).toBeGreaterThan(0);
    });
  }

  it('a subset of the columns, in any order, and a column the file lacks left out', async () => {
    const path = await write('subset', ', COMPRESSION zstd, PARQUET_VERSION V2');
    const own = readLakeParquet(path, ['distance', 'timestamp', 'core_temperature']);
    expect([...own!.columns.keys()]).toEqual(['distance', 'timestamp']);
    expectSameRead(own!, generalReader(path, ['timestamp', 'distance']), 'subset');
  });

  it('an empty file', async () => {
    const path = await write('empty', ', COMPRESSION zstd, PARQUET_VERSION V2', `${SAMPLES} LIMIT 0`);
    const own = readLakeParquet(path, COLUMNS);
    expect(own!.length).toBe(0);
    expect(own!.columns.size).toBe(COLUMNS.length);
  });
});

describe('files the reader leaves to the general reader', () => {
  it('another codec', async () => {
    expect(readLakeParquet(await write('snappy', ', COMPRESSION snappy'), COLUMNS)).toBeUndefined();
  });

  it('a text column asked for', async () => {
    const path = await write('text', ', COMPRESSION zstd', `SELECT 'ride' AS sport, 1::SMALLINT AS power`);
    expect(readLakeParquet(path, ['sport', 'power'])).toBeUndefined();
    // …but not when only its other columns are read.
    expect(readLakeParquet(path, ['power'])!.columns.get('power')!.bytes).toEqual(new Uint8Array([1, 0]));
  });

  it('int64 deltas past 2^52, which a JS number cannot sum exactly', async () => {
    const huge = `SELECT i * 4503599627370497 AS total FROM range(0, 300) t(i)`;
    const delta = await write(
      'huge-delta',
      ', COMPRESSION zstd, PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 1',
      huge,
    );
    expect(readLakeParquet(delta, ['total'])).toBeUndefined();
    // In a dictionary or plain, the same values are copied bit for bit.
    for (const [name, select] of [
      ['huge-dictionary', huge.replace('i *', '(i % 7) *')],
      ['huge-plain', huge],
    ]) {
      const path = await write(name!, ', COMPRESSION zstd, PARQUET_VERSION V1', select);
      expectSameRead(readLakeParquet(path, ['total'])!, generalReader(path, ['total']), name!);
    }
  });
});

describe('damaged files', () => {
  /** Mulberry32: the same mutations on every run. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Reads the bytes; anything but a result, undefined or a LakeParquetError is a failure. */
  function outcome(bytes: Uint8Array): string {
    try {
      const read = decodeLakeParquet(
        { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) },
        COLUMNS,
      );
      return read ? 'read' : 'unsupported';
    } catch (error) {
      if (error instanceof LakeParquetError) return 'error';
      throw error;
    }
  }

  it('truncated anywhere, or with bytes flipped anywhere, they fail cleanly', async () => {
    const original = readFileSync(
      await write('whole', ', COMPRESSION zstd, PARQUET_VERSION V2, ROW_GROUP_SIZE 4096'),
    );
    const next = random(11);
    const seen = new Map<string, number>();
    const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    for (let i = 0; i < 150; i++) count(outcome(original.subarray(0, Math.floor(next() * original.length))));
    for (let i = 0; i < 400; i++) {
      const bytes = original.slice();
      const flips = 1 + Math.floor(next() * 4);
      // Half the flips land in the footer, where a wrong length or offset does the most harm.
      for (let f = 0; f < flips; f++) {
        const at =
          next() < 0.5
            ? original.length - 1 - Math.floor(next() * 1500)
            : Math.floor(next() * original.length);
        bytes[at] = Math.floor(next() * 256);
      }
      count(outcome(bytes));
    }
    expect(seen.get('error')).toBeGreaterThan(100);
  });

  it('a damaged lake file read through the file system is a LakeParquetError', async () => {
    const path = join(dir, 'damaged.parquet');
    const original = readFileSync(await write('to-damage', ', COMPRESSION zstd, PARQUET_VERSION V2'));
    writeFileSync(path, original.subarray(0, original.length - 3));
    expect(() => readLakeParquet(path, COLUMNS)).toThrow(LakeParquetError);
  });
});
