/**
 * Writes the synthetic fixtures into data/fixtures/ (run `npm run fixtures`). With `--check`,
 * writes nothing and exits 1 when a committed file differs from a fresh build. Only the files of
 * the fixture set are touched; anything else in the folder is left alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtureSet } from './fixtures/fixture-set.ts';

const outDir = fileURLToPath(new URL('../data/fixtures/', import.meta.url));
const check = process.argv.includes('--check');

mkdirSync(outDir, { recursive: true });
let stale = 0;
for (const { fileName, bytes } of buildFixtureSet()) {
  const path = join(outDir, fileName);
  const same = existsSync(path) && Buffer.compare(readFileSync(path), bytes) === 0;
  if (check) {
    if (!same) stale++;
    console.log(`${same ? 'ok     ' : 'differs'} ${fileName}`);
  } else {
    writeFileSync(path, bytes);
    console.log(`${same ? 'unchanged' : 'written  '} ${fileName} (${bytes.length} bytes)`);
  }
}
if (stale > 0) {
  console.error(`${stale} fixture(s) differ from a fresh build: run npm run fixtures`);
  process.exitCode = 1;
}
