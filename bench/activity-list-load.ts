/**
 * The hot read routes under load: 50 connections (autocannon) per route against a
 * `peakform serve` child on the cached synthetic lake, with the server's CPU per request
 * (its user + system CPU seconds over the requests answered, from /proc), which does not depend
 * on what else the machine runs.
 *
 *   npx tsx bench/activity-list-load.ts [--years Y] [--seconds S] [--routes list,mean-max,data]
 *     [--checkout DIR[::DATA]]... [--data DIR --athlete ID]
 *
 * Routes: `list` (GET /api/v1/activities/, the default page of 50), `mean-max` (longitudinal,
 * default durations, `sport=cycling`, JSON) and `data` (one activity's samples as Arrow). Each
 * `--checkout` names another checkout (e.g. a worktree of an older commit, built) whose
 * bin/peakform.mjs is measured too; the checkouts take turns per route and round, so before and
 * after share the machine's load.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { writeBenchResult } from './report.ts';
import { waitForHealth } from './serve-child.ts';
import { LAKE_SEED, openSyntheticLake } from './synthetic-lake.ts';

const { values: args } = parseArgs({
  options: {
    years: { type: 'string' },
    seconds: { type: 'string' },
    routes: { type: 'string' },
    rounds: { type: 'string' },
    checkout: { type: 'string', multiple: true },
    data: { type: 'string' },
    athlete: { type: 'string' },
  },
});
const YEARS = Number(args.years ?? '1');
const SECONDS = Number(args.seconds ?? '10');
const ROUNDS = Number(args.rounds ?? '1');
const ROUTES = (args.routes ?? 'list,mean-max,data').split(',');
// `--checkout DIR::DATA` gives that checkout its own copy of the lake (when the lake's layout changed).
const CHECKOUTS = [
  { dir: resolve(import.meta.dirname, '..'), data: undefined as string | undefined },
  ...(args.checkout ?? []).map((c) => {
    const [dir, data] = c.split('::');
    return { dir: resolve(dir!), data: data ? resolve(data) : undefined };
  }),
];
const PORT = 8962;

// `--data DIR --athlete ID` measure a copy of a lake as it is (the cached one is rebuilt whenever
// the sources that shape ingest change).
const lake = args.data
  ? { dataDir: resolve(args.data), athleteId: args.athlete ?? 'bench' }
  : await openSyntheticLake({ seed: LAKE_SEED, years: YEARS }).then((opened) => {
      opened.engine.close();
      return { dataDir: opened.dataDir, athleteId: opened.athleteId };
    });

const PATHS: Record<string, string> = {
  list: '/api/v1/activities/',
  'mean-max': '/api/v1/activities/longitudinal-mean-max?sport=cycling&format=json',
  // The newest activity's samples (its id is read from the list when the route is measured).
  data: '/api/v1/activities/{newest}/data?format=arrow',
};

/** User + system CPU seconds a process has used so far (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat; the split drops the first two.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(checkout: (typeof CHECKOUTS)[number], route: string) {
  const peakform = resolve(checkout.dir, 'bin/peakform.mjs');
  const dataDir = checkout.data ?? lake.dataDir;
  const token = execFileSync(
    'node',
    [peakform, 'token', 'create', '--data', dataDir, '--athlete', lake.athleteId],
    { encoding: 'utf8' },
  ).trim();
  const server: ChildProcess = spawn(
    'node',
    [peakform, 'serve', '--data', dataDir, '--port', String(PORT), '--rate-limit', '1000000'],
    { stdio: 'ignore' },
  );
  try {
    const base = `http://127.0.0.1:${PORT}`;
    await waitForHealth(base);
    const headers = { authorization: `Bearer ${token}` };
    let path = PATHS[route]!;
    if (path.includes('{newest}')) {
      const [newest] = (await (await fetch(`${base}/api/v1/activities/?limit=1`, { headers })).json()) as {
        id: string;
      }[];
      path = path.replace('{newest}', newest!.id);
    }
    const url = `${base}${path}`;
    // Warm: caches built on first use (the curve index, pooled connections, compiled serializers).
    for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer();
    const cpuBefore = cpuSeconds(server.pid!);
    const result = await autocannon({ url, connections: 50, duration: SECONDS, headers });
    const cpu = cpuSeconds(server.pid!) - cpuBefore;
    return {
      checkout: checkout === CHECKOUTS[0] ? 'this' : checkout.dir,
      route,
      reqPerS: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      cpuMsPerReq: Number(((cpu * 1000) / result.requests.total).toFixed(3)),
      serverCpuPct: Math.round((cpu / SECONDS) * 100),
      errors: result.errors,
      non2xx: result.non2xx,
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
  }
}

const rows = [];
for (let round = 0; round < ROUNDS; round++)
  for (const route of ROUTES)
    for (const checkout of CHECKOUTS) {
      const row = await measure(checkout, route);
      console.log(JSON.stringify(row));
      rows.push(row);
    }
console.table(rows);
console.log(
  `wrote ${writeBenchResult(`route-load-${YEARS}y`, { years: YEARS, seconds: SECONDS, loadavg: readFileSync('/proc/loadavg', 'utf8').trim(), rows })}`,
);
