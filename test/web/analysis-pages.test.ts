import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import {
  asJson,
  get,
  makeTempDir,
  startTestServer,
  type TestServer,
  upload,
} from '../helpers/test-server.ts';
import { expectGolden, figureText, listText, tableText } from './golden.ts';

const ARTIFACTS = join(import.meta.dirname, '../../artifacts/web');
const START = '2025-01-01';
const END = '2025-04-30';

/**
 * A long ride with repeated efforts that fade hour by hour (so the curves after 1,000 and 2,000 kJ
 * sit below the fresh one), heart rate, cadence, speed and a GPS loop.
 */
function longRide(startIso: string, scale: number, durationS: number): Uint8Array {
  const start = Date.parse(startIso);
  const lines = ['timestamp,sport,power,heart_rate,cadence,speed,distance,latitude,longitude'];
  let distance = 0;
  for (let s = 0; s < durationS; s++) {
    const phase = s % 1800;
    const base = phase < 10 ? 900 : phase < 300 ? 360 : phase < 1500 ? 280 : 170 + (s % 20);
    const fade = 1 - 0.05 * Math.floor(s / 3600);
    const power = Math.round(scale * base * fade);
    const speed = 6 + power / 60;
    distance += speed;
    const angle = (2 * Math.PI * s) / 3600;
    const ts = new Date(start + s * 1000).toISOString().replace('.000Z', 'Z');
    lines.push(
      [
        ts,
        s === 0 ? 'cycling.road' : '',
        power,
        110 + Math.round(power / 5) + (s % 7),
        80 + (s % 11),
        speed.toFixed(2),
        distance.toFixed(1),
        (47.37 + 0.02 * Math.sin(angle)).toFixed(6),
        (8.54 + 0.03 * Math.cos(angle) + 0.00001 * (s % 13)).toFixed(6),
      ].join(','),
    );
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** A run whose speed falls with effort length, like a hyperbola over CS 4 m/s and D′ 200 m. */
function run(startIso: string, scale: number): Uint8Array {
  const start = Date.parse(startIso);
  const lines = ['timestamp,sport,heart_rate,speed,distance'];
  let distance = 0;
  for (let s = 0; s < 2700; s++) {
    const speed = scale * (s < 2400 ? 4 + 200 / (s + 60) : 2.5);
    distance += speed;
    const ts = new Date(start + s * 1000).toISOString().replace('.000Z', 'Z');
    lines.push(
      `${ts},${s === 0 ? 'running.road' : ''},${140 + (s % 20)},${speed.toFixed(3)},${distance.toFixed(1)}`,
    );
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

const RIDES: [string, number, number][] = [
  ['2025-01-05T08:00:00Z', 0.94, 2700],
  ['2025-01-20T08:00:00Z', 0.95, 9000],
  ['2025-02-10T08:00:00Z', 0.97, 2700],
  ['2025-03-01T08:00:00Z', 1.0, 9000],
  ['2025-03-20T08:00:00Z', 1.02, 2700],
  ['2025-04-10T08:00:00Z', 1.04, 9000],
  ['2025-04-25T08:00:00Z', 1.05, 2700],
];
const RUNS: [string, number][] = [
  ['2025-02-15T07:00:00Z', 0.97],
  ['2025-03-15T07:00:00Z', 1.0],
  ['2025-04-15T07:00:00Z', 1.02],
];

const r = (value: number, digits = 0) => value.toFixed(digits);

describe('analysis pages: fatigue resistance, critical speed, zones, CP over time, activity zoom and map', () => {
  let server: TestServer;
  let token: string;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];
  const api = async (path: string) => asJson(await (await get(server, token, path)).json());
  const ready = () => page.locator('body[data-state="ready"]').waitFor();
  const open = async (hash: string) => {
    await page.goto(`${server.url}/app/#${hash}`);
    await ready();
  };
  const keep = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    const webDir = await buildWeb({ outDir: join(await makeTempDir('peakform-web-'), 'web') });
    server = await startTestServer({ webAppDir: webDir, publicUrl: undefined });
    token = await server.tokenFor('ada');
    const put = await fetch(`${server.url}/api/v1/profile/thresholds`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sport: 'cycling',
        effective_from: '2024-01-01',
        ftp_w: 270,
        cp_w: 265,
        w_prime_j: 20000,
        lthr_bpm: 165,
        weight_kg: 70,
      }),
    });
    expect(put.status).toBe(200);
    const files = [
      ...RIDES.map(([iso, scale, durationS], i) => ({
        name: `ride-${i}.csv`,
        bytes: longRide(iso, scale, durationS),
      })),
      ...RUNS.map(([iso, scale], i) => ({ name: `run-${i}.csv`, bytes: run(iso, scale) })),
    ];
    const response = await upload(server, token, files);
    expect(response.status).toBe(201);
    // A FIT ride with one lap per power block (data/fixtures/README.md), for lap selection.
    const fit = await readFile(join(import.meta.dirname, '../../data/fixtures/ride-known-power.fit'));
    expect((await upload(server, token, [{ name: 'ride-known-power.fit', bytes: fit }])).status).toBe(201);
    if (!hasChromium) return;
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    await open('/power');
    await page.getByLabel('Personal API key').fill(token);
    await page.getByRole('button', { name: 'Open my data' }).click();
    await page.getByRole('heading', { name: 'Power–duration' }).waitFor();
    await ready();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  describe.skipIf(!hasChromium)('in headless Chromium', () => {
    it('draws fatigue-resistance curves after 0, 1,000 and 2,000 kJ with the API’s values', async () => {
      await open(`/power?start=${START}&end=${END}`);
      await page.getByRole('button', { name: /Fatigue resistance/ }).click();
      await page.locator('[data-testid="fatigue-chart"]').waitFor();
      await ready();
      expect(page.url()).toContain('after=0%2C1000%2C2000');
      const curves = await api(
        `/api/v1/activities/longitudinal-mean-max?start=${START}&end=${END}&sport=cycling&after=0,1000,2000&format=json`,
      );
      const at = (after: number, duration: number) =>
        curves.find((c: { after: number; duration: number }) => c.after === after && c.duration === duration)
          ?.power as number | undefined;
      expect(await page.locator('[data-testid="fatigue-chart"] g.fatigue-curves path').count()).toBe(3);
      const svg = await page.locator('[data-testid="fatigue-chart"]').textContent();
      expect(svg).toContain('Duration (log scale)');
      expect(svg).toContain('after 2,000 kJ');
      const rows = page.locator('table[data-testid="fatigue-table"] tbody tr');
      const durations = ['5 s', '1 min', '5 min', '20 min', '1 h'];
      expect(await rows.count()).toBe(durations.length);
      for (const [i, [label, seconds]] of (
        [
          ['5 s', 5],
          ['1 min', 60],
          ['5 min', 300],
          ['20 min', 1200],
        ] as const
      ).entries()) {
        const cells = await rows.nth(i).locator('td').allTextContents();
        expect(cells[0]).toBe(label);
        expect(cells[1]).toBe(r(at(0, seconds)!));
        const tired = at(2000, seconds)!;
        expect(cells[3]).toBe(`${r(tired)} (${r((100 * tired) / at(0, seconds)!)} %)`);
      }
      // Fatigue shows: 20 min after 2,000 kJ below the fresh 20 min.
      expect(at(2000, 1200)!).toBeLessThan(at(0, 1200)!);
      await expectGolden(
        'fatigue',
        [await figureText(page, 'fatigue-chart'), await tableText(page, 'fatigue-table')].join('\n'),
      );
      await keep('power-fatigue');

      // A value off the stored ladder: computed by the API from the samples, and said so.
      await open(`/power?start=${START}&end=${END}&after=0,1200`);
      expect(await page.locator('section[aria-labelledby="fatigue-heading"] p.help').textContent()).toBe(
        `1,200 kJ: not a stored step (0, 250 … 4,000 kJ), so the API computes it from the 365 days up to ${END}.`,
      );
      const computed = await api(
        `/api/v1/activities/longitudinal-mean-max?start=${START}&end=${END}&sport=cycling&after=0,1200&format=json`,
      );
      const at1200 = computed.find(
        (c: { after: number; duration: number }) => c.after === 1200 && c.duration === 300,
      );
      const row5 = await page
        .locator('table[data-testid="fatigue-table"] tbody tr')
        .nth(2)
        .locator('td')
        .allTextContents();
      expect(row5[0]).toBe('5 min');
      expect(row5[2]).toMatch(new RegExp(`^${r(at1200.power)} \\(`));
      expect(await page.locator('[data-testid="fatigue-chart"] g.fatigue-curves path').count()).toBe(2);

      // In W/kg: the body mass on each best's date (70 kg throughout).
      await open(`/power?start=${START}&end=${END}&after=0,1000,2000&unit=wkg`);
      const wkg = await page
        .locator('table[data-testid="fatigue-table"] tbody tr')
        .nth(2)
        .locator('td')
        .allTextContents();
      expect(wkg[1]).toBe(r(at(0, 300)! / 70, 2));
      expect(wkg[3]).toBe(`${r(at(2000, 300)! / 70, 2)} (${r((100 * at(2000, 300)!) / at(0, 300)!)} %)`);
      expect(await page.locator('[data-testid="fatigue-chart"]').textContent()).toContain('Power (W/kg)');
    });

    it('draws running speed curves with the critical speed model and shows CS and D′ as the API fits them', async () => {
      await open(`/power?metric=speed&start=${START}&end=${END}`);
      await page.getByRole('heading', { name: 'Speed–duration' }).waitFor();
      const fit = await api(
        `/api/v1/profile/intensity-duration-model?metric=speed&model=cp2&start=${START}&end=${END}&sport=running`,
      );
      expect(fit.ok).toBe(true);
      const cs = page.locator('[data-testid="critical-speed"]');
      expect(await cs.locator('[data-name="cs_kmh"]').textContent()).toBe(r(fit.parameters.cs_mps * 3.6, 2));
      expect(await cs.locator('[data-name="d_prime"]').textContent()).toBe(r(fit.parameters.d_prime_m));
      const paceS = Math.round(1000 / fit.parameters.cs_mps);
      expect(await cs.locator('[data-name="cs_pace"]').textContent()).toBe(
        `${Math.floor(paceS / 60)}:${String(paceS % 60).padStart(2, '0')}`,
      );
      expect(await page.locator('[data-testid="pd-chart"] g.model path').count()).toBe(1);
      const bests = await api(
        `/api/v1/activities/longitudinal-mean-max?start=${START}&end=${END}&sport=running&metric=speed&format=json`,
      );
      expect(await page.locator('[data-testid="pd-chart"] g.primary-bests circle').count()).toBe(
        bests.length,
      );
      expect(await page.locator('[data-testid="pd-chart"]').textContent()).toContain('Speed (km/h)');
      // No fatigue control for speed: the API's after= is for power.
      expect(await page.getByRole('button', { name: /Fatigue resistance/ }).count()).toBe(0);
      // Nor the power-only unit and model choices.
      expect(await page.getByLabel('Unit', { exact: true }).count()).toBe(0);
      expect(await page.getByLabel('Model', { exact: true }).count()).toBe(0);
      await expectGolden(
        'critical-speed',
        [
          await cs.textContent(),
          await listText(page, '[data-testid="model-parameters"]'),
          await figureText(page, 'pd-chart'),
        ].join('\n'),
      );
      await keep('speed-cs');
    });

    it('shows weekly time in zones and CP and W′ fitted every four weeks, with the API’s numbers', async () => {
      await open(`/fitness?start=${START}&end=${END}`);
      await page.getByRole('heading', { name: 'Fitness over time' }).waitFor();
      const weeks = await api(
        `/api/v1/activities/longitudinal-aggregate?start=${START}&end=${END}&interval=week&format=json`,
      );
      const filled = weeks.flatMap((w: Record<string, number>) =>
        [1, 2, 3, 4, 5, 6, 7].filter((z) => (w[`power_z${z}_s`] ?? 0) > 0),
      );
      expect(filled.length).toBeGreaterThan(6);
      expect(await page.locator('[data-testid="power-zones-chart"] g.power-zones-bars rect').count()).toBe(
        filled.length,
      );
      const zoneRows = page.locator('table[data-testid="power-zones-table"] tbody tr');
      expect(await zoneRows.count()).toBe(weeks.length);
      const busy = weeks.findIndex((w: { count: number }) => w.count > 0);
      const cells = await zoneRows.nth(busy).locator('td').allTextContents();
      for (let z = 1; z <= 7; z++)
        expect(Number(cells[z])).toBe(Number(r((weeks[busy][`power_z${z}_s`] ?? 0) / 3600, 2)));
      expect(await page.locator('[data-testid="hr-zones-chart"] svg').count()).toBeGreaterThan(0);
      const km = weeks.map((w: { distance_m: number | null }) => (w.distance_m ?? 0) / 1000);
      expect(await page.locator('[data-testid="distance-chart"] g.weekly-distance rect').count()).toBe(
        km.filter((d: number) => d > 0).length,
      );
      expect(await page.locator('[data-testid="distance-chart"] p.summary').textContent()).toContain(
        `${r(
          km.reduce((a: number, b: number) => a + b, 0),
          1,
        )} km over ${weeks.length} weeks`,
      );

      // CP over time: a cp2 fit of the 90 days up to every 28th day back from the end.
      const dates = ['2025-01-08', '2025-02-05', '2025-03-05', '2025-04-02', '2025-04-30'];
      const trendRows = page.locator('table[data-testid="cp-trend-table"] tbody tr');
      expect(await trendRows.count()).toBe(dates.length);
      let fitted = 0;
      for (const [i, date] of dates.entries()) {
        const from = new Date(Date.parse(`${date}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
        const fit = await api(
          `/api/v1/profile/intensity-duration-model?metric=power&model=cp2&sport=cycling&start=${from}&end=${date}`,
        );
        const row = await trendRows.nth(i).locator('td').allTextContents();
        expect(row[0]).toBe(`${from} – ${date}`);
        expect(Number(row[4])).toBe(fit.activity_count);
        if (fit.ok) {
          fitted++;
          expect(Number(row[1])).toBe(Number(r(fit.parameters.cp_w)));
          expect(Number(row[2])).toBe(Number(r(fit.parameters.w_prime_j / 1000, 1)));
        } else expect(row[1]).toContain('–');
      }
      expect(fitted).toBeGreaterThanOrEqual(3);
      expect(await page.locator('[data-testid="cp-trend-chart"] g.cp-trend-dots circle').count()).toBe(
        fitted,
      );
      expect(
        await page.locator('[data-testid="wprime-trend-chart"] g.wprime-trend-dots circle').count(),
      ).toBe(fitted);
      const cpText = await page.locator('[data-testid="cp-trend-chart"]').textContent();
      expect(cpText).toContain('CP (W)');
      expect(cpText).toContain('Window end');
      await expectGolden(
        'fitness-zones-and-cp',
        [
          await figureText(page, 'distance-chart'),
          await figureText(page, 'power-zones-chart'),
          await figureText(page, 'hr-zones-chart'),
          await figureText(page, 'cp-trend-chart'),
          await figureText(page, 'wprime-trend-chart'),
          await tableText(page, 'cp-trend-table'),
        ].join('\n'),
      );
      await keep('fitness-zones-cp');
    });

    it('switches the model over time to critical speed and D′ for running, with the API’s fits', async () => {
      await open(`/fitness?start=${START}&end=${END}`);
      await page.getByLabel('Modelled over time').selectOption('speed');
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await page.getByRole('heading', { name: 'Modelled CS and D′ over time' }).waitFor();
      await ready();
      expect(page.url()).toContain('model=speed');
      const dates = ['2025-01-08', '2025-02-05', '2025-03-05', '2025-04-02', '2025-04-30'];
      const rows = page.locator('table[data-testid="cp-trend-table"] tbody tr');
      expect(await rows.count()).toBe(dates.length);
      let fitted = 0;
      for (const [i, date] of dates.entries()) {
        const from = new Date(Date.parse(`${date}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
        const fit = await api(
          `/api/v1/profile/intensity-duration-model?metric=speed&model=cp2&sport=running&start=${from}&end=${date}`,
        );
        const row = await rows.nth(i).locator('td').allTextContents();
        expect(Number(row[4])).toBe(fit.activity_count);
        if (!fit.ok) continue;
        fitted++;
        expect(Number(row[1])).toBe(Number(r(fit.parameters.cs_mps * 3.6, 2)));
        expect(Number(row[2])).toBe(Number(r(fit.parameters.d_prime_m)));
      }
      expect(fitted).toBeGreaterThanOrEqual(2);
      expect(await page.locator('[data-testid="cp-trend-chart"] g.cp-trend-dots circle').count()).toBe(
        fitted,
      );
      expect(await page.locator('[data-testid="cp-trend-chart"]').textContent()).toContain('CS (km/h)');
      await expectGolden(
        'fitness-cs-trend',
        [
          await figureText(page, 'cp-trend-chart'),
          await figureText(page, 'wprime-trend-chart'),
          await tableText(page, 'cp-trend-table'),
        ].join('\n'),
      );
    });

    it('zooms all streams together (brush, form, keys), averages the interval and draws W′ balance and the track', async () => {
      const [activity] = await api(`/api/v1/activities/?start=2025-03-01&end=2025-03-01&limit=1`);
      const detail = await api(`/api/v1/activities/${activity.id}`);
      const data = await api(
        `/api/v1/activities/${activity.id}/data?metrics=power&metrics=heart_rate&metrics=speed&metrics=cadence&format=json`,
      );
      await open(`/activity/${activity.id}`);
      const stats = page.locator('[data-testid="interval-stats"]');
      const stat = async (name: string) =>
        (await stats.locator(`dd[data-name="${name}"]`).textContent()) ?? '';

      // The whole activity: the API's own summary.
      const a = detail.analysis;
      expect(await stat('avg_power')).toBe(`${r(a.avg_power_w)} W`);
      expect(await stat('np')).toBe(`${r(a.normalized_power_w)} W`);
      expect(await stat('avg_heart_rate')).toBe(`${r(a.avg_heart_rate_bpm)} bpm`);
      expect(await stat('avg_speed')).toBe(`${r(a.avg_speed_mps * 3.6, 1)} km/h`);
      expect(await stat('work')).toBe(`${r(a.work_kj)} kJ`);

      // W′ balance under power, its lowest point the API's.
      expect(a.w_prime_balance_min_j).not.toBeNull();
      const figures: (string | null)[] = [];
      for (const figure of await page.locator('section.streams figure').all())
        figures.push(await figure.getAttribute('data-testid'));
      expect(figures.slice(0, 2)).toEqual(['stream-power', 'stream-wbal']);
      expect(await page.locator('[data-testid="stream-wbal"] g.wbal-stream path').count()).toBe(1);
      expect(await page.locator('[data-testid="stream-wbal"] p.summary').textContent()).toContain(
        `Lowest in this range ${r(a.w_prime_balance_min_j / 1000, 1)} kJ`,
      );

      // The map: one track, start and finish.
      expect(await page.locator('[data-testid="map"] g.track path').count()).toBe(1);
      expect(await page.locator('[data-testid="map"] g.track-ends circle').count()).toBe(2);

      // Zoom with the form: every stream's axis starts at 0:30:00, the interval is 30:00–50:00.
      await page.getByLabel('From (h:mm:ss)').fill('0:30:00');
      await page.getByLabel('To (h:mm:ss)').fill('0:50:00');
      await page.getByRole('button', { name: 'Zoom', exact: true }).click();
      await page.getByRole('heading', { name: 'Selected interval 0:30:00 – 0:50:00' }).waitFor();
      for (const stream of ['power', 'wbal', 'heart_rate', 'speed', 'cadence']) {
        const text = await page.locator(`[data-testid="stream-${stream}"] svg`).textContent();
        expect(text, stream).toContain('0:30:00');
        expect(text, stream).not.toContain('0:20:00');
      }
      const t0 = Date.parse(data[0].timestamp);
      const inside = data.filter((row: { timestamp: string }) => {
        const t = (Date.parse(row.timestamp) - t0) / 1000;
        return t >= 1800 && t < 3000;
      });
      // Each metric over its own readings (heart rate above 255 bpm is out of range: null).
      const mean = (key: string) => {
        const values = inside
          .map((row: Record<string, number | null>) => row[key])
          .filter((v: unknown) => v !== null);
        return values.reduce((s: number, v: number) => s + v, 0) / values.length;
      };
      const powers = inside.map((row: { power: number }) => row.power);
      const rolling = powers.slice(29).map((_: number, i: number) => {
        const window = powers.slice(i, i + 30);
        return window.reduce((s: number, v: number) => s + v, 0) / 30;
      });
      const np = (rolling.reduce((s: number, v: number) => s + v ** 4, 0) / rolling.length) ** 0.25;
      expect(await stat('duration')).toBe('0:20:00');
      expect(await stat('avg_power')).toBe(`${r(mean('power'))} W`);
      expect(await stat('np')).toBe(`${r(np)} W`);
      expect(await stat('max_power')).toBe(`${r(Math.max(...powers))} W`);
      expect(await stat('avg_heart_rate')).toBe(`${r(mean('heart_rate'))} bpm`);
      expect(await stat('avg_speed')).toBe(`${r(mean('speed') * 3.6, 1)} km/h`);
      expect(await stat('avg_cadence')).toBe(`${r(mean('cadence'))} rpm`);
      expect(page.url()).toContain('from=1800&to=3000');
      expect(await page.locator('[data-testid="map"] g.track-selected path').count()).toBe(1);
      await expectGolden(
        'activity-interval',
        [
          await page.locator('#interval-heading').textContent(),
          await listText(page, '[data-testid="interval-stats"]'),
          await figureText(page, 'stream-power'),
          await figureText(page, 'stream-wbal'),
          await figureText(page, 'map'),
          await tableText(page, 'map-table'),
        ].join('\n'),
      );
      await keep('activity-zoomed');

      // Keyboard: on the focused power chart, → pans by a fifth of the range, 0 resets.
      await page.locator('[data-testid="stream-power"] svg').focus();
      await page.keyboard.press('ArrowRight');
      await page.getByRole('heading', { name: 'Selected interval 0:34:00 – 0:54:00' }).waitFor();
      await page.keyboard.press('0');
      await page.getByRole('heading', { name: 'Whole activity' }).waitFor();
      expect(await stat('avg_power')).toBe(`${r(a.avg_power_w)} W`);

      // Brush: a drag across the middle half of the heart-rate chart zooms every chart to it.
      const hrChart = page.locator('[data-testid="stream-heart_rate"] svg');
      await hrChart.scrollIntoViewIfNeeded();
      const box = (await hrChart.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await page.getByRole('heading', { name: /^Selected interval/ }).waitFor();
      const status = (await page.locator('[data-testid="zoom-status"]').textContent()) ?? '';
      const [from, to] = [...status.matchAll(/(\d+):(\d\d):(\d\d)/g)]
        .slice(0, 2)
        .map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
      expect(from).toBeGreaterThan(0.2 * detail.elapsed_s);
      expect(to).toBeLessThan(0.8 * detail.elapsed_s);
      expect(to! - from!).toBeGreaterThan(0.3 * detail.elapsed_s);
      expect(await page.locator('[data-testid="stream-power"] svg').textContent()).not.toContain('0:00:00');
      await page.getByRole('button', { name: 'Reset zoom' }).click();
      await page.getByRole('heading', { name: 'Whole activity' }).waitFor();
      expect(problems).toEqual([]);
    });

    it('reaches every zoom control and chart from the keyboard, with a visible focus ring', async () => {
      const [activity] = await api('/api/v1/activities/?start=2025-03-01&end=2025-03-01&limit=1');
      await open(`/activity/${activity.id}`);
      await page.locator('h1').focus();
      const reached: string[] = [];
      for (let i = 0; i < 40 && !reached.includes('svg:stream-heart_rate'); i++) {
        await page.keyboard.press('Tab');
        const focused = page.locator(':focus');
        const tag = await focused.evaluate((element) => element.tagName.toLowerCase());
        const name =
          tag === 'svg'
            ? `svg:${await focused.evaluate((element) => element.closest('figure')?.getAttribute('data-testid'))}`
            : `${tag}:${(await focused.getAttribute('id')) ?? (await focused.textContent())}`;
        reached.push(name);
        expect(
          await focused.evaluate(
            (element) => element.ownerDocument.defaultView?.getComputedStyle(element).outlineStyle,
          ),
          name,
        ).not.toBe('none');
      }
      expect(reached).toEqual(
        expect.arrayContaining([
          'input:zoom-from',
          'input:zoom-to',
          'button:Zoom',
          'button:Zoom out',
          'button:Reset zoom',
          'svg:stream-power',
          'svg:stream-wbal',
          'svg:stream-heart_rate',
        ]),
      );
      expect(reached.indexOf('button:Reset zoom')).toBeLessThan(reached.indexOf('svg:stream-power'));
    });

    it('fits a phone and a desktop screen and keeps text contrast and labels on every page', async () => {
      const [ride] = await api('/api/v1/activities/?start=2025-03-01&end=2025-03-01&limit=1');
      const pages = [
        ['power', `/power?start=${START}&end=${END}&after=0,1000,2000`],
        ['speed', `/power?metric=speed&start=${START}&end=${END}`],
        ['fitness', `/fitness?start=${START}&end=${END}`],
        ['activities', '/activities'],
        ['activity', `/activity/${ride.id}`],
        ['report', `/report?start=${START}&end=${END}`],
        ['teams', '/teams'],
      ];
      const withCharts = (hash: string) => !['/activities', '/teams'].includes(hash);
      try {
        for (const [screen, width, height] of [
          ['phone', 390, 844],
          ['desktop', 1100, 900],
        ] as const)
          for (const [name = '', hash = ''] of pages) {
            await page.setViewportSize({ width, height });
            await open(hash);
            // No sideways scrolling of the page: wide tables scroll inside their own box.
            expect(await page.locator('html').evaluate((html) => html.scrollWidth), hash).toBeLessThanOrEqual(
              width,
            );
            const audit = await page.locator('main').evaluate((main) => {
              // The project's lib has no DOM types: reach the window and document through the element.
              const document = main.ownerDocument;
              const getComputedStyle = (e: typeof main) => document.defaultView!.getComputedStyle(e);
              const rgb = (text: string) => (text.match(/[\d.]+/g) ?? []).map(Number);
              const luminance = ([r, g, b]: number[]) => {
                const [R, G, B] = [r!, g!, b!].map((v) => {
                  const c = v / 255;
                  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
                });
                return 0.2126 * R! + 0.7152 * G! + 0.0722 * B!;
              };
              const background = (element: typeof main | null): number[] => {
                for (let e = element; e; e = e.parentElement) {
                  const color = rgb(getComputedStyle(e).backgroundColor);
                  if (color.length === 3 || (color.length === 4 && color[3]! > 0)) return color.slice(0, 3);
                }
                return [255, 255, 255];
              };
              const problems: string[] = [];
              let checked = 0;
              const walker = document.createTreeWalker(main, 4 /* NodeFilter.SHOW_TEXT */);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const element = node.parentElement;
                if (!element || !node.textContent?.trim()) continue;
                const box = element.getBoundingClientRect();
                if (box.width === 0 || box.height === 0) continue; // collapsed <details>, hidden
                const style = getComputedStyle(element);
                const inSvg = element.namespaceURI === 'http://www.w3.org/2000/svg';
                const fg = rgb(inSvg && style.fill !== 'none' ? style.fill : style.color).slice(0, 3);
                const l1 = luminance(fg);
                const l2 = luminance(background(element));
                const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
                checked++;
                const large =
                  Number.parseFloat(style.fontSize) >= 24 ||
                  (Number.parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
                if (ratio < (large ? 3 : 4.5))
                  problems.push(`${node.textContent.trim().slice(0, 30)}: ${ratio.toFixed(2)}`);
              }
              for (const control of main.querySelectorAll('input, select, textarea')) {
                const id = control.getAttribute('id');
                const labelled =
                  control.hasAttribute('aria-label') ||
                  control.hasAttribute('aria-labelledby') ||
                  (id !== null && main.querySelector(`label[for="${id}"]`) !== null);
                if (!labelled) problems.push(`unlabelled ${control.outerHTML.slice(0, 60)}`);
              }
              for (const control of main.querySelectorAll('button, a')) {
                if (!control.textContent?.trim() && !control.getAttribute('aria-label'))
                  problems.push(`nameless ${control.outerHTML.slice(0, 60)}`);
              }
              for (const figure of main.querySelectorAll('figure.chart')) {
                const chart = figure.querySelector('[role="img"]');
                const caption = document.getElementById(chart?.getAttribute('aria-labelledby') ?? '');
                const summary = document.getElementById(chart?.getAttribute('aria-describedby') ?? '');
                if (!caption?.textContent?.trim() || !summary?.textContent?.trim())
                  problems.push(`figure ${figure.getAttribute('data-testid')} without caption or summary`);
              }
              // Charts drawn for the screen, not a desktop chart scaled down; tick labels apart.
              let axes = 0;
              for (const axis of main.querySelectorAll('figure.chart g[aria-label="x-axis tick label"]')) {
                const svg = axis.closest('svg')!;
                const box = svg.getBoundingClientRect();
                if (box.width === 0) continue;
                axes++;
                const drawn = Number(svg.getAttribute('width'));
                if (box.width < drawn - 1)
                  problems.push(
                    `${svg.closest('figure')?.getAttribute('data-testid')} scaled ${drawn} → ${box.width}`,
                  );
                const labels = [...axis.querySelectorAll('text')]
                  .map((text) => text.getBoundingClientRect())
                  .sort((a, b) => a.left - b.left);
                for (let i = 1; i < labels.length; i++)
                  if (labels[i]!.left < labels[i - 1]!.right - 1)
                    problems.push(
                      `${svg.closest('figure.chart')?.getAttribute('data-testid')}: x labels overlap`,
                    );
              }
              return { problems, checked, axes, figures: main.querySelectorAll('figure.chart').length };
            });
            expect(audit.problems, `${screen} ${hash}`).toEqual([]);
            expect(audit.figures > 0, hash).toBe(withCharts(hash));
            expect(audit.checked, hash).toBeGreaterThan(withCharts(hash) ? 20 : 3);
            expect(audit.axes > 0, hash).toBe(withCharts(hash));
            await keep(`${screen}-${name}`);
          }
      } finally {
        await page.setViewportSize({ width: 1100, height: 900 });
      }
      expect(problems).toEqual([]);
    });

    it('selects a lap as the interval, with the lap’s averages as the API gives them', async () => {
      const [activity] = await api('/api/v1/activities/?start=2024-03-02&end=2024-03-02&limit=1');
      const detail = await api(`/api/v1/activities/${activity.id}`);
      expect(detail.laps.length).toBeGreaterThan(3);
      await open(`/activity/${activity.id}`);
      // The longest lap, and a 5 s one: any lap is an interval.
      const length = (l: { start: string; end: string }) => Date.parse(l.end) - Date.parse(l.start);
      const lap = [...detail.laps].sort((a, b) => length(b) - length(a))[0];
      expect(detail.laps.some((l: { start: string; end: string }) => length(l) <= 5000)).toBe(true);
      await page.getByRole('button', { name: `Select lap ${lap.index + 1}`, exact: true }).click();
      const fromS = (Date.parse(lap.start) - Date.parse(detail.start)) / 1000;
      const toS = (Date.parse(lap.end) - Date.parse(detail.start)) / 1000;
      const clock = (s: number) =>
        `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
      const heading = page.getByRole('heading', {
        name: `Selected interval ${clock(fromS)} – ${clock(toS)}`,
      });
      await heading.waitFor();
      expect(await heading.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
      const stat = (name: string) =>
        page.locator(`[data-testid="interval-stats"] dd[data-name="${name}"]`).textContent();
      expect(await stat('duration')).toBe(clock(toS - fromS));
      expect(await stat('avg_power')).toBe(`${r(lap.power.mean)} W`);
      expect(await stat('avg_heart_rate')).toBe(`${r(lap.heart_rate.mean)} bpm`);
      expect(page.url()).toContain(`from=${fromS}&to=${toS}`);
      // The link keeps the interval: reloading shows the same one.
      await page.reload();
      await ready();
      await heading.waitFor();
      expect(await stat('avg_power')).toBe(`${r(lap.power.mean)} W`);
      expect(problems).toEqual([]);
    });

    it('leaves W′ balance and the map out of an activity without CP and W′ or positions', async () => {
      const [activity] = await api(`/api/v1/activities/?start=2025-03-15&end=2025-03-15&limit=1`);
      expect(activity.sport).toBe('running.road');
      await open(`/activity/${activity.id}`);
      expect(await page.locator('[data-testid="stream-speed"] svg').count()).toBe(1);
      expect(await page.locator('[data-testid="stream-wbal"]').count()).toBe(0);
      expect(await page.locator('[data-testid="map"]').count()).toBe(0);
      expect(
        await page.locator('[data-testid="interval-stats"] dd[data-name="avg_power"]').textContent(),
      ).toBe('–');
      expect(problems).toEqual([]);
    });
  });
});
