import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SDK_DIR = join(ROOT, 'src/sdk');
const IMPORT =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]/g;

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** Package entries for Node only (`@peakform/sdk/node`, `/webhooks`, `/fastify`, `/express`) and what they share. */
const NODE_ONLY = ['node.ts', 'webhooks.ts', 'web-session.ts', 'fastify.ts', 'express.ts'];

describe('the SDK depends on the wire contract only', () => {
  it('no SDK file imports server code (api, engine, store, query)', async () => {
    const files = (await readdir(SDK_DIR)).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('client.ts');
    for (const file of files) {
      for (const specifier of await importsOf(join(SDK_DIR, file))) {
        expect(specifier, `${file} imports ${specifier}`).not.toMatch(/\/(api|engine|store|query)\//);
        // The Node-only entries (and the session they share) may use Node; index.ts never reaches them.
        if (!NODE_ONLY.includes(file))
          expect(specifier, `${file} imports ${specifier}`).not.toMatch(/^node:/);
      }
    }
  });

  it('everything the SDK reaches, directly or not, lies in src/sdk, src/contract or src/domain, plus zod and apache-arrow', async () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [join(SDK_DIR, 'index.ts')];
    for (let file = queue.pop(); file; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of await importsOf(file)) {
        if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
        else packages.add(specifier);
      }
    }
    const outside = [...seen]
      .map((f) => relative(ROOT, f))
      .filter((f) => !['src/sdk/', 'src/contract/', 'src/domain/'].some((dir) => f.startsWith(dir)));
    expect(outside).toEqual([]);
    expect([...packages].sort()).toEqual(['apache-arrow', 'zod']);
  });

  it('the framework helpers load only Node and the SDK: fastify and express are imported for their types', async () => {
    for (const file of ['webhooks.ts', 'web-session.ts', 'fastify.ts', 'express.ts']) {
      const text = await readFile(join(SDK_DIR, file), 'utf8');
      for (const specifier of await importsOf(join(SDK_DIR, file))) {
        if (specifier.startsWith('./') || specifier.startsWith('node:')) continue;
        if (specifier === '../domain/wire-webhooks.ts') continue;
        expect(['fastify', 'express'], `${file} imports ${specifier}`).toContain(specifier);
        expect(text, `${file} imports ${specifier} for more than its types`).toMatch(
          new RegExp(`^import type \\{[^}]*\\} from '${specifier}';$`, 'm'),
        );
        expect(text.match(new RegExp(`from '${specifier}'`, 'g'))).toHaveLength(1);
      }
    }
  });
});
