import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../../api/app.ts';
import { DEFAULT_WEB_APP_DIR } from '../../api/web-app.ts';
import { isPeakformError, PeakformError } from '../../domain/errors.ts';
import type { Engine } from '../../engine/engine.ts';
import { UsageError } from '../cli-error.ts';
import { resolveDataDir } from '../data-dir.ts';
import { openEngine } from '../open-engine.ts';

export const REPORT_USAGE = `peakform report --athlete ID [--from YYYY-MM-DD] [--to YYYY-MM-DD] --out FILE.pdf|FILE.html [--data DIR] [--chromium PATH] [--web DIR]
  The coach's report of an athlete: power–duration with the fitted model and its parameters, the
  best-efforts table, fitness (CTL/ATL/TSB, weekly hours and totals) and time in zones, for
  --from..--to (default the 90 days up to today). The web app's report page (/app/#/report) is
  served from the data dir on a loopback port with a 15-minute key of the athlete and rendered in
  headless Chromium (default /usr/bin/chromium; needs playwright-core): .pdf prints it on A4,
  .html saves the rendered page as one self-contained file (inline styles and SVG charts, no
  script). --web names the web app's build (default dist/web, made by npm run build:web).
  The data dir must be free: with \`peakform serve\` running on it, open its /app/#/report and
  print from the browser instead.`;

const FORMATS = ['.pdf', '.html'] as const;
const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const DEFAULT_DAYS = 90;
/** How long the page may take to load its data and draw. */
const READY_TIMEOUT_MS = 120_000;
/** The web app keeps its bearer here (web/src/api.ts). */
const TOKEN_KEY = 'peakform.token';

interface ReportRequest {
  athleteId: string;
  from: string;
  to: string;
  out: string;
  format: (typeof FORMATS)[number];
  chromium: string;
  webDir: string;
}

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      athlete: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
      chromium: { type: 'string' },
      web: { type: 'string' },
    },
  });
  if (positionals.length > 0)
    throw new UsageError(`report takes no arguments; got ${positionals.join(' ')}.`);
  if (!values.athlete) throw new UsageError('--athlete is required: the athlete the report is about.');
  if (!values.out) throw new UsageError('--out is required: the file to write, ending in .pdf or .html.');
  const format = extname(values.out).toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `--out ${values.out}: the report is written as ${FORMATS.join(' or ')}; name a file ending in one of them.`,
    );
  }
  const to = values.to === undefined ? new Date().toISOString().slice(0, 10) : parseDate('--to', values.to);
  const from =
    values.from === undefined ? addDays(to, -(DEFAULT_DAYS - 1)) : parseDate('--from', values.from);
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}.`);
  const out = resolve(values.out);
  const folder = await stat(dirname(out)).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new UsageError(`--out ${values.out}: the folder ${dirname(out)} does not exist.`);
  const request: ReportRequest = {
    athleteId: values.athlete,
    from,
    to,
    out,
    format: format as ReportRequest['format'],
    chromium: values.chromium ?? DEFAULT_CHROMIUM,
    webDir: resolve(values.web ?? DEFAULT_WEB_APP_DIR),
  };

  // What needs no data dir is checked first, so a missing browser is said before anything opens.
  if (!existsSync(request.chromium)) {
    process.stderr.write(
      `peakform report: no Chromium at ${request.chromium}. Install it (Debian: apt-get install chromium) or name it with --chromium PATH.\n`,
    );
    return 1;
  }
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch {
    process.stderr.write(
      'peakform report: playwright-core is not installed (a development dependency); install the project with npm ci, or npm install playwright-core.\n',
    );
    return 1;
  }
  if (!existsSync(join(request.webDir, 'index.html'))) {
    process.stderr.write(
      `peakform report: the web app is not built in ${request.webDir}; run npm run build:web (or name a build with --web DIR).\n`,
    );
    return 1;
  }

  const dataDir = resolveDataDir(values.data);
  const engine = await openEngine(values.data).catch((error: unknown) => {
    if (isPeakformError(error) && error.code === 'ERR_STORE_LOCKED') {
      throw new PeakformError(
        'ERR_STORE_LOCKED',
        `${dataDir} is held by another process (a running peakform serve?). The report opens the data dir itself: stop that process, or open its /app/#/report?start=${from}&end=${to} signed in as the athlete and print it from the browser.`,
        409,
        error.details,
      );
    }
    throw error;
  });
  try {
    if (!(await engine.delegation.userExists(request.athleteId))) {
      throw new UsageError(
        `No athlete "${request.athleteId}" in ${dataDir}: name one whose data is there (as in peakform token create --athlete ID).`,
      );
    }
    const written = await renderReport(engine, playwright, request);
    process.stdout.write(`${written}\n`);
    return 0;
  } finally {
    engine.close();
  }
}

