import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { batchFromRows, type ColumnBatch, type ColumnType } from '../../src/store/column-batch.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/**
 * Results computed outside SQL (curves, load series) go to Parquet through DuckDB: a small one as
 * one COPY of a VALUES list, a larger one through a staging table. Both keep every float's bits:
 * a float32 lands on itself (a decimal literal cast to FLOAT landed an ulp off), and NaN, ±inf
 * and -0 stay what they are.
 */
describe('Parquet exports of computed results', () => {
  let engine: Engine;
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('peakform-parquet-export-');
    engine = await Engine.open({ dataDir: join(dir, 'data'), decodeWorkers: 0 });
  });
  afterAll(() => engine?.close());

  const columns: { name: string; type: ColumnType }[] = [
    { name: 'i', type: 'int32' },
    { name: 'f32', type: 'float32' },
    { name: 'f64', type: 'float64' },
  ];
  const SPECIAL = [
    Math.fround(1.647),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    Math.fround(1e-30),
    0.1,
    1 / 3,
  ];
  const rowsOf = (n: number) =>
    Array.from({ length: n }, (_, i) => [
      i,
      i < SPECIAL.length ? Math.fround(SPECIAL[i]!) : Math.fround(i / 7),
      i < SPECIAL.length ? SPECIAL[SPECIAL.length - 1 - i]! : i / 7,
    ]);

  async function exported(batches: ColumnBatch[]): Promise<number[][]> {
    const parts: Uint8Array[] = [];
    for await (const part of engine.streamParquet({
      columns,
      batches: (async function* () {
        yield* batches;
      })(),
    }))
      parts.push(part);
    const path = join(dir, `export-${batches.length}.parquet`);
    await writeFile(path, Buffer.concat(parts));
    const rows = await engine.store.all<{ i: number; f32: number; f64: number }>(
      `SELECT i, f32, f64 FROM read_parquet('${path}') ORDER BY i`,
    );
    return rows.map((r) => [r.i, r.f32, r.f64]);
  }

  const bits = (rows: number[][]) => rows.map((r) => r.map((v) => (Object.is(v, -0) ? '-0' : String(v))));

  it('a small result (one VALUES list) keeps every bit', async () => {
    const rows = rowsOf(50);
    expect(bits(await exported([batchFromRows(columns, rows)]))).toEqual(bits(rows));
  });

  it('a larger result (a staging table) keeps every bit', async () => {
    const rows = rowsOf(12_000);
    const batches = [0, 4000, 8000].map((from) => batchFromRows(columns, rows.slice(from, from + 4000)));
    expect(bits(await exported(batches))).toEqual(bits(rows));
  });
});
