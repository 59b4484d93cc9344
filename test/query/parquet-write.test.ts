import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  concat,
  deltaInt64Chunk,
  type EncodedChunk,
  MAGIC,
  PARQUET_INT64,
  parquetFooter,
  plainChunk,
  shiftedChunk,
} from '../../src/query/formats/parquet-write.ts';
import { snappyCompress } from '../../src/query/formats/snappy.ts';
import { ThriftReader, ThriftWriter } from '../../src/query/formats/thrift-compact.ts';
import { zstdReady } from '../../src/query/formats/zstd.ts';
import { makeTempDir } from '../helpers/test-server.ts';
import { xorshift32 } from '../helpers/xorshift.ts';

/**
 * The Parquet writing pieces of the lake's export, read back by two independent readers (DuckDB,
 * parquet-wasm): delta-coded int64 pages over every shape of series (steady, gaps, steps back,
 * nulls, block edges, one value, none) and plain pages, all snappy; the snappy compressor against
 * a decoder written from the format's description; the Thrift writer against the reader.
 */

let db: Awaited<ReturnType<DuckDBInstance['connect']>>;
let dir: string;

beforeAll(async () => {
  await zstdReady;
  db = await (await DuckDBInstance.create(':memory:')).connect();
  dir = await makeTempDir('peakform-parquet-write-');
});
afterAll(() => db?.closeSync());

/** A one-column (`v`, int64) file of one row group per chunk. */
function fileOf(chunks: readonly EncodedChunk[], rows: readonly number[]): Uint8Array {
  const pieces: Uint8Array[] = [MAGIC];
  let at = MAGIC.length;
  const groups = chunks.map((chunk, i) => {
    const group = { rows: rows[i]!, chunks: [shiftedChunk(chunk.meta, at)] };
    pieces.push(chunk.bytes);
    at += chunk.bytes.length;
    return group;
  });
  pieces.push(parquetFooter([{ name: 'v', type: 'int64' }], groups, {}));
  return concat(pieces);
}

/** Int64 words and validity for values (null: absent). */
function columnOf(values: readonly (bigint | null)[]): {
  words: Uint32Array;
  validity: Uint8Array | null;
  nulls: number;
} {
  const words = new Uint32Array(values.length * 2);
  const view = new DataView(words.buffer);
  const validity = new Uint8Array((values.length + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else {
      view.setBigInt64(8 * i, v, true);
      validity[i >> 3]! |= 1 << (i & 7);
    }
  });
  return { words, validity: nulls > 0 ? validity : null, nulls };
}

async function readBack(bytes: Uint8Array, name: string): Promise<(bigint | null)[][]> {
  const path = join(dir, `${name}.parquet`);
  writeFileSync(path, bytes);
  const duck = (await db.runAndReadAll(`SELECT v FROM read_parquet('${path}')`))
    .getRows()
    .map(([v]) => (v === null ? null : BigInt(v as bigint)));
  const wasmValues = [...tableFromIPC(readParquet(bytes).intoIPCStream()).getChild('v')!].map((v) =>
    v === null ? null : BigInt(v as bigint),
  );
  const [codecs] = (
    await db.runAndReadAll(`SELECT list(DISTINCT compression) FROM parquet_metadata('${path}')`)
  ).getRows();
  expect(codecs![0]).toEqual(expect.objectContaining({ items: ['SNAPPY'] }));
  return [duck, wasmValues];
}

const SECOND = 1_000_000n;
const start = 1_714_543_200n * SECOND;
const next = xorshift32(11);

const SERIES: [string, (bigint | null)[]][] = [
  ['steady seconds', Array.from({ length: 5000 }, (_, i) => start + BigInt(i) * SECOND)],
  [
    'pauses of minutes and days',
    Array.from(
      { length: 3000 },
      (_, i) => start + BigInt(i) * SECOND + BigInt(Math.floor(i / 700)) * 86_400n * SECOND,
    ),
  ],
  [
    'steps back and noise',
    Array.from({ length: 1000 }, () => start + BigInt(Math.floor(next() * 2 ** 40)) - 2n ** 39n),
  ],
  ['negative values', Array.from({ length: 300 }, (_, i) => -start + BigInt(i * 7))],
  [
    'nulls scattered',
    Array.from({ length: 2000 }, (_, i) => (i % 7 === 3 ? null : start + BigInt(i) * SECOND)),
  ],
  ['a block and one', Array.from({ length: 130 }, (_, i) => BigInt(i * i))],
  ['one value', [start]],
  ['only nulls', [null, null, null]],
  ['steps just under 2^51', [0n, 2n ** 51n - 1n, 0n, -(2n ** 51n) + 1n]],
];

describe('delta-coded int64 pages', () => {
  for (const [name, values] of SERIES) {
    it(`reads back the same: ${name}`, async () => {
      const { words, validity, nulls } = columnOf(values);
      const chunk = deltaInt64Chunk(words, validity, nulls, values.length);
      expect(chunk).toBeDefined();
      for (const read of await readBack(fileOf([chunk!], [values.length]), name))
        expect(read).toEqual(values);
    });
  }

  it('declines what exact doubles cannot carry, and plain pages read back the same', async () => {
    const values = [0n, 2n ** 52n, 5n];
    const { words } = columnOf(values);
    expect(deltaInt64Chunk(words, null, 0, 3)).toBeUndefined();
    expect(deltaInt64Chunk(columnOf([0n, 2n ** 51n]).words, null, 0, 2)).toBeUndefined();
    const plain = plainChunk(PARQUET_INT64, new Uint8Array(words.buffer), 8, null, 0, 3);
    for (const read of await readBack(fileOf([plain], [3]), 'plain')) expect(read).toEqual(values);
  });

  it('several row groups of both kinds in one file', async () => {
    const parts = SERIES.slice(0, 5).map(([, values]) => values);
    const chunks = parts.map((values, i) => {
      const { words, validity, nulls } = columnOf(values);
      return i % 2 === 0
        ? deltaInt64Chunk(words, validity, nulls, values.length)!
        : plainChunk(PARQUET_INT64, new Uint8Array(words.buffer), 8, validity, nulls, values.length);
    });
    const file = fileOf(
      chunks,
      parts.map((p) => p.length),
    );
    for (const read of await readBack(file, 'groups')) expect(read).toEqual(parts.flat());
  });
});

