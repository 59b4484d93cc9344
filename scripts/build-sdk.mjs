// Builds the @peakform/sdk package (packages/sdk/dist) from src/sdk: one ESM bundle per entry with
// the contract and domain inlined and zod and apache-arrow left to the consumer's node_modules,
// plus .d.ts files emitted by tsc. Run by the package's `prepack`, so `npm pack` ships a build.
// The Node-only entries (node, webhooks, fastify, express) are never reached from index; fastify and
// express are optional peer dependencies imported for their types only, so no bundle loads them.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = join(ROOT, 'packages/sdk');
const DIST = join(PACKAGE, 'dist');

rmSync(DIST, { recursive: true, force: true });
await build({
  entryPoints: {
    index: join(ROOT, 'src/sdk/index.ts'),
    node: join(ROOT, 'src/sdk/node.ts'),
    webhooks: join(ROOT, 'src/sdk/webhooks.ts'),
    fastify: join(ROOT, 'src/sdk/fastify.ts'),
    express: join(ROOT, 'src/sdk/express.ts'),
  },
  outdir: DIST,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['zod', 'apache-arrow', 'node:*', 'fastify', 'express'],
  sourcemap: true,
  logLevel: 'warning',
});
execFileSync(
  process.execPath,
  [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(PACKAGE, 'tsconfig.json')],
  {
    stdio: 'inherit',
  },
);
