import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../scripts/fixtures/prng.ts';
import { Engine } from '../../src/engine/engine.ts';
import { runCli } from '../helpers/cli.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/**
 * Seeded damage to the project's fixtures, ingested through the real path (worker decode, Parquet,
 * catalog): every file becomes a processed or failed source, nothing throws, and the consistency
 * checker finds the catalog and the files in agreement afterwards, also after deleting and
 * recomputing.
 */

const FIXTURES_DIR = join(import.meta.dirname, '../../data/fixtures');
const MUTATIONS = 48;
const SEED = 0x7_2026;

describe('damaged files through the engine', () => {
  let dataDir: string;
  let engine: Engine;
  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-fuzz-');
    engine = await Engine.open({ dataDir });
  });
  afterAll(async () => {
    engine.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('records a source for every damaged file and leaves a consistent lake', async () => {
    const random = prng(SEED);
    const fixtures = readdirSync(FIXTURES_DIR)
      .filter((name) => /\.(fit|tcx|gpx|csv)$/.test(name))
      .map((name) => ({ name, bytes: readFileSync(join(FIXTURES_DIR, name)) }));
    const statuses = { processed: 0, failed: 0 };
    for (let i = 0; i < MUTATIONS; i++) {
      const fixture = fixtures[i % fixtures.length]!;
      const bytes = Uint8Array.from(fixture.bytes);
      if (i % 3 === 0) {
        for (let k = random.int(1, 6); k > 0; k--)
          bytes[random.int(0, bytes.length - 1)]! ^= random.int(1, 255);
      } else if (i % 3 === 1) {
        const at = random.int(0, bytes.length - 4);
        for (let k = 0; k < 4; k++) bytes[at + k] = random.int(0, 255);
      }
      const damaged = i % 3 === 2 ? bytes.slice(0, random.int(1, bytes.length - 1)) : bytes;
      const source = await engine.sources.ingest('fuzz', damaged, { fileName: `${i}-${fixture.name}` });
      expect(['processed', 'failed']).toContain(source.status);
      statuses[source.status as 'processed' | 'failed']++;
    }
    expect(statuses.processed).toBeGreaterThan(0);
    expect(await engine.checkConsistency()).toEqual([]);

    const [first] = await engine.activities.list('fuzz', { limit: 1, offset: 0 });
    await engine.activities.delete('fuzz', first!.id);
    await engine.sources.recompute('fuzz');
    expect(await engine.checkConsistency()).toEqual([]);
  });

  it('is checked by `peakform check`, which exits 0 on a consistent data dir', async () => {
    engine.close();
    const result = await runCli(['check', '--data', dataDir, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, problems: [] });
    engine = await Engine.open({ dataDir });
  });
});
