/**
 * How fast the web app's power–duration page becomes interactive for a multi-year athlete: the
 * synthetic lake of bench/synthetic-lake.ts (five years by default; cached in bench/.cache), the
 * API and the built app served by one Peakform process, Debian's headless Chromium opening
 * `/app/#/power` for the whole period overlaid with its last year, until the chart, model and
 * best-efforts table are on screen (body[data-state=ready]). Reports the wall-clock time from
 * navigation to ready (tinybench) and the page's own figure (performance.now() at ready).
 *
 *   npx tsx bench/web-app.ts [--years 5] [--iterations 10]
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { Bench } from 'tinybench';
import { buildWeb } from '../scripts/build-web.ts';
import { buildApp } from '../src/api/app.ts';
import { LAKE_SEED, openSyntheticLake } from './synthetic-lake.ts';

const CHROMIUM = '/usr/bin/chromium';
const { values } = parseArgs({
  options: { years: { type: 'string', default: '5' }, iterations: { type: 'string', default: '10' } },
});
const years = Number(values.years);
const iterations = Number(values.iterations);
if (!existsSync(CHROMIUM)) {
  console.log(`web-app bench: ${CHROMIUM} is absent; skipped.`);
  process.exit(0);
}

const lake = await openSyntheticLake({ seed: LAKE_SEED, years, progress: true });
console.log(
  `lake: ${lake.activities} activities, ${lake.activityHours} h (${lake.reused ? 'cached' : 'built'})`,
);
const webDir = await buildWeb({ outDir: join(mkdtempSync(join(tmpdir(), 'peakform-web-bench-')), 'web') });
const app = await buildApp(lake.engine, {
  webAppDir: webDir,
  webhookDelivery: false,
  rateLimitPerMinute: 100_000,
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const token = (await lake.engine.tokens.create(lake.athleteId)).token;
// The lake starts on Monday 2020-01-06 and runs `years` years.
const end = `${2019 + years}-12-31`;
const lastYear = `${2019 + years}-01-01`;
const pageUrl = `${url}/app/#/power?start=2020-01-01&end=${end}&compare=${lastYear}..${end}&model=cp3`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const inPage: number[] = [];
const scriptStart: number[] = [];
let dots = 0;
const bench = new Bench({ iterations, time: 0, warmupIterations: 1, warmupTime: 0 });
bench.add(`power–duration page ready, ${years} y athlete`, async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.addInitScript(`sessionStorage.setItem('peakform.token', ${JSON.stringify(token)})`);
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.locator('body[data-state="ready"] [data-testid="best-efforts"]').waitFor();
  inPage.push(Number(await page.locator('body').getAttribute('data-ready-ms')));
  scriptStart.push(Number(await page.locator('body').getAttribute('data-start-ms')));
  dots = await page.locator('[data-testid="pd-chart"] g.primary-bests circle').count();
  await context.close();
});
await bench.run();
await browser.close();
await app.close();
lake.engine.close();

const task = bench.tasks[0]!;
if (task.result.state !== 'completed') throw new Error(`${task.name}: ${task.result.state}`);
const sorted = [...inPage].sort((a, b) => a - b);
const result = {
  task: task.name,
  activities: lake.activities,
  iterations: task.result.latency.samplesCount,
  wallMs: {
    mean: Math.round(task.result.latency.mean),
    p50: Math.round(task.result.latency.p50 ?? 0),
    p99: Math.round(task.result.latency.p99 ?? 0),
  },
  inPageReadyMsMedian: sorted[Math.floor(sorted.length / 2)],
  inPageScriptStartMsMedian: [...scriptStart].sort((a, b) => a - b)[Math.floor(scriptStart.length / 2)],
  bestEffortPoints: dots,
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(
  new URL(`./results/web-app-${years}y.local.json`, import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
