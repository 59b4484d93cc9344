import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.ts';
import { buildApp } from '../../src/api/app.ts';
import { pdfPageCount } from '../../src/cli/commands/report.ts';
import { Engine } from '../../src/engine/engine.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, makeTempDir } from '../helpers/test-server.ts';
import { expectGolden, tableText } from './golden.ts';

const PDFTOPPM = '/usr/bin/pdftoppm';
const ARTIFACTS = join(import.meta.dirname, '../../artifacts/web');
/** The team view's "as of" date and the report's range: fixed, so the numbers do not move with the clock. */
const AS_OF = '2025-04-30';
const WINDOW_START = '2025-01-31'; // the 90 days up to AS_OF
const FROM = '2025-02-01';

/** A ride with a sprint, a 5 min and a 20 min effort, scaled per athlete. */
function ride(startIso: string, scale: number): Uint8Array {
  return csvRide({
    startIso,
    durationS: 2400,
    powerW: (s) => Math.round(scale * (s < 10 ? 900 : s < 300 ? 360 : s < 1500 ? 280 : 190 + (s % 20))),
  });
}

/** Three athletes who authorise the coach's team, with different power and body mass; one without rides. */
const ATHLETES = [
  { id: 'ada', scale: 1.0, weightKg: 60, rides: ['2025-02-03', '2025-03-08', '2025-04-15'] },
  { id: 'bea', scale: 1.2, weightKg: 80, rides: ['2025-02-20', '2025-04-02', '2025-04-28'] },
  { id: 'cal', scale: 0.9, weightKg: 70, rides: [] as string[] },
];