describe('ThriftWriter', () => {
  it('writes what ThriftReader reads: every field kind, far field ids, long lists, large and negative i64s', () => {
    const longList = Array.from({ length: 40 }, (_, i) => i * 1000 - 7);
    const bytes = new ThriftWriter()
      .i32(1, -5)
      .i64(2, 2 ** 52 + 3)
      .i64(3, -(2 ** 50))
      .bool(4, true)
      .bool(5, false)
      .binary(6, 'héllo')
      .i32(21, 15)
      .i32(37, 16)
      .struct(40, (s) => s.i32(1, 7).struct(2, (t) => t.binary(1, new Uint8Array([0, 255]))))
      .i32List(41, longList)
      .binaryList(42, ['a', 'bc'])
      .structList(60, [1, 2, 3], (w, n) => w.i64(300, n))
      .finish();
    const read = new ThriftReader(bytes).struct();
    expect(read[1]).toBe(-5);
    expect(read[2]).toBe(2 ** 52 + 3);
    expect(read[3]).toBe(-(2 ** 50));
    expect([read[4], read[5]]).toEqual([true, false]);
    expect(new TextDecoder().decode(read[6] as Uint8Array)).toBe('héllo');
    // The short form of a field header carries deltas up to 15; 16 takes the long form.
    expect([read[21], read[37]]).toEqual([15, 16]);
    expect(read[40]).toEqual([undefined, 7, [undefined, new Uint8Array([0, 255])]]);
    expect(read[41]).toEqual(longList);
    expect((read[42] as Uint8Array[]).map((b) => new TextDecoder().decode(b))).toEqual(['a', 'bc']);
    expect((read[60] as unknown[][]).map((s) => s[300])).toEqual([1, 2, 3]);
  });
});

/** Snappy's raw format decoded from its description: a length, then literals and back-copies. */
function snappyDecode(input: Uint8Array): Uint8Array {
  let at = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = input[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const out = new Uint8Array(length);
  let written = 0;
  while (at < input.length) {
    const tag = input[at++]!;
    if ((tag & 3) === 0) {
      let n = tag >> 2;
      if (n >= 60) {
        const bytes = n - 59;
        n = 0;
        for (let i = 0; i < bytes; i++) n += input[at++]! * 256 ** i;
      }
      out.set(input.subarray(at, at + n + 1), written);
      at += n + 1;
      written += n + 1;
      continue;
    }
    let copy: number;
    let offset: number;
    if ((tag & 3) === 1) {
      copy = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | input[at++]!;
    } else if ((tag & 3) === 2) {
      copy = (tag >> 2) + 1;
      offset = input[at]! | (input[at + 1]! << 8);
      at += 2;
    } else {
      copy = (tag >> 2) + 1;
      offset = input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! * 2 ** 24);
      at += 4;
    }
    if (offset === 0 || offset > written) throw new Error(`bad copy offset ${offset} at ${written}`);
    for (let i = 0; i < copy; i++, written++) out[written] = out[written - offset]!;
  }
  if (written !== length) throw new Error(`decoded ${written} bytes of ${length}`);
  return out;
}

describe('snappyCompress', () => {
  const random = xorshift32(5);
  const INPUTS: [string, Uint8Array][] = [
    ['nothing', new Uint8Array(0)],
    ['a few bytes', new Uint8Array([1, 2, 3])],
    ['one byte repeated past a block', new Uint8Array(200_000).fill(7)],
    ['noise', Uint8Array.from({ length: 150_000 }, () => Math.floor(random() * 256))],
    [
      'text with repeats',
      new TextEncoder().encode(
        Array.from({ length: 4000 }, (_, i) => `row ${i % 97},power ${i % 13};`).join(''),
      ),
    ],
    [
      'noise and runs in turn, across block edges',
      Uint8Array.from({ length: 300_000 }, (_, i) =>
        (i >> 10) % 3 === 0 ? Math.floor(random() * 256) : i % 251,
      ),
    ],
    ['a run ending a block', Uint8Array.from({ length: 65_536 + 70 }, (_, i) => (i < 65_500 ? i % 7 : 9))],
  ];
  for (const [name, input] of INPUTS) {
    it(`decodes back to the input: ${name}`, () => {
      const packed = snappyCompress(input);
      expect(Buffer.from(snappyDecode(packed)).equals(Buffer.from(input))).toBe(true);
      expect(packed.length).toBeLessThanOrEqual(32 + input.length + input.length / 6);
    });
  }

  it('compresses what repeats', () => {
    expect(snappyCompress(new Uint8Array(200_000).fill(7)).length).toBeLessThan(10_000);
    expect(snappyCompress(INPUTS[4]![1]).length).toBeLessThan(INPUTS[4]![1].length / 3);
  });
});
