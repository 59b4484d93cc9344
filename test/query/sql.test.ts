import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { activityFilter, compileActivityList } from '../../src/query/activity-sql.ts';
import { castColumns, sqlLiteral } from '../../src/query/cast-columns.ts';
import { compileSql, integerList, joinSql, sql, stringList, trusted } from '../../src/query/sql.ts';

describe('sql tagged template', () => {
  it('keeps every value a parameter and numbers placeholders once, across nested fragments', () => {
    const inner = sql`b = ${2} AND c = ${'three'}`;
    const compiled = compileSql(sql`SELECT * FROM t WHERE a = ${1} AND (${inner}) OR d = ${4}`);
    expect(compiled.sql).toBe('SELECT * FROM t WHERE a = $1 AND (b = $2 AND c = $3) OR d = $4');
    expect(compiled.params).toEqual([1, 2, 'three', 4]);
  });

  it('joins fragments with their parameters in order, and splices trusted text as it is', () => {
    const joined = joinSql([sql`x = ${1}`, sql`y = ${2}`, sql`z = ${3}`], ' OR ');
    expect(compileSql(sql`${trusted('SELECT')} 1 WHERE ${joined}`)).toEqual({
      sql: 'SELECT 1 WHERE x = $1 OR y = $2 OR z = $3',
      params: [1, 2, 3],
    });
  });

  it('never puts request input into the SQL text', () => {
    const hostile = "cycling'; DROP TABLE activities; --";
    const compiled = compileActivityList("a'); DELETE FROM x; --", {
      sport: [hostile.replace(/[^a-z.+]/g, '')],
      tags: [hostile],
      start: '2024-01-01',
      limit: 10,
      offset: 0,
    });
    expect(compiled.sql).not.toContain('DROP');
    expect(compiled.sql).not.toContain('DELETE');
    expect(compiled.params).toContain(JSON.stringify([hostile]));
  });

  it('runs against DuckDB: sport hierarchy with modifiers, tags, lists, casts and literals', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(
        `CREATE TABLE activities (id VARCHAR, athlete_id VARCHAR, sport VARCHAR, local_date DATE, tags VARCHAR[])`,
      );
      await connection.run(`INSERT INTO activities VALUES
        ('a', 'me', 'cycling.road', DATE '2024-01-02', ['race']),
        ('b', 'me', 'cycling+stationary', DATE '2024-01-03', []),
        ('c', 'me', 'running.trail', DATE '2024-01-04', ['race']),
        ('d', 'you', 'cycling.road', DATE '2024-01-02', ['race'])`);
      const ids = async (fragment: ReturnType<typeof sql>) => {
        const q = compileSql(sql`SELECT id FROM activities WHERE ${fragment} ORDER BY id`);
        const reader = await connection.runAndReadAll(q.sql, q.params as never);
        return reader.getRowObjects().map((r) => r.id);
      };
      expect(await ids(activityFilter('me', { sport: ['cycling'] }))).toEqual(['a', 'b']);
      expect(await ids(activityFilter('me', { sport: ['cycling+stationary'] }))).toEqual(['b']);
      expect(await ids(activityFilter('me', { sport: ['cycling', 'running'], tags: ['race'] }))).toEqual([
        'a',
        'c',
      ]);
      expect(await ids(activityFilter('me', { start: '2024-01-03', end: '2024-01-03' }))).toEqual(['b']);
      const lists = compileSql(
        sql`SELECT list_contains(${integerList([1, 5])}, 5) AS i, list_contains(${stringList(["o'k"])}, ${"o'k"}) AS s`,
      );
      expect((await connection.runAndReadAll(lists.sql, lists.params as never)).getRowObjects()).toEqual([
        { i: true, s: true },
      ]);
      const cast = castColumns(`SELECT 1 AS n, ${sqlLiteral("it's")} AS t, 3::BIGINT AS d`, [
        { name: 'n', type: 'int16' },
        { name: 't', type: 'utf8' },
        { name: 'd', type: 'duration' },
      ]);
      const typed = await connection.runAndReadAll(
        `SELECT typeof(n) AS a, typeof(t) AS b, typeof(d) AS c, t FROM (${cast})`,
      );
      expect(typed.getRowObjects()).toEqual([{ a: 'SMALLINT', b: 'VARCHAR', c: 'BIGINT', t: "it's" }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
