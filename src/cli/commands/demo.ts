import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Engine } from '../../engine/engine.ts';
import { listFiles } from '../../engine/engine.ts';
import { UsageError } from '../cli-error.ts';
import { type DemoSeedProgress, seedDemoHistory } from '../demo-seed.ts';
import { openEngine } from '../open-engine.ts';
import { USAGE } from '../usage.ts';
import { openAdminChannel, parsePort, parsePublicUrl, parseRateLimit, SERVE_OPTIONS } from './serve.ts';

export const DEMO_USAGE = USAGE.demo;

const DEMO_ATHLETE = 'demo';
const DEFAULT_YEARS = 2;
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
  const { values } = parseArgs({
    args,
    options: { ...SERVE_OPTIONS, years: { type: 'string', default: String(DEFAULT_YEARS) } },
  });
  const years = Number(values.years);
  if (!(years > 0 && years <= 10))
    throw new UsageError(`--years must be a number of years in (0, 10], not "${values.years}".`);
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
  const history = await seedDemoHistory(engine, DEMO_ATHLETE, { years });
  // The newest activity first, so the banner's curl line names one from this week.
  let pending = Promise.resolve();
  if (history.activities > 0) {
    let first!: () => void;
    const firstDone = new Promise<void>((resolve) => {
      first = resolve;
    });
    pending = history.ingestActivities(reportProgress(first));
    await Promise.race([firstDone, pending]);
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
  process.stdout.write(
    [
      `Peakform is serving athlete "${DEMO_ATHLETE}": ${history.from} to ${history.to}, ${samples.length} sample files, daily measures and lab tests (data: ${engine.dataDir})`,
      `  Web app: ${url}/app/  (sign in with the token below)`,
      `  API:     ${url}/api/v1/activities`,
      `  Docs:    ${url}/docs`,
      `  Token:   ${token}`,
      '',
      'Download the latest activity as an Arrow IPC stream:',
      `  curl -H "Authorization: Bearer ${token}" -H "Accept: application/vnd.apache.arrow.stream" \\`,
      `    ${url}/api/v1/activities/${latest?.id ?? '<id>'}/data -o activity.arrow`,
      '',
      'Or with the official SweatStack Python client (pip install sweatstack), as a pandas DataFrame:',
      `  SWEATSTACK_URL=${url} SWEATSTACK_API_KEY=${token} \\`,
      `    python3 -c "import sweatstack as ss; print(ss.Client().get_latest_activity_data())"`,
      '',
      history.activities > 0
        ? `Loading ${history.activities} activities, newest first (progress below).`
        : 'All demo activities are loaded.',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  await pending;
  if (history.activities > 0) {
    const count = await engine.activities.count(DEMO_ATHLETE, {});
    process.stdout.write(`Demo data ready: ${count} activities for athlete "${DEMO_ATHLETE}".\n`);
  }
  await new Promise(() => {});
  return 0;
}

/** Progress on stderr every tenth of the way; `first` is called after the first activity. */
function reportProgress(first: () => void) {
  let shown = 0;
  return ({ done, total }: DemoSeedProgress) => {
    if (done === 1) first();
    const tenth = Math.floor((done * 10) / total);
    if (tenth > shown || done === total) {
      shown = tenth;
      process.stderr.write(`demo: ${done}/${total} activities loaded\n`);
    }
  };
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
