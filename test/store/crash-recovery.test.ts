import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { listFiles } from '../../src/store/lake.ts';
import { BIN } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

describe('a process killed in the middle of an ingest', () => {
  let root: string;
  const FILES = 60;

  beforeAll(async () => {
    root = await makeTempDir('peakform-crash-');
    await mkdir(join(root, 'in'));
    for (let i = 0; i < FILES; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const month = String(1 + Math.floor(i / 28)).padStart(2, '0');
      await writeFile(
        join(root, 'in', `ride-${i}.csv`),
        csvRide({ startIso: `2024-${month}-${day}T07:00:00Z`, durationS: 3600 }),
      );
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  async function killMidIngestThenCheck(dataDir: string) {
    const child = spawn(process.execPath, [
      BIN,
      'ingest',
      '--json',
      '--data',
      dataDir,
      '--athlete',
      'dora',
      join(root, 'in'),
    ]);
    // Kill it hard once a few files have landed, so the kill falls in the middle of the run.
    await new Promise<void>((resolve) => {
      let landed = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        landed += chunk.toString().split('\n').filter(Boolean).length;
        if (landed >= 5) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('close', () => resolve());
    });
    await new Promise((resolve) => child.on('close', resolve));

    const engine = await Engine.open({ dataDir });
    try {
      expect(await engine.checkConsistency()).toEqual([]);
      const activities = await engine.activities.list('dora', { limit: 1000, offset: 0 });
      expect(activities.length).toBeGreaterThanOrEqual(5);
      expect(activities.length).toBeLessThan(FILES);
      const files = await listFiles(join(dataDir, 'lake'));
      expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
      const rows = await engine.store.all<{
        samples_path: string;
        curves_path: string;
        sample_count: number;
      }>('SELECT samples_path, curves_path, sample_count FROM activities');
      // Every lake file is named by a committed row, and every row's files exist.
      const named = rows.flatMap((r) => [r.samples_path, r.curves_path]).map((p) => join(dataDir, p));
      expect(files.sort()).toEqual(named.sort());
      for (const path of named) expect(existsSync(path)).toBe(true);
      // Every file is complete: the lake reads as a whole with the row counts the catalog holds.
      const [total] = await engine.store.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM read_parquet('${join(dataDir, 'lake/samples/**/*.parquet')}', hive_partitioning = true)`,
      );
      expect(Number(total!.n)).toBe(rows.reduce((sum, r) => sum + r.sample_count, 0));
    } finally {
      engine.close();
    }

    // Finishing the run afterwards ingests the rest and re-ingests nothing twice.
    const again = spawn(process.execPath, [
      BIN,
      'ingest',
      '--data',
      dataDir,
      '--athlete',
      'dora',
      join(root, 'in'),
    ]);
    expect(await new Promise((resolve) => again.on('close', resolve))).toBe(0);
    const reopened = await Engine.open({ dataDir });
    try {
      expect(await reopened.activities.count('dora', {})).toBe(FILES);
    } finally {
      reopened.close();
    }
  }

  // A fresh data dir: the schema is checkpointed on open, because DuckDB cannot replay an
  // ADD COLUMN on a table with a DEFAULT from its WAL after a kill.
  it('leaves a consistent lake after restart: no partial file, no catalog row without its file', async () => {
    await killMidIngestThenCheck(join(root, 'data'));
  });

  it('leaves a consistent lake after restart when the data dir already existed', async () => {
    const dataDir = join(root, 'data-existing');
    // A clean open and close first, so the kill can only interrupt the ingest itself.
    (await Engine.open({ dataDir })).close();
    await killMidIngestThenCheck(dataDir);
  });
});
