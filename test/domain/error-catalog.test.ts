import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorDocs } from '../../scripts/write-error-docs.ts';
import { ERROR_CATALOG } from '../../src/domain/error-catalog.ts';

const ROOT = resolve(import.meta.dirname, '../..');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('the error catalog', () => {
  it('lists every code the sources name, and each it lists is named somewhere', async () => {
    const named = new Set<string>();
    for (const file of await sources(join(ROOT, 'src'))) {
      if (file.endsWith('error-catalog.ts')) continue;
      for (const match of (await readFile(file, 'utf8')).matchAll(/'(ERR_[A-Z0-9_]+)'/g))
        named.add(match[1]!);
    }
    expect([...named].filter((code) => !(code in ERROR_CATALOG))).toEqual([]);
    expect(Object.keys(ERROR_CATALOG).filter((code) => !named.has(code))).toEqual([]);
  });

  it('is documented in docs/errors.md exactly as the catalog says', async () => {
    expect(await readFile(join(ROOT, 'docs/errors.md'), 'utf8')).toBe(errorDocs());
  });
});
