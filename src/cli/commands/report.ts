import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../../api/app.ts';
import { DEFAULT_WEB_APP_DIR } from '../../api/web-app.ts';
import { isPeakformError, PeakformError } from '../../domain/errors.ts';
import { UsageError } from '../cli-error.ts';
import { resolveDataDir } from '../data-dir.ts';
import { openEngine } from '../open-engine.ts';
import { actingAs, openRemote, TARGET_FLAGS } from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const REPORT_USAGE = USAGE.report;

const FORMATS = ['.pdf', '.html'] as const;
const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const DEFAULT_DAYS = 90;
/** How long the page may take to load its data and draw. */
const READY_TIMEOUT_MS = 120_000;
/** The web app keeps its bearer here (web/src/api.ts). */
const TOKEN_KEY = 'peakform.token';

interface ReportRequest {
  from: string;
  to: string;
  out: string;
  format: (typeof FORMATS)[number];
  chromium: string;
}

/** Where the report page is opened: an origin serving the API and /app/, and the bearer to use. */
interface ReportTarget {
  origin: string;
  token: string;
  /** The athlete's name for the title, when the token cannot read it (no `profile` scope). */
  name?: string | undefined;
}

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...TARGET_FLAGS,
      athlete: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      chromium: { type: 'string' },
      web: { type: 'string' },
    },
  });
  if (positionals.length > 0)
    throw new UsageError(`report takes no arguments; got ${positionals.join(' ')}.`);
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
  if (from > to)
    throw new UsageError(`--from ${from} is after --to ${to}${values.to === undefined ? ' (today)' : ''}.`);
  const out = resolve(values.out);
  const folder = await stat(dirname(out)).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new UsageError(`--out ${values.out}: the folder ${dirname(out)} does not exist.`);
  const remote = await openRemote(values);
  if (!remote && !values.athlete)
    throw new UsageError('--athlete is required with a local data dir: the athlete the report is about.');
  const request: ReportRequest = {
    from,
    to,
    out,
    format: format as ReportRequest['format'],
    chromium: values.chromium ?? DEFAULT_CHROMIUM,
  };
  if (remote && values.web !== undefined)
    throw new UsageError('--web names the build a local data dir is served with; a server serves its own.');
  const webDir = resolve(values.web ?? DEFAULT_WEB_APP_DIR);

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
      'peakform report: playwright-core is not installed; install the project with npm ci.\n',
    );
    return 1;
  }
  if (remote) {
    const session = await actingAs(remote, values.athlete);
    // Also refreshes a stored login's access token before the browser takes it.
    const info = await session.client.getUserInfo().catch(() => undefined);
    const page = await fetch(`${remote.server}/app/`).catch(() => undefined);
    if (page?.status !== 200) {
      process.stderr.write(
        `peakform report: ${remote.server}/app/ does not serve the web app (${page ? `status ${page.status}` : 'no answer'}); its operator runs npm run build:web.\n`,
      );
      return 1;
    }
    const target = {
      origin: remote.server,
      token: session.client.tokens.accessToken,
      name: info?.name ?? values.athlete,
    };
    process.stdout.write(`${await renderReport(playwright, target, request)}\n`);
    return 0;
  }
  if (!existsSync(join(webDir, 'index.html'))) {
    process.stderr.write(
      `peakform report: the web app is not built in ${webDir}; run npm run build:web (or name a build with --web DIR).\n`,
    );
    return 1;
  }
  const athleteId = values.athlete!;

  const dataDir = resolveDataDir(values.data);
  const engine = await openEngine(values.data).catch((error: unknown) => {
    if (isPeakformError(error) && error.code === 'ERR_STORE_LOCKED') {
      throw new PeakformError(
        'ERR_STORE_LOCKED',
        `${dataDir} is held by another process (a running peakform serve?). The report opens the data dir itself: stop that process, or make the report through that server with --server URL --token T (a key of the athlete or of their coach).`,
        409,
        error.details,
      );
    }
    throw error;
  });
  try {
    if (!(await engine.delegation.userExists(athleteId))) {
      throw new UsageError(
        `No athlete "${athleteId}" in ${dataDir}: name one whose data is there (as in peakform token create --athlete ID).`,
      );
    }
    const key = await engine.tokens.create(athleteId, {
      name: 'peakform report',
      scopes: ['data:read', 'profile'],
      expiresInS: 900,
    });
    const app = await buildApp(engine, { webAppDir: webDir, webhookDelivery: false });
    try {
      const origin = await app.listen({ port: 0, host: '127.0.0.1' });
      process.stdout.write(`${await renderReport(playwright, { origin, token: key.token }, request)}\n`);
      return 0;
    } finally {
      await app.close();
      await engine.tokens.revoke(athleteId, key.id);
    }
  } finally {
    engine.close();
  }
}

/** Opens the report page of `target` in headless Chromium, waits until it is drawn, writes the file. */
async function renderReport(
  playwright: typeof import('playwright-core'),
  target: ReportTarget,
  request: ReportRequest,
): Promise<string> {
  const browser = await playwright.chromium.launch({
    executablePath: request.chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1400 } });
    // The app reads its bearer from sessionStorage, as after a sign-in with a personal key.
    await context.addInitScript({
      content: `sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(target.token)});`,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    const query = new URLSearchParams({ start: request.from, end: request.to });
    if (target.name) query.set('name', target.name);
    await page.goto(`${target.origin}/app/#/report?${query}`);
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
    // What works only inside the app goes: the print button (no script in the file) and the
    // best-efforts table's links to activities.
    await page
      .locator('main .print-button, [data-testid="best-efforts"] :is(th, td):nth-child(4)')
      .evaluateAll((elements) => {
        for (const element of elements) element.remove();
      });
    // The page's own stylesheet, as the server sent it.
    const href = await page.locator('link[rel="stylesheet"]').first().getAttribute('href');
    const css = href ? await (await fetch(new URL(href, target.origin))).text() : '';
    const html = selfContained(title, await page.locator('main').innerHTML(), css);
    await writeFile(request.out, html);
    return `${request.out} (HTML, ${Math.ceil(Buffer.byteLength(html) / 1024)} KiB)`;
  } finally {
    await browser.close();
  }
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
