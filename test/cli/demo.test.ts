import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { seedDemoHistory } from '../../src/cli/demo-seed.ts';
import { Engine } from '../../src/engine/engine.ts';
import { BIN } from '../helpers/cli.ts';
import { asJson, makeTempDir } from '../helpers/test-server.ts';

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe('npm start (peakform demo)', () => {
  let root = '';
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('serves a history ending today, prints where to look, and a curl line that downloads Arrow', async () => {
    root = await makeTempDir('peakform-demo-');
    const child = spawn(process.execPath, [
      BIN,
      'demo',
      '--data',
      join(root, 'data'),
      '--port',
      '0',
      '--years',
      '0.1',
    ]);
    try {
      const output = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('Demo data ready')) resolve(text);
        });
        child.on('exit', (code) => reject(new Error(`demo exited with ${code}: ${text}`)));
      });
      const token = output.match(/Token: +(\S+)/)![1]!;
      const base = output.match(/API: +(\S+)\/api\/v1\/activities/)![1]!;
      expect(output).toContain(`to ${today()}`);
      expect(output).toContain(`${base}/app/`);
      expect(output).toContain(`SWEATSTACK_URL=${base} SWEATSTACK_API_KEY=${token}`);
      // The printed token is a personal API key: an RS256 JWT.
      expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      const url = output.match(
        /-H "Accept: application\/vnd\.apache\.arrow\.stream" \\\n\s+(\S+) -o activity\.arrow/,
      )![1]!;
      const auth = { authorization: `Bearer ${token}` };
      const response = await fetch(url, {
        headers: { ...auth, accept: 'application/vnd.apache.arrow.stream' },
      });
      expect(response.status).toBe(200);
      const table = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
      expect(table.numRows).toBeGreaterThan(0);

      // The curl line names an activity of the last week, and the last two weeks have several.
      const latest = asJson(
        await (await fetch(`${base}/api/v1/activities/latest`, { headers: auth })).json(),
      );
      expect(latest.start >= `${daysAgo(8)}`).toBe(true);
      const recent = asJson(
        await (
          await fetch(`${base}/api/v1/activities/?start=${daysAgo(14)}&limit=100`, { headers: auth })
        ).json(),
      );
      expect(recent.length).toBeGreaterThanOrEqual(4);
      const mass = asJson(
        await (
          await fetch(`${base}/api/v1/dailies/body_mass?start=${daysAgo(6)}&end=${today()}`, {
            headers: auth,
          })
        ).json(),
      );
      expect(mass).toHaveLength(7);
      for (const day of mass) expect(day.value).toBeGreaterThan(60);
      const tests = asJson(await (await fetch(`${base}/api/v1/tests/`, { headers: auth })).json());
      expect(tests.length).toBeGreaterThanOrEqual(1);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('demo history', () => {
  it('tops up to a later day on restart without duplicating what is stored', async () => {
    const dataDir = await makeTempDir('peakform-demo-history-');
    const first = new Date('2026-03-04T12:00:00Z');
    const later = new Date('2026-03-18T12:00:00Z');
    try {
      let engine = await Engine.open({ dataDir, decodeWorkers: 0 });
      const seeded = await seedDemoHistory(engine, 'demo', { years: 3 / 52, now: first });
      await seeded.ingestActivities();
      expect(seeded).toMatchObject({ from: '2026-02-16', to: '2026-03-04', days: 17 });
      const count = await engine.activities.count('demo', {});
      expect(count).toBe(seeded.activities);
      engine.close();

      engine = await Engine.open({ dataDir, decodeWorkers: 0 });
      const again = await seedDemoHistory(engine, 'demo', { years: 3 / 52, now: first });
      expect(again).toMatchObject({ activities: 0, days: 1, tests: 0 });
      const topUp = await seedDemoHistory(engine, 'demo', { years: 3 / 52, now: later });
      await topUp.ingestActivities();
      expect(topUp).toMatchObject({ from: '2026-02-16', to: '2026-03-18', days: 15 });
      expect(topUp.activities).toBeGreaterThan(0);
      expect(await engine.activities.count('demo', {})).toBe(count + topUp.activities);
      const latest = await engine.activities.latest('demo');
      expect(latest!.start.slice(0, 10) >= '2026-03-09').toBe(true);
      const mass = await engine.dailies.list('demo', 'body_mass', { start: '2026-02-16', end: '2026-03-18' });
      expect(mass.every((d) => d.status === 'stored')).toBe(true);
      engine.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
