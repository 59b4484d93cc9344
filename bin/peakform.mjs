#!/usr/bin/env node
// Runs the built CLI (dist/cli/, made by scripts/build.mjs on `npm ci`) when it was built after
// the last change under src/, so a command starts without transpiling; otherwise (no build, or
// sources edited since) the TypeScript sources through tsx. PEAKFORM_FROM_SOURCES=1 forces tsx.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

function builtAndCurrent() {
  if (process.env.PEAKFORM_FROM_SOURCES === '1') return false;
  let builtMs;
  try {
    builtMs = JSON.parse(readFileSync(join(root, 'dist/cli/build.json'), 'utf8')).builtMs;
  } catch {
    return false;
  }
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs >= builtMs) {
      return false;
    }
  }
  return true;
}

let main;
if (builtAndCurrent()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