describe('the coach’s team view and reports', () => {
  let dataDir: string;
  let webDir: string;
  let engine: Engine | undefined;
  let app: FastifyInstance | undefined;
  let url: string;
  let coachKey: string;
  let teamId: string;
  let emptyTeamId: string;
  const keys: Record<string, string> = {};
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
    const text = await response.text();
    return asJson(text ? JSON.parse(text) : undefined);
  };

  const displayName = async (id: string): Promise<string> =>
    (await call(coachKey, 'GET', `/api/v1/teams/${teamId}/users`)).find((u: { id: string }) => u.id === id)
      .display_name;

  /** What an API client acting for the athlete reads: the expected numbers of a team row. */
  async function expectedRow(athleteId: string) {
    const pair = await call(coachKey, 'POST', '/api/v1/oauth/delegated-token', {
      sub: athleteId,
      team_id: teamId,
    });
    const token = pair.access_token as string;
    const profile = await call(token, 'GET', `/api/v1/profile/metabolic-profile?sport=cycling&date=${AS_OF}`);
    const bests = await call(
      token,
      'GET',
      `/api/v1/activities/longitudinal-mean-max?start=${WINDOW_START}&end=${AS_OF}&sport=cycling&durations=300,1200&format=json`,
    );
    // CTL of AS_OF read from a longer range: the same number whatever the range starts.
    const load = await call(
      token,
      'GET',
      `/api/v1/profile/training-load?start=2025-01-01&end=${AS_OF}&format=json`,
    );
    const [latest] = await call(token, 'GET', `/api/v1/activities/?end=${AS_OF}&limit=1`);
    const mass = profile.body_mass?.value ?? null;
    const best = (d: number) => {
      const row = bests.find((b: { duration: number }) => b.duration === d);
      return row && mass ? row.power / mass : null;
    };
    const ctl = load.find((r: { date: string }) => r.date === AS_OF)?.ctl ?? null;
    return {
      cpW: profile.power.markers.critical_power?.value ?? null,
      wPrimeKj: profile.power.markers.w_prime?.value ?? null,
      wkg5: best(300),
      wkg20: best(1200),
      ctl,
      lastActivity: latest ? String(latest.start_local).slice(0, 10) : null,
    };
  }

  beforeAll(async () => {
    webDir = await buildWeb({ outDir: join(await makeTempDir('peakform-web-'), 'web') });
    dataDir = await makeTempDir('peakform-report-');
    engine = await Engine.open({ dataDir });
    app = await buildApp(engine, { webAppDir: webDir, webhookDelivery: false });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    coachKey = (await engine.tokens.create('coach')).token;
    teamId = (await call(coachKey, 'POST', '/api/v1/teams/', { name: 'Tuesday chaingang' })).id;
    emptyTeamId = (await call(coachKey, 'POST', '/api/v1/teams/', { name: 'Empty squad' })).id;
    keys.dan = (await engine.tokens.create('dan')).token; // never authorises: not in the team view
    for (const athlete of ATHLETES) {
      const key = (await engine.tokens.create(athlete.id)).token;
      keys[athlete.id] = key;
      await call(key, 'POST', `/api/v1/teams/${teamId}/authorize`, {});
      await call(key, 'PUT', '/api/v1/profile/thresholds', {
        sport: 'cycling',
        effective_from: '2024-01-01',
        ftp_w: Math.round(250 * athlete.scale),
        lthr_bpm: 160,
        weight_kg: athlete.weightKg,
      });
      if (athlete.rides.length === 0) continue;
      const form = new FormData();
      for (const [i, day] of athlete.rides.entries())
        form.append('file', new Blob([ride(`${day}T07:00:00Z`, athlete.scale + i * 0.01)]), `ride-${i}.csv`);
      const response = await fetch(`${url}/api/v1/activities/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: form,
      });
      expect(response.status).toBe(201);
    }
    if (hasChromium) {
      await mkdir(ARTIFACTS, { recursive: true });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(String(error)));
    }
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    engine?.close();
  });

  describe.skipIf(!hasChromium)('in headless Chromium', () => {
    const ready = () => page.locator('body[data-state="ready"]').waitFor();

    const cells = async (athleteId: string) => {
      const row = page.locator(`[data-testid="team-table"] tbody tr[data-athlete="${athleteId}"]`);
      const texts: Record<string, string> = {};
      for (const key of ['cpW', 'wPrimeKj', 'wkg5', 'wkg20', 'ctl', 'lastActivity'])
        texts[key] = ((await row.locator(`td[data-key="${key}"]`).textContent()) ?? '').trim();
      return texts;
    };
    const order = async () =>
      page
        .locator('[data-testid="team-table"] tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-athlete')));

    it('lists the coach’s teams and shows one row per authorising athlete with the API’s numbers', async () => {
      await page.goto(`${url}/app/#/teams`);
      await ready();
      await page.getByLabel('Personal API key').fill(coachKey);
      await page.getByRole('button', { name: 'Open my data' }).click();
      await page.getByRole('heading', { name: 'Teams' }).waitFor();
      await ready();
      const teams = await call(coachKey, 'GET', '/api/v1/teams/');
      await expect.poll(() => page.locator('[data-testid="teams"] li').count()).toBe(teams.length);

      await page.getByRole('link', { name: 'Tuesday chaingang' }).click();
      await page.waitForURL(`**/#/team/${teamId}`);
      await ready();
      await page.goto(`${url}/app/#/team/${teamId}?date=${AS_OF}`);
      await page.getByRole('heading', { name: 'Team: Tuesday chaingang' }).waitFor();
      await ready();
      await page.screenshot({ path: join(ARTIFACTS, 'team.png'), fullPage: true });
      await expectGolden('team-page', await tableText(page, 'team-table'));

      const users = await call(coachKey, 'GET', `/api/v1/teams/${teamId}/users`);
      expect(users.map((u: { id: string }) => u.id).sort()).toEqual(['ada', 'bea', 'cal']);
      expect(await page.locator('[data-testid="team-table"] tbody tr').count()).toBe(users.length);
      const digits = { cpW: 0, wPrimeKj: 1, wkg5: 2, wkg20: 2, ctl: 1 } as const;
      for (const user of users) {
        const expected = await expectedRow(user.id);
        const shown = await cells(user.id);
        const name = await page
          .locator(`[data-testid="team-table"] tr[data-athlete="${user.id}"] a.athlete`)
          .textContent();
        expect(name).toBe(user.display_name);
        for (const [key, d] of Object.entries(digits)) {
          const value = expected[key as keyof typeof digits];
          expect(shown[key], `${user.id} ${key}`).toBe(value === null ? '–' : value.toFixed(d));
        }
        expect(shown.lastActivity).toBe(expected.lastActivity ?? '–');
        if (user.id !== 'cal') {
          // Riders with efforts in the window have a modelled CP, W′ and both bests.
          expect(expected.cpW).not.toBeNull();
          expect(expected.wPrimeKj).not.toBeNull();
          expect(expected.wkg5).not.toBeNull();
          expect(expected.wkg20).not.toBeNull();
          expect(expected.lastActivity).not.toBeNull();
        }
      }
      expect(await order()).toEqual(['ada', 'bea', 'cal']);
      expect(await page.locator('th[data-key="name"]').getAttribute('aria-sort')).toBe('ascending');
    });

    it('sorts by any column with buttons in the headers, by mouse or keyboard, missing values last', async () => {
      const cp = async (id: string) => (await expectedRow(id)).cpW;
      const [ada, bea] = [await cp('ada'), await cp('bea')];
      expect(bea!).toBeGreaterThan(ada!);
      await page.getByRole('button', { name: 'CP (W)' }).click();
      expect(await page.locator('th[data-key="cpW"]').getAttribute('aria-sort')).toBe('descending');
      expect(await page.locator('th[data-key="name"]').getAttribute('aria-sort')).toBe('none');
      expect(await order()).toEqual(['bea', 'ada', 'cal']);
      // The same heading again, from the keyboard: ascending, Cal (no CP) still last.
      await page.getByRole('button', { name: 'CP (W)' }).focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('th[data-key="cpW"]').getAttribute('aria-sort')).toBe('ascending');
      expect(await order()).toEqual(['ada', 'bea', 'cal']);
      // Lighter Ada has the higher 20 min W/kg although Bea rides more watts.
      const [ada20, bea20] = [(await expectedRow('ada')).wkg20!, (await expectedRow('bea')).wkg20!];
      await page.getByRole('button', { name: '20 min (W/kg)' }).click();
      expect(await order()).toEqual(ada20 > bea20 ? ['ada', 'bea', 'cal'] : ['bea', 'ada', 'cal']);
      await page.getByRole('button', { name: 'Athlete' }).press('Space');
      expect(await order()).toEqual(['ada', 'bea', 'cal']);
    });

    it('links each row to that athlete’s pages, read with a delegated token', async () => {
      await page
        .locator('[data-testid="team-table"] tr[data-athlete="bea"]')
        .getByRole('link', { name: 'Activities' })
        .click();
      await page.waitForURL(`**/#/as/${teamId}/bea/activities`);
      await ready();
      const users = await call(coachKey, 'GET', `/api/v1/teams/${teamId}/users`);
      const bea = users.find((u: { id: string }) => u.id === 'bea').display_name;
      expect(await page.getByTestId('acting').textContent()).toContain(`Viewing ${bea}`);
      const beas = await call(keys.bea!, 'GET', '/api/v1/activities/');
      expect(beas).toHaveLength(3);
      const shown = page.locator('[data-testid="activities-table"] tbody tr');
      expect(await shown.count()).toBe(beas.length);
      // The activity link stays on Bea's data.
      await shown.first().getByRole('link').click();
      await page.waitForURL(`**/#/activity/${beas[0].id}`);
      await ready();
      await expect.poll(() => page.locator('[data-testid="laps-table"]').count()).toBe(1);
      expect(await page.getByTestId('acting').textContent()).toContain(`Viewing ${bea}`);

      // The athlete's name leads to their power–duration page.
      await page.getByRole('link', { name: 'Back to the team' }).click();
      await ready();
      await page.goto(`${url}/app/#/team/${teamId}?date=${AS_OF}`);
      await ready();
      const nameLink = page.locator('[data-testid="team-table"] tr[data-athlete="ada"] a.athlete');
      expect(await nameLink.getAttribute('href')).toBe(`#/as/${teamId}/ada/power`);
      await page.goto(`${url}/app/#/as/${teamId}/ada/power?start=${WINDOW_START}&end=${AS_OF}`);
      await page.getByRole('heading', { name: 'Power–duration' }).waitFor();
      await ready();
      const adaBests = await call(
        keys.ada!,
        'GET',
        `/api/v1/activities/longitudinal-mean-max?start=${WINDOW_START}&end=${AS_OF}&sport=cycling&format=json`,
      );
      expect(await page.locator('[data-testid="best-efforts"] tbody tr').count()).toBe(adaBests.length);

      // Back to one's own data: the coach has no activities.
      await page.getByRole('button', { name: 'My own data' }).click();
      await page.waitForURL('**/#/power');
      await ready();
      // Polled: the previous page's ready state can still be up when the navigation starts.
      await expect.poll(() => page.getByTestId('acting').count()).toBe(0);
      await page.goto(`${url}/app/#/activities`);
      await ready();
      expect(await page.locator('[data-testid="activities-table"] tbody tr').count()).toBe(0);
    });

    it('shows empty teams plainly, and a team that is not the coach’s as an error', async () => {
      await page.goto(`${url}/app/#/team/${emptyTeamId}`);
      await ready();
      expect(await page.getByTestId('no-athletes').textContent()).toContain('No athlete has authorised');
      const errorsBefore = problems.length;
      await page.goto(`${url}/app/#/team/team_unknown`);
      await ready();
      expect(await page.locator('main [role="alert"]').textContent()).toMatch(/team/i);
      // The 404 of the API is the only console error of this walk.
      expect(problems.slice(errorsBefore).every((p) => p.includes('404'))).toBe(true);
      problems.splice(errorsBefore);

      // An athlete who granted the team their profile only: their row says why it has no numbers.
      const profileOnly = (await call(coachKey, 'POST', '/api/v1/teams/', { name: 'Profile only' })).id;
      await call(keys.dan!, 'POST', `/api/v1/teams/${profileOnly}/authorize`, { scopes: ['profile'] });
      await page.goto(`${url}/app/#/team/${profileOnly}?date=${AS_OF}`);
      await ready();
      const row = page.locator('[data-testid="team-table"] tr[data-athlete="dan"]');
      expect(await row.locator('.row-error').textContent()).toMatch(
        /Could not read: .*None of the scopes asked for/,
      );
      expect(await row.locator('td[data-key="cpW"]').textContent()).toBe('–');
      expect(problems.slice(errorsBefore).every((p) => p.includes('403'))).toBe(true);
      problems.splice(errorsBefore);
    });

    it('prints the report page with the navigation hidden and the charts inside an A4 page', async () => {
      await page.goto(`${url}/app/#/as/${teamId}/ada/report?start=${FROM}&end=${AS_OF}`);
      await page.getByTestId('report').waitFor();
      await ready();
      expect(await page.title()).toBe(`Training report: ${await displayName('ada')}, ${FROM} – ${AS_OF}`);
      expect(await page.getByRole('button', { name: 'Print or save as PDF' }).isVisible()).toBe(true);
      await page.emulateMedia({ media: 'print' });
      expect(await page.getByRole('button', { name: 'Print or save as PDF' }).isVisible()).toBe(false);
      expect(await page.locator('header.top').isVisible()).toBe(false);
      expect(await page.getByTestId('acting').isVisible()).toBe(false);
      expect(await page.locator('form.controls').count()).toBe(0);
      // A4 less 12 mm margins is 186 mm ≈ 703 CSS px.
      await page.setViewportSize({ width: 703, height: 1000 });
      const charts = await page.locator('figure.chart > svg, figure.chart figure > svg').all();
      expect(charts.length).toBeGreaterThanOrEqual(5); // power–duration, PMC, hours, two zone charts
      for (const chart of charts) expect((await chart.boundingBox())!.width).toBeLessThanOrEqual(703);
      // Nothing wider than the paper: no horizontal overflow at all.
      expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(703);
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: 1100, height: 900 });
      expect(problems).toEqual([]);
    });
  });

  describe.skipIf(!hasChromium)('peakform report on a server', () => {
    it('makes a team athlete’s report through the server with the coach’s key and a delegated token', async () => {
      const outDir = await makeTempDir('peakform-report-remote-');
      const out = join(outDir, 'bea.html');
      const result = await runCliInProcess([
        'report',
        '--server',
        url,
        '--token',
        coachKey,
        '--athlete',
        'bea',
        '--from',
        FROM,
        '--to',
        AS_OF,
        '--out',
        out,
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const html = await readFile(out, 'utf8');
      // The delegated token reads data only (no profile), so the title names the athlete given.
      expect(html).toContain('Training report: bea');
      const beas = await call(
        keys.bea!,
        'GET',
        `/api/v1/activities/longitudinal-mean-max?start=${FROM}&end=${AS_OF}&sport=cycling&format=json`,
      );
      const table = html.match(/<table data-testid="best-efforts">([\s\S]*?)<\/table>/)?.[1] ?? '';
      const powers = [...table.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => Number(m[1]));
      expect(powers).toEqual(beas.map((b: { power: number }) => Math.round(b.power)));
      expect(html).not.toMatch(/<script|<link/i);

      // The data dir is the server's: a local report (another process, as DuckDB locks per
      // process) says what to do instead.
      const locked = await runCli([
        'report',
        '--athlete',
        'bea',
        '--data',
        dataDir,
        '--web',
        webDir,
        '--out',
        join(outDir, 'local.pdf'),
      ]);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain('--server URL');
    }, 180_000);
  });

  describe('peakform report', () => {
    let fit: ReturnType<typeof asJson>;
    let bests: ReturnType<typeof asJson>;
    let name: string;
    let outDir: string;

    beforeAll(async () => {
      fit = await call(
        keys.ada!,
        'GET',
        `/api/v1/profile/intensity-duration-model?metric=power&model=cp3&start=${FROM}&end=${AS_OF}&sport=cycling`,
      );
      bests = await call(
        keys.ada!,
        'GET',
        `/api/v1/activities/longitudinal-mean-max?start=${FROM}&end=${AS_OF}&sport=cycling&metric=power&format=json`,
      );
      expect(fit.ok).toBe(true);
      name = (await call(keys.ada!, 'GET', '/api/v1/oauth/userinfo')).name;
      // The report opens the data dir itself: the server lets go of it first.
      await app?.close();
      engine?.close();
      app = undefined;
      engine = undefined;
      outDir = await makeTempDir('peakform-report-out-');
    });

    const report = (...args: string[]) =>
      runCliInProcess(['report', '--athlete', 'ada', '--data', dataDir, '--web', webDir, ...args]);

    it.skipIf(!hasChromium)(
      'writes a PDF whose pages pdftoppm renders: one per section',
      async () => {
        const out = join(outDir, 'ada.pdf');
        const result = await report('--from', FROM, '--to', AS_OF, '--out', out);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain('ada.pdf (PDF, 3 pages');
        const pdf = await readFile(out);
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        // Power–duration with the model and best efforts; fitness; time in zones: a page each.
        expect(pdfPageCount(pdf)).toBe(3);
        if (!existsSync(PDFTOPPM)) return;
        execFileSync(PDFTOPPM, ['-png', '-r', '40', out, join(outDir, 'page')]);
        const pages = (await readdir(outDir)).filter((name) => /^page-\d+\.png$/.test(name)).sort();
        expect(pages).toHaveLength(3);
        for (const name of pages) {
          // A rendered A4 page at 40 dpi with text and charts, not a blank one.
          expect((await stat(join(outDir, name))).size).toBeGreaterThan(4000);
        }
        await writeFile(join(ARTIFACTS, 'report.pdf'), pdf).catch(() => undefined);
      },
      180_000,
    );

    it.skipIf(!hasChromium)(
      'writes one self-contained HTML file with the model parameters and best efforts of the API',
      async () => {
        const out = join(outDir, 'ada.html');
        const result = await report('--from', FROM, '--to', AS_OF, '--out', out);
        expect(result.code).toBe(0);
        const html = await readFile(out, 'utf8');
        expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|@import|url\((?!#)/i);
        expect(html).not.toMatch(/href="(?!#)/);
        expect(html).toContain('<style>');
        expect(html).not.toContain('<button');
        expect(html).not.toContain('open activity');
        expect(html).toContain(`Training report: ${name}`);
        const parameter = (name: string) =>
          html.match(new RegExp(`<dd data-name="${name}">([^<]*)</dd>`))?.[1];
        expect(Number(parameter('cp_w'))).toBe(Math.round(fit.parameters.cp_w));
        expect(parameter('rmse')).toBe(fit.rmse.toFixed(1));
        const table = html.match(/<table data-testid="best-efforts">([\s\S]*?)<\/table>/)?.[1] ?? '';
        const rows = [
          ...table.matchAll(/<tr><td>([^<]*)<\/td><td class="num">([^<]*)<\/td><td>([^<]*)<\/td>/g),
        ];
        expect(rows).toHaveLength(bests.length);
        rows.forEach((row, i) => {
          expect(Number(row[2])).toBe(Math.round(bests[i].power));
          expect(row[3]).toBe(String(bests[i].start).slice(0, 10));
        });
        // The fitness and zones sections are there, charts as inline SVG.
        expect(html).toContain('data-testid="pmc-chart"');
        expect(html).toContain('data-testid="power-zones"');
        expect(html.match(/<svg/g)?.length).toBeGreaterThan(3);
        await writeFile(join(ARTIFACTS, 'report.html'), html).catch(() => undefined);
      },
      180_000,
    );

    it('refuses an unknown athlete, bad dates, another extension and a missing Chromium plainly', async () => {
      const out = join(outDir, 'x.pdf');
      const unknown = await runCliInProcess([
        'report',
        '--athlete',
        'nobody',
        '--data',
        dataDir,
        '--web',
        webDir,
        '--out',
        out,
        ...(hasChromium ? [] : ['--chromium', process.execPath]),
      ]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('No athlete "nobody"');
      const badDate = await report('--from', '2025-02-30', '--out', out);
      expect(badDate.code).toBe(2);
      expect(badDate.stderr).toContain('--from 2025-02-30 is not a date');
      const reversed = await report('--from', '2025-05-01', '--to', '2025-04-01', '--out', out);
      expect(reversed.code).toBe(2);
      expect(reversed.stderr).toContain('is after --to');
      const docx = await report('--out', join(outDir, 'x.docx'));
      expect(docx.code).toBe(2);
      expect(docx.stderr).toContain('.pdf or .html');
      const noBrowser = await report('--out', out, '--chromium', join(outDir, 'no-chromium'));
      expect(noBrowser.code).toBe(1);
      expect(noBrowser.stderr).toContain('no Chromium at');
      expect(existsSync(out)).toBe(false);
    });
  });
});
