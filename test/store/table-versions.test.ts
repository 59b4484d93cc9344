import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/store/database.ts';
import { VersionedMemo, writtenTables } from '../../src/store/table-versions.ts';

const tables = (sql: string) => {
  const written = writtenTables(sql);
  return written === 'all' ? 'all' : [...written].sort();
};

describe('writtenTables', () => {
  it('finds the targets of DML, quoted, qualified or behind a CTE', () => {
    expect(tables('INSERT INTO athletes (id) VALUES ($1) ON CONFLICT (id) DO NOTHING')).toEqual(['athletes']);
    expect(tables('  -- why\n INSERT OR REPLACE INTO settings VALUES (1)')).toEqual(['settings']);
    expect(tables('UPDATE "Profile_Markers" SET value = 1')).toEqual(['profile_markers']);
    expect(tables('DELETE FROM main.tests WHERE id = $1')).toEqual(['tests']);
    expect(
      tables('WITH gone AS (SELECT id FROM tests) DELETE FROM dailies WHERE id IN (SELECT id FROM gone)'),
    ).toEqual(['dailies']);
    expect(tables('MERGE INTO thresholds USING x ON true WHEN MATCHED THEN DELETE')).toContain('thresholds');
    expect(tables("COPY dailies FROM 'file.csv'")).toEqual(['dailies']);
  });

  it('counts reads as no write, and anything it cannot place as every table', () => {
    for (const read of [
      'SELECT 1',
      'WITH a AS (SELECT 1) SELECT * FROM a',
      "COPY (SELECT * FROM activities) TO 'x.parquet' (FORMAT parquet)",
      'DESCRIBE activities',
      'CHECKPOINT',
    ])
      expect(tables(read)).toEqual([]);
    for (const unknown of [
      'ALTER TABLE tests ADD COLUMN x INTEGER',
      'DROP TABLE dailies',
      'CREATE TABLE t (x INTEGER)',
      "ATTACH 'other.db'",
      'PRAGMA enable_profiling',
    ])
      expect(tables(unknown)).toBe('all');
  });
});

describe('Database.tableVersion', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.inMemory({ threads: 1 });
    await db.exec('CREATE TABLE a (x INTEGER)');
    await db.exec('CREATE TABLE b (x INTEGER)');
  });
  afterAll(() => db.close());

  it('changes when a transaction wrote one of the tables, and only then', async () => {
    const before = db.tableVersion(['a']);
    await db.all('SELECT * FROM a');
    await db.write(async (tx) => {
      await tx.all('SELECT count(*) FROM a');
      await tx.run('INSERT INTO b VALUES (1)');
    });
    expect(db.tableVersion(['a'])).toBe(before);
    const beforeB = db.tableVersion(['b']);
    await db.write((tx) => tx.run('INSERT INTO a VALUES ($1)', [1]));
    expect(db.tableVersion(['a'])).not.toBe(before);
    expect(db.tableVersion(['b'])).toBe(beforeB);
  });

  it('changes for a rolled-back transaction, an appender, a statement outside one, and DDL', async () => {
    let version = db.tableVersion(['a']);
    const changed = () => {
      const now = db.tableVersion(['a']);
      const moved = now !== version;
      version = now;
      return moved;
    };
    await expect(
      db.write(async (tx) => {
        await tx.run('INSERT INTO a VALUES (2)');
        throw new Error('abandoned');
      }),
    ).rejects.toThrow('abandoned');
    expect(changed()).toBe(true);
    await db.write(async (tx) => {
      // The appender names its table; the version moves once the transaction has ended.
      await tx.append('a', [(await import('@duckdb/node-api')).INTEGER], [[3]]);
      expect(changed()).toBe(false);
    });
    expect(changed()).toBe(true);
    await db.exec('DELETE FROM a WHERE x = 3');
    expect(changed()).toBe(true);
    await db.all('UPDATE a SET x = 4 WHERE x = 2');
    expect(changed()).toBe(true);
    await db.exec('ALTER TABLE b ADD COLUMN y INTEGER');
    expect(changed()).toBe(true);
    await db.exclusive(async (run) => run('SELECT 1'));
    expect(changed()).toBe(true);
    await db.exec('SELECT 1');
    expect(changed()).toBe(false);
  });
});

describe('VersionedMemo', () => {
  it('answers under the version a value was kept at, and only then', () => {
    const memo = new VersionedMemo<string>(10);
    memo.set('a', 'v1', 'one');
    expect(memo.get('a', 'v1')).toBe('one');
    expect(memo.get('a', 'v2')).toBeUndefined();
    expect(memo.get('b', 'v1')).toBeUndefined();
    // A null version (a transaction that wrote the tables) neither answers nor keeps.
    expect(memo.get('a', null)).toBeUndefined();
    memo.set('a', null, 'two');
    expect(memo.get('a', 'v1')).toBeUndefined();
    memo.set('a', 'v2', 'three');
    memo.delete('a');
    expect(memo.get('a', 'v2')).toBeUndefined();
  });

  it('forgets the oldest key past its limit', () => {
    const memo = new VersionedMemo<number>(2);
    memo.set('a', 'v', 1);
    memo.set('b', 'v', 2);
    memo.set('a', 'v', 3); // kept again: now the newest
    memo.set('c', 'v', 4);
    expect([memo.get('a', 'v'), memo.get('b', 'v'), memo.get('c', 'v')]).toEqual([3, undefined, 4]);
  });
});