/** Serves the API and the web app on loopback, renders the report page and writes the file. */
async function renderReport(
  engine: Engine,
  playwright: typeof import('playwright-core'),
  request: ReportRequest,
): Promise<string> {
  const key = await engine.tokens.create(request.athleteId, {
    name: 'peakform report',
    scopes: ['data:read', 'profile'],
    expiresInS: 900,
  });
  const app = await buildApp(engine, { webAppDir: request.webDir, webhookDelivery: false });
  const browser = await playwright.chromium.launch({
    executablePath: request.chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const context = await browser.newContext({ viewport: { width: 1000, height: 1400 } });
    // The app reads its bearer from sessionStorage, as after a sign-in with a personal key.
    await context.addInitScript({
      content: `sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(key.token)});`,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${url}/app/#/report?${new URLSearchParams({ start: request.from, end: request.to })}`);
    const ready = 'body[data-state="ready"]';
    await page
      .locator(`${ready} [data-testid="report"], ${ready} main .error, ${ready} #api-key`)
      .first()
      .waitFor({ timeout: READY_TIMEOUT_MS });
    const failure = page.locator('main .error');
    if ((await failure.count()) > 0) {
      throw new PeakformError(
        'ERR_INTERNAL',
        `The report page failed: ${(await failure.first().textContent())?.trim()}`,
        500,
      );
    }
    if ((await page.locator('[data-testid="report"]').count()) === 0)
      throw new PeakformError('ERR_INTERNAL', 'The web app did not accept the report’s key.', 500);
    for (const problem of problems) process.stderr.write(`peakform report: the page said: ${problem}\n`);

    const title = ((await page.locator('main h1').first().textContent()) ?? 'Training report').trim();
    if (request.format === '.pdf') {
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        margin: { top: '12mm', right: '12mm', bottom: '16mm', left: '12mm' },
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: `<div style="font-size:8px;width:100%;padding:0 12mm;display:flex;justify-content:space-between;color:#4b5563"><span>${escapeHtml(title)} · ${request.from} – ${request.to}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`,
      });
      await writeFile(request.out, pdf);
      return `${request.out} (PDF, ${pdfPageCount(pdf)} pages, ${Math.ceil(pdf.length / 1024)} KiB)`;
    }
    const html = selfContained(
      title,
      await page.locator('main').innerHTML(),
      await stylesheet(request.webDir),
    );
    await writeFile(request.out, html);
    return `${request.out} (HTML, ${Math.ceil(Buffer.byteLength(html) / 1024)} KiB)`;
  } finally {
    await browser.close();
    await app.close();
    await engine.tokens.revoke(request.athleteId, key.id);
  }
}

/** The web app's stylesheet, named by its build's index.html. */
async function stylesheet(webDir: string): Promise<string> {
  const index = await readFile(join(webDir, 'index.html'), 'utf8');
  const name = index.match(/href="\/app\/assets\/(style-[\w-]+\.css)"/)?.[1];
  if (!name) throw new PeakformError('ERR_INTERNAL', `No stylesheet named in ${webDir}/index.html.`, 500);
  return readFile(join(webDir, 'assets', name), 'utf8');
}

/**
 * One HTML file that needs nothing else: the rendered page (its charts are SVG) with the app's
 * stylesheet inline, no script. Links into the app (`#/activity/…`) lead nowhere in a file, so they
 * are kept as text.
 */
export function selfContained(title: string, body: string, css: string): string {
  const content = body.replace(/\s(?:href)="#\/[^"]*"/g, '').replace(/<script\b[\s\S]*?<\/script>/gi, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="Peakform">
<title>${escapeHtml(title)}</title>
<style>
${css.replace(/<\/style/gi, '<\\/style')}
</style>
</head>
<body>
<main id="main">
${content}
</main>
</body>
</html>
`;
}

/** Pages of a PDF as Chromium writes it: one `/Type /Page` object each. */
export function pdfPageCount(pdf: Uint8Array): number {
  return (
    Buffer.from(pdf)
      .toString('latin1')
      .match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0
  );
}

function parseDate(flag: string, value: string): string {
  const date = new Date(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d\d-\d\d$/.test(value) ||
    Number.isNaN(date.getTime()) ||
    date.toISOString().slice(0, 10) !== value
  )
    throw new UsageError(`${flag} ${value} is not a date; write YYYY-MM-DD, e.g. 2025-03-01.`);
  return value;
}

function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
