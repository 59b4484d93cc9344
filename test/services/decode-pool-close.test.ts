import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/test-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Closing the decode pool (an engine closing, a server stopping) while a worker writes an ingest's
 * lake files must not abort the process: DuckDB's threads call into the worker's JavaScript then,
 * and a worker stopped from outside at that moment took the whole process down ("terminate called
 * after throwing an instance of 'Napi::Error'"). A task already sent finishes and is written; one
 * not yet sent is dropped (its promise rejects). Only a process can show an abort, so one is
 * spawned; it closes a pool at many moments of a 4 h ride's ingest.
 */
describe('closing the decode pool', () => {
  it('lets a running task finish its lake files and drops the others, never aborting the process', async () => {
    const dir = await makeTempDir('peakform-pool-close-');
    const script = join(dir, 'close.mts');
    await writeFile(
      script,
      `const { DecodePool } = await import(${JSON.stringify(`${ROOT}/src/services/sources/decode-pool.ts`)});
const { csvRide } = await import(${JSON.stringify(`${ROOT}/test/helpers/csv-activity.ts`)});
const { xorshift32 } = await import(${JSON.stringify(`${ROOT}/test/helpers/xorshift.ts`)});
const next = xorshift32(5);
const watts = Array.from({ length: 4 * 3600 }, () => 100 + Math.floor(next() * 300));
const bytes = csvRide({ startIso: '2024-05-01T06:00:00Z', durationS: 4 * 3600, powerW: (s) => watts[s] });
for (const delay of [0, 200, 400, 500, 600, 700, 800, 900, 1000, 1200, 1500]) {
  const pool = new DecodePool({ size: 1 });
  const done = pool
    .run({ bytes, fileName: 'ride.csv', athleteId: 'a', sourceId: 'src_' + delay, tags: [], thresholds: [],
      curveGapPolicy: { kind: 'interp', maxGapS: 23 }, skipActivityIds: [],
      writeLakeFiles: { dataDir: ${JSON.stringify(dir)}, generation: 'g' + delay } })
    .then((r) => (r.ok ? 'written' : r.code), (e) => (/closed before/.test(e.message) ? 'dropped' : 'error ' + e.message));
  await new Promise((r) => setTimeout(r, delay));
  await pool.close();
  console.log(await done);
}
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    clearTimeout(killer);
    const outcomes = stdout.trim().split('\n');
    expect(stderr, stderr).not.toMatch(/terminate called|Napi::Error/);
    expect(code).toBe(0);
    expect(outcomes).toHaveLength(11);
    expect(
      outcomes.every((o) => o === 'written' || o === 'dropped'),
      outcomes.join(', '),
    ).toBe(true);
    expect(outcomes).toContain('written');
  }, 120_000);
});
