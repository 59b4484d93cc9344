/**
 * Longitudinal mean-max under load: 50 connections (autocannon) on one route against a
 * `peakform serve` child on the cached synthetic lake (default durations, `sport=cycling`, JSON).
 *
 *   npx tsx bench/mean-max-load.ts [--years Y] [--seconds S]
 * The child runs whatever bin/peakform.mjs runs (the build, or the sources with
 * PEAKFORM_FROM_SOURCES=1, which is passed on).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { writeBenchResult } from './report.ts';
import { waitForHealth } from './serve-child.ts';
import { LAKE_SEED, openSyntheticLake } from './synthetic-lake.ts';

const { values: args } = parseArgs({ options: { years: { type: 'string' }, seconds: { type: 'string' } } });
const YEARS = Number(args.years ?? '1');
const PORT = 8961;
const lake = await openSyntheticLake({ seed: LAKE_SEED, years: YEARS });
lake.engine.close();
const peakform = resolve(import.meta.dirname, '../bin/peakform.mjs');
const token = execFileSync(
  'node',
  [peakform, 'token', 'create', '--data', lake.dataDir, '--athlete', lake.athleteId],
  { encoding: 'utf8' },
).trim();
const server: ChildProcess = spawn(
  'node',
  [peakform, 'serve', '--data', lake.dataDir, '--port', String(PORT), '--rate-limit', '1000000'],
  { stdio: 'ignore' },
);
try {
  const base = `http://127.0.0.1:${PORT}`;
  await waitForHealth(base);
  const path = '/api/v1/activities/longitudinal-mean-max?sport=cycling&format=json';
  const headers = { authorization: `Bearer ${token}` };
  // Warm: the per-athlete curve index is built on first use.
  await (await fetch(`${base}${path}`, { headers })).arrayBuffer();
  const result = await autocannon({
    url: `${base}${path}`,
    connections: 50,
    duration: Number(args.seconds ?? '10'),
    headers,
  });
  const row = {
    reqPerS: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
  console.table([row]);
  console.log(`wrote ${writeBenchResult(`mean-max-load-${YEARS}y`, { years: YEARS, ...row })}`);
} finally {
  server.kill('SIGTERM');
}
