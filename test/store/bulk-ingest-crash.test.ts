import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, sourceIdFor } from '../../src/domain/ids.ts';
import { Engine } from '../../src/engine/engine.ts';
import { listFiles } from '../../src/store/lake.ts';
import { BIN } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/** Files per catalog transaction of the bulk path (IngestService.ingestMany's default). */
const BATCH_FILES = 16;

/**
 * Issue 11 item 1: `peakform ingest <folder>` writes batches of files in one catalog transaction.
 * A process killed while a batch is being written leaves every file either fully in (source,
 * activities, lake files with every row, original) or fully out (none of these), and the files
 * that are in are whole batches.
 */
describe('a process killed in the middle of a bulk ingest batch', () => {
  let root: string;
  const FILES = 40;
  let names: string[];

  beforeAll(async () => {
    root = await makeTempDir('peakform-bulk-crash-');
    await mkdir(join(root, 'in'));
    names = [];
    for (let i = 0; i < FILES; i++) {
      const name = `ride-${String(i).padStart(2, '0')}.csv`;
      names.push(name);
      const day = String(1 + (i % 28)).padStart(2, '0');
      const month = String(1 + Math.floor(i / 28)).padStart(2, '0');
      await writeFile(
        join(root, 'in', name),
        csvRide({ startIso: `2024-${month}-${day}T07:00:00Z`, durationS: 3600 }),
      );
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /** Runs the ingest and kills it hard once the lake holds `lakeFiles` files (temporaries included). */
  async function killWhenLakeHolds(dataDir: string, lakeFiles: number): Promise<void> {
    const child = spawn(process.execPath, [
      BIN,
      'ingest',
      '--data',
      dataDir,
      '--athlete',
      'dora',
      join(root, 'in'),
    ]);
    const closed = new Promise((resolve) => child.on('close', resolve));
    let done = false;
    void closed.then(() => {
      done = true;
    });
    while (!done) {
      const files = existsSync(join(dataDir, 'lake')) ? await listFiles(join(dataDir, 'lake')) : [];
      if (files.length >= lakeFiles) {
        child.kill('SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await closed;
  }

  /** Checks every input file is fully in or fully out; returns how many are in. */
  async function filesIn(dataDir: string): Promise<number> {
    const engine = await Engine.open({ dataDir });
    try {
      expect(await engine.checkConsistency()).toEqual([]);
      const inFlags: boolean[] = [];
      for (const name of names) {
        const sha = sha256Hex(await readFile(join(root, 'in', name)));
        const sourceId = sourceIdFor('dora', sha);
        const sources = await engine.store.all<{ status: string }>(
          'SELECT status FROM sources WHERE id = $1',
          [sourceId],
        );
        const activities = await engine.store.all<{ id: string; samples_path: string; sample_count: number }>(
          'SELECT id, samples_path, sample_count FROM activities WHERE source_id = $1',
          [sourceId],
        );
        const original = existsSync(join(dataDir, 'originals', 'dora', sha));
        const isIn = sources.length === 1;
        inFlags.push(isIn);
        if (isIn) {
          expect(sources[0]!.status).toBe('processed');
          expect(activities).toHaveLength(1);
          expect(original).toBe(true);
          const [rows] = await engine.store.all<{ n: bigint }>(
            `SELECT count(*) AS n FROM read_parquet('${join(dataDir, activities[0]!.samples_path)}')`,
          );
          expect(Number(rows!.n)).toBe(activities[0]!.sample_count);
          const [points] = await engine.store.all<{ n: bigint }>(
            'SELECT count(*) AS n FROM curve_points WHERE activity_id = $1',
            [activities[0]!.id],
          );
          expect(Number(points!.n)).toBeGreaterThan(0);
        } else {
          expect(activities).toEqual([]);
          expect(original).toBe(false);
        }
      }
      const count = inFlags.filter(Boolean).length;
      // Whole batches, in order: the files that are in are the first k × BATCH_FILES (or all).
      expect(inFlags).toEqual(names.map((_, i) => i < count));
      if (count < FILES) expect(count % BATCH_FILES).toBe(0);
      return count;
    } finally {
      engine.close();
    }
  }

  async function finishAndCheck(dataDir: string): Promise<void> {
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
    expect(await filesIn(dataDir)).toBe(FILES);
  }

  it('leaves nothing of the first batch when killed before its commit', async () => {
    const dataDir = join(root, 'first');
    await killWhenLakeHolds(dataDir, 1);
    expect(await filesIn(dataDir)).toBe(0);
    await finishAndCheck(dataDir);
  });

  it('keeps committed batches whole and leaves nothing of the batch being written', async () => {
    const dataDir = join(root, 'second');
    // Two files per ride (samples, curves): past the first batch's files, into the second's.
    await killWhenLakeHolds(dataDir, 2 * BATCH_FILES + 6);
    const count = await filesIn(dataDir);
    expect(count).toBeLessThan(FILES);
    await finishAndCheck(dataDir);
  });
});
