import type { Engine } from '../engine/engine.ts';
import { resolveDataDir } from './data-dir.ts';

/**
 * Opens the engine on the data dir named by `--data` (or its defaults). Loaded on demand, so that
 * commands that never touch the store (`analyze`, `--help`) start without DuckDB and Fastify.
 */
export async function openEngine(dataFlag: string | undefined): Promise<Engine> {
  const { Engine } = await import('../engine/engine.ts');
  return Engine.open({ dataDir: resolveDataDir(dataFlag) });
}
