import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorDocs } from '../../scripts/write-error-docs.ts';
import { ERROR_CATALOG } from '../../src/domain/error-catalog.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/**
 * The SDK's framework helpers answer from the developer's own app, not from Peakform: their codes
 * (`ERR_SIGNED_OUT`, `ERR_WEBHOOK_*`) are the helpers' and are documented in
 * docs/guides/05-framework-helpers.md, not in the server's catalog.
 */
const APP_SIDE_SOURCES = [
  'src/sdk/webhooks.ts',
  'src/sdk/web-session.ts',
  'src/sdk/express.ts',
  'src/sdk/fastify.ts',
];

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
      if (file.endsWith('error-catalog.ts') || APP_SIDE_SOURCES.some((path) => file.endsWith(path))) continue;
      for (const match of (await readFile(file, 'utf8')).matchAll(/'(ERR_[A-Z0-9_]+)'/g))
        named.add(match[1]!);
    }
    expect([...named].filter((code) => !(code in ERROR_CATALOG))).toEqual([]);
    expect(Object.keys(ERROR_CATALOG).filter((code) => !named.has(code))).toEqual([]);
  });

  it('keeps the app-side codes of the framework helpers out of the catalog, and documents them', async () => {
    const guide = await readFile(join(ROOT, 'docs/guides/05-framework-helpers.md'), 'utf8');
    for (const path of APP_SIDE_SOURCES) {
      for (const match of (await readFile(join(ROOT, path), 'utf8')).matchAll(/'(ERR_[A-Z0-9_]+)'/g)) {
        expect(ERROR_CATALOG, match[1]).not.toHaveProperty(match[1]!);
        expect(guide, match[1]).toContain(match[1]!);
      }
    }
  });

  it('is documented in docs/errors.md exactly as the catalog says', async () => {
    expect(await readFile(join(ROOT, 'docs/errors.md'), 'utf8')).toBe(errorDocs());
  });
});
