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

describe('the SDK depends on the wire contract only', () => {
  it('no SDK file imports server code (api, engine, store, query)', async () => {
    const files = (await readdir(SDK_DIR)).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('client.ts');
    for (const file of files) {
      for (const specifier of await importsOf(join(SDK_DIR, file))) {
        expect(specifier, `${file} imports ${specifier}`).not.toMatch(/\/(api|engine|store|query)\//);
        // node.ts (the loopback sign-in, its own package entry) is the one file that may use Node.
        if (file !== 'node.ts') expect(specifier, `${file} imports ${specifier}`).not.toMatch(/^node:/);
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
});
