import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/test-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Idle workers must not keep a process alive: a script or bench that warmed the pools (as
 * `Engine.warmUp` does) and is done exits on its own. Only a process can show this, so one is
 * spawned. (Both pools once unref'd a worker before adding its 'message' listener, which refs the
 * port again: such a process never ended.)
 */
describe('idle worker pools', () => {
  it('let a process that warmed them exit on its own', async () => {
    const dir = await makeTempDir('peakform-idle-workers-');
    const script = join(dir, 'warm.mts');
    await writeFile(
      script,
      `const { lakeArrowPool } = await import(${JSON.stringify(`${ROOT}/src/query/formats/lake-arrow-pool.ts`)});
const { DecodePool } = await import(${JSON.stringify(`${ROOT}/src/services/sources/decode-pool.ts`)});
lakeArrowPool().warm();
new DecodePool({ size: 1 }).warm();
// Long enough for the workers to be up and idle.
await new Promise((done) => setTimeout(done, 2000));
console.log('warmed');
`,
    );
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT });
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
      clearTimeout(killer);
      expect(stdout).toContain('warmed');
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
