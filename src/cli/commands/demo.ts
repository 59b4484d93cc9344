import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Engine } from '../../engine/engine.ts';
import { listFiles } from '../../engine/engine.ts';
import { openEngine } from '../open-engine.ts';
import { openAdminChannel, parsePort, parsePublicUrl, parseRateLimit, SERVE_OPTIONS } from './serve.ts';

export const DEMO_USAGE = `peakform demo [--data DIR] [--port N] [--host H]
  Seeds the data dir with the project's sample activities (athlete "demo"), then serves the API
  and prints the URL, a demo token and a curl line that downloads Arrow. (npm start)`;

const DEMO_ATHLETE = 'demo';
const DEMO_THRESHOLDS = [
  {
    sport: 'cycling',
    effective_from: '2020-01-01',
    ftp_w: 260,
    cp_w: 275,
    w_prime_j: 20000,
    lthr_bpm: 165,
    max_hr_bpm: 190,
    rest_hr_bpm: 48,
  },
  {
    sport: 'running',
    effective_from: '2020-01-01',
    ftp_w: 300,
    lthr_bpm: 170,
    max_hr_bpm: 192,
    rest_hr_bpm: 48,
  },
];
const FIXTURES_DIR = resolve(fileURLToPath(import.meta.url), '../../../../data/fixtures');

export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: SERVE_OPTIONS });
  const engine = await openEngine(values.data);
  if ((await engine.profile.listThresholds(DEMO_ATHLETE)).length === 0) {
    // Thresholds first, so that the sample activities get TSS, zones and W'bal at ingest.
    for (const thresholds of DEMO_THRESHOLDS) await engine.profile.setThresholds(DEMO_ATHLETE, thresholds);
  }
  const samples = (await listFiles(FIXTURES_DIR)).filter((f) => /\.(fit|tcx|gpx|csv)$/i.test(f)).sort();
  for (const file of samples) {
    // Re-ingesting the same bytes is a no-op, so seeding on every start is safe.
    await engine.sources.ingest(DEMO_ATHLETE, await readFile(file), {
      fileName: basename(file),
      tags: ['sample'],
    });
  }
  const token = await demoToken(engine);
  engine.warmUp();
  const { url } = await (await import('../../api/server.ts')).serve(engine, {
    port: parsePort(values.port),
    host: values.host,
    logger: false,
    rateLimitPerMinute: parseRateLimit(values['rate-limit']),
    publicUrl: parsePublicUrl(values['public-url']),
  });
  await openAdminChannel(engine);
  const latest = await engine.activities.latest(DEMO_ATHLETE);
  const count = await engine.activities.count(DEMO_ATHLETE, {});
  process.stdout.write(
    [
      `Peakform is serving ${count} sample activities for athlete "${DEMO_ATHLETE}" (data: ${engine.dataDir})`,
      `  API:   ${url}/api/v1/activities`,
      `  Docs:  ${url}/docs`,
      `  Token: ${token}`,
      '',
      'Download the latest activity as an Arrow IPC stream:',
      `  curl -H "Authorization: Bearer ${token}" -H "Accept: application/vnd.apache.arrow.stream" \\`,
      `    ${url}/api/v1/activities/${latest?.id ?? '<id>'}/data -o activity.arrow`,
      '',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise(() => {});
  return 0;
}

/** The demo keeps its token in the data dir so that the printed curl line works across restarts. */
async function demoToken(engine: Engine): Promise<string> {
  const path = join(engine.dataDir, 'demo-token');
  const saved = (await readFile(path, 'utf8').catch(() => '')).trim();
  const current = saved ? await engine.tokens.verify(saved).catch(() => undefined) : undefined;
  if (current?.athleteId === DEMO_ATHLETE) return saved;
  const { token } = await engine.tokens.create(DEMO_ATHLETE, { name: 'demo' });
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return token;
}
