import { DOUBLE, INTEGER, LIST, VARCHAR } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/store/database.ts';

/**
 * `appendListRows` fills list vectors from typed arrays straight into DuckDB's buffers (what the
 * curves file is staged with): the lists must come back element for element, NULL exactly where
 * the row's mask is NaN, across 64-bit word boundaries and rows of different lengths.
 */
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
