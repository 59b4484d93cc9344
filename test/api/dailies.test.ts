import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { asJson, get, makeTempDir, startTestServer, type TestServer } from '../helpers/test-server.ts';

describe('dailies', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('daisy');
  });
  afterAll(() => server.close());

  const post = (measure: string, body: unknown, bearer = token) =>
    fetch(`${server.url}/api/v1/dailies/${measure}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const list = async (measure: string, query: string, bearer = token) =>
    asJson(await (await get(server, bearer, `/api/v1/dailies/${measure}?${query}`)).json());

  it('stores, lists one row per date across the year end, and fills body mass linearly with outside values', async () => {
    expect(await (await post('body_mass', { date: '2024-12-20', value: 70 })).json()).toEqual({
      date: '2024-12-20',
      value: 70,
      status: 'stored',
      source: 'manual',
    });
    await post('body_mass', { date: '2025-01-09', value: 72 });
    const plain = await list('body_mass', 'start=2024-12-30&end=2025-01-02');
    expect(plain.map((r: { date: string }) => r.date)).toEqual([
      '2024-12-30',
      '2024-12-31',
      '2025-01-01',
      '2025-01-02',
    ]);
    expect(
      plain.every((r: { status: string; value: null }) => r.status === 'missing' && r.value === null),
    ).toBe(true);
    const filled = await list('body_mass', 'start=2024-12-30&end=2025-01-02&interpolate=true');
    expect(filled.map((r: { status: string }) => r.status)).toEqual([
      'estimated',
      'estimated',
      'estimated',
      'estimated',
    ]);
    expect(filled[0].value).toBeCloseTo(71, 10);
    expect(filled[0].source).toBeNull();
  });

  it('fills each measure by its rule: cycle day counts on, sleep altitude carries, HRV stays missing', async () => {
    await post('menstrual_cycle_day', { date: '2024-03-30', value: 12 });
    const cycle = await list('menstrual_cycle_day', 'start=2024-03-29&end=2024-04-02&interpolate=true');
    expect(cycle.map((r: { value: number | null }) => r.value)).toEqual([null, 12, 13, 14, 15]);
    await post('sleep_altitude', { date: '2024-03-31', value: 1800 });
    const altitude = await list('sleep_altitude', 'start=2024-03-29&end=2024-04-01&interpolate=true');
    expect(altitude.map((r: { value: number }) => r.value)).toEqual([1800, 1800, 1800, 1800]);
    await post('hrv', { date: '2024-03-31', value: 61 });
    const hrv = await list('hrv', 'start=2024-03-30&end=2024-04-01&interpolate=true');
    expect(hrv.map((r: { status: string }) => r.status)).toEqual(['missing', 'stored', 'missing']);
  });

  it('never lets an import replace a manual value, deletes a day once, and keeps athletes apart', async () => {
    await server.engine.dailies.set('daisy', 'resting_hr', '2024-05-01', 44);
    const imported = await server.engine.dailies.set(
      'daisy',
      'resting_hr',
      '2024-05-01',
      50,
      'garmin_connect',
    );
    expect(imported).toMatchObject({ value: 44, source: 'manual' });
    await server.engine.dailies.set('daisy', 'resting_hr', '2024-05-02', 50, 'garmin_connect');
    expect((await server.engine.dailies.set('daisy', 'resting_hr', '2024-05-02', 47)).source).toBe('manual');

    const other = await server.tokenFor('other');
    const theirs = await list('resting_hr', 'start=2024-05-01&end=2024-05-02', other);
    expect(theirs.map((r: { status: string }) => r.status)).toEqual(['missing', 'missing']);

    const del = (date: string) =>
      fetch(`${server.url}/api/v1/dailies/resting_hr?date=${date}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await del('2024-05-01')).status).toBe(204);
    const again = await del('2024-05-01');
    expect(again.status).toBe(404);
    expect(asJson(await again.json()).code).toBe('ERR_DAILY_NOT_FOUND');
  });

  it('rejects unknown measures, missing dates, non-calendar dates and non-numbers', async () => {
    expect((await post('weight', { date: '2024-01-01', value: 70 })).status).toBe(400);
    expect((await post('body_mass', { date: '2024-02-30', value: 70 })).status).toBe(400);
    expect((await post('body_mass', { date: '2024-02-03', value: '70' })).status).toBe(400);
    expect((await get(server, token, '/api/v1/dailies/body_mass?start=2024-01-01')).status).toBe(400);
  });

  it('reports dailies as ready in the account status', async () => {
    const status = asJson(await (await get(server, token, '/api/v1/profile/status')).json());
    expect(status.capabilities.dailies).toBe('ready');
  });
});

describe('peakform dailies import', () => {
  it('stores the lines it can read, reports the others, and exits 1', async () => {
    const root = await makeTempDir('peakform-dailies-');
    const file = join(root, 'dailies.csv');
    await writeFile(
      file,
      'date,measure,value,note\n2024-06-01,body_mass,71.2,\n2024-06-02,hrv,63,x\n2024-06-31,hrv,60,\n2024-06-03,steps,9000,\n',
    );
    const result = await runCli([
      'dailies',
      'import',
      '--data',
      join(root, 'data'),
      '--athlete',
      'cli',
      '--json',
      file,
    ]);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.stored).toBe(2);
    expect(summary.rejected.map((r: { line: number }) => r.line)).toEqual([4, 5]);
  });
});
