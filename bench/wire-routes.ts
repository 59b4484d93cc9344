/**
 * The cost of the wire-contract redesign on the two hot routes, measured over HTTP against a
 * `peakform serve` child process of a given checkout (so the same script times the code before
 * and after a change, each on a lake its own code built):
 *   - longitudinal mean-max, default durations, as JSON rows;
 *   - one activity's samples (every metric it has) as an Arrow IPC stream, and, where the server
 *     answers Parquet by default (the official clients' format), as default Parquet.
 *
 *   npx tsx bench/wire-routes.ts [--repo DIR] [--years Y]
 * `--repo` names the checkout whose server is timed (default: this one); its lake is built into
 * that checkout's bench/.cache with its own `bench/synthetic-lake.ts` on first use.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { writeBenchResult } from './report.ts';
import { waitForHealth } from './serve-child.ts';

const { values } = parseArgs({ options: { repo: { type: 'string' }, years: { type: 'string' } } });
const REPO = resolve(values.repo ?? resolve(import.meta.dirname, '..'));
const YEARS = values.years ?? '1';
const PORT = 8941;
const URL_BASE = `http://127.0.0.1:${PORT}`;

const tsx = join(REPO, 'node_modules/.bin/tsx');
execFileSync(tsx, [join(REPO, 'bench/synthetic-lake.ts'), '--years', YEARS], { cwd: REPO, stdio: 'inherit' });
const cache = join(REPO, 'bench/.cache');
const lakeName = readdirSync(cache).find((name) => name.endsWith(`-${YEARS}y`));
if (!lakeName) throw new Error(`no ${YEARS}-year lake in ${cache}`);
const dataDir = join(cache, lakeName);
const peakform = join(REPO, 'bin/peakform.mjs');
// The key is made before the server starts: one process owns a data dir.
const token = execFileSync('node', [peakform, 'token', 'create', '--data', dataDir, '--athlete', 'bench'], {
  encoding: 'utf8',
}).trim();

// Servers that limit requests per key are told not to: the bench sends thousands a minute.
const limited = execFileSync('node', [peakform, 'serve', '--help'], { encoding: 'utf8' }).includes(
  '--rate-limit',
);
const server: ChildProcess = spawn(
  'node',
  [
    peakform,
    'serve',
    '--data',
    dataDir,
    '--port',
    String(PORT),
    ...(limited ? ['--rate-limit', '1000000'] : []),
  ],
  {
    stdio: 'ignore',
  },
);
try {
  await waitForHealth(URL_BASE);
  const headers = { authorization: `Bearer ${token}` };
  const listed = (await (await fetch(`${URL_BASE}/api/v1/activities?limit=100`, { headers })).json()) as
    | { id: string; sample_count: number }[]
    | { data: { id: string; sample_count: number }[] };
  const activities = Array.isArray(listed) ? listed : listed.data;
  // A typical ride: the median length of the newest hundred.
  const ride = [...activities].sort((a, b) => a.sample_count - b.sample_count)[activities.length >> 1]!;
  const meanMax = `${URL_BASE}/api/v1/activities/longitudinal-mean-max?sport=cycling&format=json`;
  const dataArrow = `${URL_BASE}/api/v1/activities/${ride.id}/data?format=arrow`;
  const dataDefault = `${URL_BASE}/api/v1/activities/${ride.id}/data`;
  const defaultType = (await fetch(dataDefault, { headers })).headers.get('content-type') ?? '';

  const bench = new Bench({ time: 3000, warmupTime: 500 });
  const drain = async (url: string) => {
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    await response.arrayBuffer();
  };
  bench.add('longitudinal mean-max, default durations, JSON', () => drain(meanMax));
  const meanMaxDefault = meanMax.replace('&format=json', '');
  const meanMaxType = (await fetch(meanMaxDefault, { headers })).headers.get('content-type') ?? '';
  if (meanMaxType.includes('parquet')) {
    bench.add('longitudinal mean-max, default durations, default Parquet', () => drain(meanMaxDefault));
  }
  bench.add(`activity data (${ride.sample_count} rows), Arrow`, () => drain(dataArrow));
  if (defaultType.includes('parquet'))
    bench.add(`activity data (${ride.sample_count} rows), default Parquet`, () => drain(dataDefault));
  await bench.run();
  const rows = bench.tasks.map((task) => {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
    return {
      task: task.name,
      p50Ms: round(r.latency.p50),
      p99Ms: round(r.latency.p99),
      samples: r.latency.samplesCount,
    };
  });
  console.table(rows);
  const commit = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
  console.log(
    `wrote ${writeBenchResult(`wire-routes-${commit}`, { repo: REPO, commit, years: YEARS, rows })}`,
  );
} finally {
  server.kill('SIGTERM');
}

function round(x: number): number {
  return Number(x.toFixed(2));
}
