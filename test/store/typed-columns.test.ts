import { DOUBLE, INTEGER, LIST, VARCHAR } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/store/database.ts';

/**
 * Typed arrays into DuckDB without a JS value per cell: `runOverTypedColumns` (what the samples
 * and extras files are COPYed from) and `appendListRows` (the curves file's lists).
 *
 * `appendListRows` fills list vectors from typed arrays straight into DuckDB's buffers (what the
 * curves file is staged with): the lists must come back element for element, NULL exactly where
 * the row's mask is NaN, across 64-bit word boundaries and rows of different lengths.
 */
describe('runOverTypedColumns', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.inMemory({ threads: 1 });
  });
  afterAll(() => db.close());

  const read = async (columns: Parameters<Database['runOverTypedColumns']>[0]) => {
    await db.runOverTypedColumns(
      columns,
      (from) => `CREATE OR REPLACE TABLE copied AS SELECT * FROM ${from}`,
    );
    return db.all<Record<string, number | null>>('SELECT * FROM copied');
  };

  it('reads every row in order, over several chunks, NULL where a flagged column is NaN', async () => {
    const n = 5000;
    const t = Float64Array.from({ length: n }, (_, i) => 1_600_000_000 + i);
    const power = Float64Array.from({ length: n }, (_, i) =>
      i % 97 === 5 || i === 2048 ? Number.NaN : i % 400,
    );
    const raw = Float64Array.from({ length: n }, (_, i) => (i === 7 ? Number.NaN : i / 4));
    const laps = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 1000));
    const rows = await read([
      { name: 't', type: DOUBLE, values: t },
      { name: 'power', type: DOUBLE, values: power, nullWhereNaN: true },
      { name: 'raw', type: DOUBLE, values: raw },
      { name: 'lap', type: INTEGER, values: laps },
    ]);
    expect(rows).toHaveLength(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      expect(row.t).toBe(t[i]);
      expect(row.power).toBe(Number.isNaN(power[i]!) ? null : power[i]);
      expect(row.raw).toBe(raw[i]); // NaN kept where the column is not flagged
      expect(row.lap).toBe(laps[i]);
    }
  });

  it('gives each statement its own columns, also when they run at the same time', async () => {
    const columns = (value: number) => [
      { name: 'v', type: DOUBLE, values: new Float64Array(3000).fill(value) },
    ];
    const sums = await Promise.all(
      [1, 2, 3].map(async (value) => {
        await db.runOverTypedColumns(
          columns(value),
          (from) => `CREATE OR REPLACE TABLE s${value} AS SELECT sum(v) AS s FROM ${from}`,
        );
        const [row] = await db.all<{ s: number }>(`SELECT s FROM s${value}`);
        return row!.s;
      }),
    );
    expect(sums).toEqual([3000, 6000, 9000]);
    expect(await read([{ name: 'v', type: DOUBLE, values: new Float64Array(0) }])).toEqual([]);
  });

  it('refuses columns of the wrong width or length', async () => {
    await expect(read([{ name: 'v', type: DOUBLE, values: new Float32Array(3) }])).rejects.toThrow(
      /wrong width/,
    );
    await expect(
      read([
        { name: 'a', type: DOUBLE, values: new Float64Array(3) },
        { name: 'b', type: DOUBLE, values: new Float64Array(2) },
      ]),
    ).rejects.toThrow(/wrong length/);
  });
});

describe('appendListRows', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.inMemory({ threads: 1 });
    await db.exec('CREATE TEMP TABLE staged (key VARCHAR, value DOUBLE[], start INTEGER[])');
  });
  afterAll(() => db.close());

  it('stores every element, with NULL where the mask is NaN', async () => {
    const rows = [0, 1, 63, 64, 65, 130, 2500].map((length, r) => {
      const value = Float64Array.from({ length }, (_, i) =>
        i % 7 === 3 || i === 64 ? Number.NaN : i * 1.5 + r,
      );
      const start = Int32Array.from({ length: length + 5 }, (_, i) => i * 10 + r);
      return { key: `row${r}`, value, start };
    });
    const read = await db.scratch(async (tx) => {
      await tx.appendListRows(
        'staged',
        [VARCHAR, LIST(DOUBLE), LIST(INTEGER)],
        rows.map((row) => ({
          key: row.key,
          lists: [row.value, row.start.subarray(0, row.value.length)],
          nullWhereNaN: row.value,
        })),
      );
      return tx.all<{ key: string; value: (number | null)[]; start: (number | null)[] }>(
        'SELECT key, value, start FROM staged ORDER BY key',
      );
    });
    const expected = rows
      .map((row) => ({
        key: row.key,
        value: [...row.value].map((v) => (Number.isNaN(v) ? null : v)),
        start: [...row.value].map((v, i) => (Number.isNaN(v) ? null : row.start[i]!)),
      }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(read).toEqual(expected);
    expect(read.find((row) => row.key === 'row6')!.value.filter((v) => v === null)).toHaveLength(358);
  });

  it('refuses a list whose width does not match its column', async () => {
    await expect(
      db.scratch((tx) =>
        tx.appendListRows(
          'staged',
          [VARCHAR, LIST(DOUBLE), LIST(INTEGER)],
          [{ key: 'x', lists: [new Float32Array(3), new Int32Array(3)], nullWhereNaN: new Float64Array(3) }],
        ),
      ),
    ).rejects.toThrow(/wrong width/);
  });
});
