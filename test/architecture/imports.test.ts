import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rules of docs/architecture.md, checked on the sources: imports point one way
 * (api and cli → engine → services → query/store; ingest and analytics pure; everything may use
 * domain; contract only domain; sdk only contract and domain; mcp only sdk and domain), foreign
 * libraries enter through their one door (the SDK's framework helpers may import fastify and
 * express for their types only), and there is no import circle.
 */

const SRC = resolve(import.meta.dirname, '../../src');

const ALLOWED: Record<string, readonly string[]> = {
  domain: ['domain'],
  contract: ['contract', 'domain'],
  ingest: ['ingest', 'domain'],
  analytics: ['analytics', 'domain'],
  store: ['store', 'domain'],
  query: ['query', 'store', 'domain'],
  services: ['services', 'query', 'store', 'analytics', 'ingest', 'domain'],
  engine: ['engine', 'services', 'query', 'store', 'analytics', 'domain'],
  api: ['api', 'engine', 'contract', 'query', 'domain'],
  cli: ['cli', 'engine', 'api', 'ingest', 'analytics', 'contract', 'domain', 'mcp', 'sdk', 'demo'],
  sdk: ['sdk', 'contract', 'domain'],
  mcp: ['mcp', 'sdk', 'domain'],
  demo: ['demo', 'analytics', 'domain'],
};

/** Packages and the only layers that may import them. */
const DOORS: Record<string, readonly string[]> = {
  '@duckdb/node-api': ['store'],
  // The driver's C bindings, for filling DuckDB's vectors from typed arrays (store/database.ts).
  '@duckdb/node-bindings': ['store'],
  fastify: ['api'],
  '@fastify/multipart': ['api'],
  '@fastify/swagger': ['api'],
  '@fastify/swagger-ui': ['api'],
  '@fastify/rate-limit': ['api'],
  'fastify-type-provider-zod': ['api'],
  '@garmin/fitsdk': ['ingest'],
  // The lake Arrow reader (query/formats/lake-arrow-task.ts) decodes samples files in workers.
  'parquet-wasm': ['query'],
  // …and decompresses their zstd pages (query/formats/zstd.ts).
  zstddec: ['query'],
  jose: ['store', 'services'],
  '@modelcontextprotocol/sdk': ['mcp'],
  express: [],
};

/**
 * Packages a layer may import for their types only (`import type`, erased at build time): the
 * SDK's Fastify plugin and Express middleware type their hooks with the framework the app brings.
 */
const TYPE_DOORS: Record<string, readonly string[]> = {
  fastify: ['sdk'],
  express: ['sdk'],
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    ),
  );
  return nested.flat();
}

function importsOf(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
}

/** Specifiers a file imports only as `import type` (no value import of them anywhere in it). */
function typeOnlyImportsOf(text: string): Set<string> {
  const all = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)];
  const typed = all.filter((m) => /^\s*import\s+type\s/.test(m[0])).map((m) => m[1]!);
  return new Set(typed.filter((s) => all.every((m) => m[1] !== s || /^\s*import\s+type\s/.test(m[0]))));
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;

describe('architecture', async () => {
  const files = await sourceFiles(SRC);
  const graph = new Map<string, string[]>();
  const typeOnly = new Map<string, Set<string>>();
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    graph.set(file, importsOf(text));
    typeOnly.set(file, typeOnlyImportsOf(text));
  }

  it('imports point only in the allowed directions', () => {
    const violations: string[] = [];
    for (const [file, specifiers] of graph) {
      const layer = layerOf(file);
      for (const specifier of specifiers) {
        if (specifier.startsWith('.')) {
          const target = layerOf(resolve(dirname(file), specifier));
          if (!(ALLOWED[layer] ?? []).includes(target)) violations.push(`${relative(SRC, file)} → ${target}`);
        } else {
          const pkg = specifier.startsWith('@')
            ? specifier.split('/').slice(0, 2).join('/')
            : specifier.split('/')[0]!;
          const door = DOORS[pkg];
          const typesOnly = typeOnly.get(file)!.has(specifier) && (TYPE_DOORS[pkg] ?? []).includes(layer);
          if (door && !door.includes(layer) && !typesOnly) violations.push(`${relative(SRC, file)} → ${pkg}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import circle between files', () => {
    const edges = new Map(
      [...graph].map(([file, specifiers]) => [
        file,
        specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s)),
      ]),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of edges.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});

/** The web app (web/src) is a client of the public API: it may import the SDK, contract and domain only. */
describe('web app layer', async () => {
  const WEB = resolve(import.meta.dirname, '../../web/src');
  const WEB_PACKAGES = ['@observablehq/plot', 'apache-arrow'];
  const files = await sourceFiles(WEB);

  it('imports only web, sdk, contract, domain and its chart and Arrow libraries', async () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(await readFile(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          const inSrc = relative(SRC, target);
          const ok = !relative(WEB, target).startsWith('..') || /^(sdk|contract|domain)\//.test(inSrc);
          if (!ok) violations.push(`${relative(WEB, file)} → ${specifier}`);
        } else if (!WEB_PACKAGES.includes(specifier)) {
          violations.push(`${relative(WEB, file)} → ${specifier}`);
        }
      }
    }
    expect(files.length).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });
});

/**
 * The store fills DuckDB's vectors through `@duckdb/node-bindings` directly, with the connections
 * and chunks of `@duckdb/node-api`: both must be the one native module, so our dependency names
 * exactly the bindings version the driver depends on (an upgrade of one without the other would
 * load a second copy).
 */
describe('DuckDB driver and bindings', () => {
  it('are pinned to the same bindings version', async () => {
    const root = resolve(import.meta.dirname, '../..');
    const readJson = async (path: string) => JSON.parse(await readFile(join(root, path), 'utf8'));
    const ours = await readJson('package.json');
    const driver = await readJson('node_modules/@duckdb/node-api/package.json');
    const installed = await readJson('node_modules/@duckdb/node-bindings/package.json');
    expect(ours.dependencies['@duckdb/node-bindings']).toBe(driver.dependencies['@duckdb/node-bindings']);
    expect(installed.version).toBe(driver.dependencies['@duckdb/node-bindings']);
  });
});
