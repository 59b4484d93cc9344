import { rm } from 'node:fs/promises';
import { afterAll } from 'vitest';
import { madeTempDirs } from '../helpers/test-server.ts';

// Runs after the test file's own hooks (vitest runs after-hooks in reverse order of registration),
// so servers and engines are closed before their data dirs go.
afterAll(async () => {
  const dirs = madeTempDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
