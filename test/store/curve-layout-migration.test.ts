import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CURVE_GAP_POLICY } from '../../src/analytics/gap-policy.ts';
import { sha256Hex, sourceIdFor } from '../../src/domain/ids.ts';
import { LongitudinalMeanMaxQuerySchema } from '../../src/domain/wire.ts';
import { Engine } from '../../src/engine/engine.ts';
import { decodeAndDerive } from '../../src/services/sources/decode-and-derive.ts';
import type { TabularResult } from '../../src/services/tabular-result.ts';
import { listFiles } from '../../src/store/lake.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');
const ATHLETE = 'ann';
const METRICS = ['power', 'heart_rate', 'speed'] as const;

/**
 * Issue 11 item 3: curve files hold a row per metric with lists by duration. A data dir written
 * with the earlier layout (a row per metric and duration, as the writer before this change wrote
 * it, rebuilt here from the same derived curves) answers every curve question exactly as the new
 * layout does, read with the earlier SQL; opening it converts its files, and the answers stay the
 * same to the last bit.
 */
describe('curve files: the list layout and the migration of the long layout', () => {
  let dataDir: string;
  let files: { fileName: string; bytes: Uint8Array }[];
  let expected: Answers;

  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-curve-layout-');
    const names = (await readdir(FIXTURES)).filter((f) => /\.(fit|tcx|gpx|csv)$/.test(f)).sort();
    files = [];
    for (const name of names)
      files.push({ fileName: name, bytes: new Uint8Array(await readFile(join(FIXTURES, name))) });
    // A ride with a long dropout: durations that no window reaches are NULL in the lists.
    files.push({
      fileName: 'dropout.csv',
      bytes: csvRide({
        startIso: '2024-03-02T07:00:00Z',
        durationS: 2400,
        powerW: (s) => (s > 600 && s < 1500 ? Number.NaN : 180 + (s % 45)),
      }),
    });
    const engine = await Engine.open({ dataDir, decodeWorkers: 0 });
    try {
      for (const f of files) await engine.sources.ingest(ATHLETE, f.bytes, { fileName: f.fileName });
      expected = await answers(engine);
    } finally {
      engine.close();
    }
    expect(Object.keys(expected.activities).length).toBeGreaterThan(5);
  }, 240_000);

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('writes one row per metric whose lists hold the curve at every duration', async () => {
    await withCatalog(dataDir, async (db) => {
      const [row] = await rows<{ n: bigint; metrics: bigint; max_len: bigint }>(
        db,
        `SELECT count(*) AS n, count(DISTINCT metric) AS metrics, max(len(value)) AS max_len
         FROM read_parquet(${pathList(dataDir, await curvePaths(db))})`,
      );
      expect(Number(row!.metrics)).toBeGreaterThanOrEqual(2);
      expect(Number(row!.max_len)).toBeGreaterThan(1000);
      const [schema] = await rows<{ n: bigint }>(
        db,
        `SELECT count(*) AS n FROM parquet_schema(${pathList(dataDir, await curvePaths(db))}) WHERE name = 'duration_s'`,
      );
      expect(Number(schema!.n)).toBe(0);
    });
  });

  it('answers every duration from the long layout (read with the earlier SQL) as from the lists', async () => {
    const longDir = await copyDataDir(dataDir, 'peakform-curve-long-');
    try {
      await rewriteAsLongLayout(longDir, files);
      await withCatalog(longDir, async (db) => {
        const activities = await rows<{ id: string; curves_path: string; start_s: number }>(
          db,
          'SELECT id, curves_path, epoch(start_utc) AS start_s FROM activities WHERE curves_path IS NOT NULL ORDER BY id',
        );
        for (const activity of activities) {
          for (const metric of METRICS) {
            for (const envelope of [false, true]) {
              const found = await rows<{
                duration_s: number;
                value: number;
                window_s: number;
                start_offset_s: number;
              }>(
                db,
                earlierActivityCurveSql(
                  `read_parquet(${pathList(longDir, [activity.curves_path])})`,
                  metric,
                  envelope,
                ),
              );
              const old = found.map((r) => [
                r.duration_s,
                r.value,
                new Date((activity.start_s + r.start_offset_s) * 1000).toISOString(),
                ...(envelope ? [r.window_s] : []),
              ]);
              expect(old, `${activity.id} ${metric} envelope=${envelope}`).toEqual(
                expected.activities[activity.id]![`${metric}:${envelope}`],
              );
            }
          }
        }
      });
    } finally {
      await rm(longDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('converts a data dir of the long layout on open: the same answers, old files gone, idempotent', async () => {
    const longDir = await copyDataDir(dataDir, 'peakform-curve-migrate-');
    try {
      const longPaths = await rewriteAsLongLayout(longDir, files);
      const engine = await Engine.open({ dataDir: longDir, decodeWorkers: 0 });
      let converted: string[];
      try {
        expect(await answers(engine)).toEqual(expected);
        expect(await engine.store.checkConsistency()).toEqual([]);
        converted = (
          await engine.store.all<{ curves_path: string }>(
            'SELECT curves_path FROM activities WHERE curves_path IS NOT NULL ORDER BY id',
          )
        ).map((r) => r.curves_path);
        expect(converted.some((p) => longPaths.includes(p))).toBe(false);
        const [schema] = await engine.store.all<{ n: bigint }>(
          `SELECT count(*) AS n FROM parquet_schema(${pathList(longDir, converted)}) WHERE name = 'duration_s'`,
        );
        expect(Number(schema!.n)).toBe(0);
      } finally {
        engine.close();
      }
      for (const p of longPaths) expect(await exists(join(longDir, p))).toBe(false);
      // A second open finds nothing to convert: the same files stay named.
      const again = await Engine.open({ dataDir: longDir, decodeWorkers: 0 });
      try {
        const paths = (
          await again.store.all<{ curves_path: string }>(
            'SELECT curves_path FROM activities WHERE curves_path IS NOT NULL ORDER BY id',
          )
        ).map((r) => r.curves_path);
        expect(paths).toEqual(converted);
        expect(await answers(again)).toEqual(expected);
      } finally {
        again.close();
      }
    } finally {
      await rm(longDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('resumes a migration cut short: converted files not yet committed are dropped and redone', async () => {
    const longDir = await copyDataDir(dataDir, 'peakform-curve-crash-');
    try {
      const longPaths = await rewriteAsLongLayout(longDir, files);
      // What a process killed mid-migration leaves: converted files under new names that no catalog
      // row names yet (and a temporary), beside the old files the catalog still points at.
      for (const p of longPaths.slice(0, 3)) {
        const name = join(longDir, p).replace(
          /-[0-9a-f]{8}\.parquet$/,
          `-${randomBytes(4).toString('hex')}.parquet`,
        );
        await writeFile(name, await readFile(join(longDir, p)));
      }
      await writeFile(`${join(longDir, longPaths[0]!)}.tmp-1-abcdef01`, 'partial');
      const engine = await Engine.open({ dataDir: longDir, decodeWorkers: 0 });
      try {
        expect(await engine.store.checkConsistency()).toEqual([]);
        expect(await answers(engine)).toEqual(expected);
        expect(await listFiles(join(longDir, 'lake', 'curves'))).toHaveLength(
          Object.values(expected.activities).filter((a) => a.hasCurves).length,
        );
      } finally {
        engine.close();
      }
    } finally {
      await rm(longDir, { recursive: true, force: true });
    }
  }, 240_000);
});

interface Answers {
  activities: Record<string, Record<string, unknown> & { hasCurves: boolean }>;
  longitudinal: Record<string, unknown>;
}

/** Every curve answer that reads curve files: each activity at every second, longitudinal, model. */
async function answers(engine: Engine): Promise<Answers> {
  const activities = await engine.store.all<{ id: string; elapsed_s: number; curves_path: string | null }>(
    'SELECT id, elapsed_s, curves_path FROM activities ORDER BY id',
  );
  const out: Answers = { activities: {}, longitudinal: {} };
  for (const activity of activities) {
    const entry: Record<string, unknown> & { hasCurves: boolean } = {
      hasCurves: activity.curves_path !== null,
    };
    const every = Array.from({ length: Math.ceil(activity.elapsed_s) + 1 }, (_, i) => i + 1);
    for (const metric of METRICS) {
      for (const envelope of [false, true]) {
        const result = await engine.activities.meanMax(ATHLETE, activity.id, {
          metric,
          durations: every,
          envelope,
        } as Parameters<Engine['activities']['meanMax']>[2]);
        entry[`${metric}:${envelope}`] = await tableRows(result);
      }
    }
    out.activities[activity.id] = entry;
  }
  for (const metric of METRICS) {
    for (const envelope of [false, true]) {
      const result = await engine.longitudinal.meanMax(
        ATHLETE,
        LongitudinalMeanMaxQuerySchema.parse({ metric, durations: 'all', envelope: String(envelope) }),
      );
      out.longitudinal[`${metric}:${envelope}`] = await tableRows(result);
    }
  }
  out.longitudinal.model = await engine.longitudinal.intensityDurationModel(ATHLETE, {
    metric: 'power',
    model: 'cp2',
    sport: 'cycling',
    start: '2012-01-01',
    end: '2030-12-31',
  });
  return out;
}

async function tableRows(result: TabularResult): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const batch of result.batches) {
    for (let i = 0; i < batch.rowCount; i++) {
      out.push(
        batch.columns.map((c) => {
          const v = c.values[i];
          return v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v;
        }),
      );
    }
  }
  return out;
}

/**
 * Rewrites every curve file of a (closed) data dir as the writer before the list layout wrote it:
 * the activity's whole-activity curves derived again from its original, a row per metric and
 * duration with a value (sorted by metric, durations ascending), under a new name that the catalog
 * then names; the layout setting is cleared. Returns the new stored paths.
 */
async function rewriteAsLongLayout(
  dataDir: string,
  files: readonly { fileName: string; bytes: Uint8Array }[],
): Promise<string[]> {
  const curves = new Map<
    string,
    { gapPolicy: string; curves: { metric: string; values: Float64Array; startS: Int32Array }[] }
  >();
  for (const f of files) {
    const sourceId = sourceIdFor(ATHLETE, sha256Hex(f.bytes));
    const decoded = decodeAndDerive({
      bytes: f.bytes,
      fileName: f.fileName,
      athleteId: ATHLETE,
      sourceId,
      tags: [],
      thresholds: [],
      curveGapPolicy: DEFAULT_CURVE_GAP_POLICY,
      skipActivityIds: [],
    });
    if (!decoded.ok) continue;
    for (const w of decoded.writes) {
      curves.set(w.id, {
        gapPolicy: w.gapPolicy,
        curves: w.curves
          .filter((c) => c.afterKj === 0)
          .sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0)),
      });
    }
  }
  const written: string[] = [];
  await withCatalog(dataDir, async (db) => {
    const activities = await rows<{ id: string; curves_path: string }>(
      db,
      'SELECT id, curves_path FROM activities WHERE curves_path IS NOT NULL ORDER BY id',
    );
    await db.run(
      'CREATE TEMP TABLE long_curve (metric VARCHAR, duration_s INTEGER, value DOUBLE, start_offset_s INTEGER)',
    );
    for (const activity of activities) {
      const derived = curves.get(activity.id)!;
      const columns: (string | number)[][] = [[], [], [], []];
      for (const curve of derived.curves) {
        for (let d = 1; d <= curve.values.length; d++) {
          const v = curve.values[d - 1]!;
          if (Number.isNaN(v)) continue;
          columns[0]!.push(curve.metric);
          columns[1]!.push(d);
          columns[2]!.push(v);
          columns[3]!.push(curve.startS[d - 1]!);
        }
      }
      await db.run('DELETE FROM long_curve');
      const appender = await db.createAppender('long_curve');
      for (let i = 0; i < columns[0]!.length; i++) {
        appender.appendVarchar(columns[0]![i] as string);
        appender.appendInteger(columns[1]![i] as number);
        appender.appendDouble(columns[2]![i] as number);
        appender.appendInteger(columns[3]![i] as number);
        appender.endRow();
      }
      appender.closeSync();
      const old = join(dataDir, activity.curves_path);
      const path = join(dirname(old), `${activity.id}-${randomBytes(4).toString('hex')}.parquet`);
      await db.run(
        `COPY (SELECT '${activity.id}' AS activity_id, metric, duration_s, value, start_offset_s,
          '${derived.gapPolicy}' AS gap_policy FROM long_curve)
         TO '${path}' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION V2)`,
      );
      const stored = path.slice(dataDir.length + 1);
      await db.run('UPDATE activities SET curves_path = $1 WHERE id = $2', [stored, activity.id]);
      await rm(old);
      written.push(stored);
    }
    await db.run("DELETE FROM settings WHERE key LIKE 'lake.%'");
  });
  expect(written.length).toBeGreaterThan(5);
  return written;
}

/** The SQL that read one activity's curve from a long-layout file before the list layout. */
function earlierActivityCurveSql(source: string, metric: string, envelope: boolean): string {
  const curve = envelope
    ? `SELECT duration_s, max(value) OVER w AS value, arg_max(duration_s, value) OVER w AS window_s,
           arg_max(start_offset_s, value) OVER w AS start_offset_s
         FROM ${source} WHERE metric = '${metric}'
         WINDOW w AS (ORDER BY duration_s DESC ROWS UNBOUNDED PRECEDING)`
    : `SELECT duration_s, value, duration_s AS window_s, start_offset_s FROM ${source} WHERE metric = '${metric}'`;
  return `SELECT * FROM (${curve}) ORDER BY duration_s`;
}

async function withCatalog<T>(dataDir: string, work: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(join(dataDir, 'catalog.duckdb'));
  const db = await instance.connect();
  try {
    return await work(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

async function rows<T>(db: DuckDBConnection, sql: string): Promise<T[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

async function curvePaths(db: DuckDBConnection): Promise<string[]> {
  return (
    await rows<{ curves_path: string }>(
      db,
      'SELECT curves_path FROM activities WHERE curves_path IS NOT NULL',
    )
  ).map((r) => r.curves_path);
}

function pathList(dataDir: string, stored: readonly string[]): string {
  return `[${stored.map((p) => `'${join(dataDir, p)}'`).join(', ')}]`;
}

async function copyDataDir(from: string, prefix: string): Promise<string> {
  const to = await makeTempDir(prefix);
  for (const file of await listFiles(from)) {
    const target = join(to, file.slice(from.length + 1));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await readFile(file));
  }
  return to;
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}
