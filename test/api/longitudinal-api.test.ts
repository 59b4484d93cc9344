import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticAthlete } from '../../src/demo/synthetic-athlete.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, get, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

/** A CSV activity from a 1 Hz power array (and derived heart rate), starting at a given instant. */
function csvFromPower(startIso: string, powerW: ArrayLike<number>, sport = 'cycling.road'): Uint8Array {
  const start = Date.parse(startIso);
  const offset = startIso.slice(19) || 'Z';
  const lines = ['timestamp,sport,power,heart_rate'];
  for (let s = 0; s < powerW.length; s++) {
    const t = new Date(start + s * 1000 + (offset === 'Z' ? 0 : offsetMs(offset)));
    const ts = `${t.toISOString().slice(0, 19)}${offset}`;
    lines.push(`${ts},${s === 0 ? sport : ''},${powerW[s]},${Math.round(100 + Number(powerW[s]) / 5)}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

function offsetMs(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h, m] = offset.slice(1).split(':').map(Number);
  return sign * ((h ?? 0) * 60 + (m ?? 0)) * 60_000;
}

describe('longitudinal routes', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    alice = await server.tokenFor('alice');
    bob = await server.tokenFor('bob');
    const put = await fetch(`${server.url}/api/v1/profile/thresholds`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sport: 'cycling',
        effective_from: '2024-01-01',
        ftp_w: 250,
        cp_w: 260,
        w_prime_j: 20000,
        lthr_bpm: 160,
      }),
    });
    expect(put.status).toBe(200);
    const rides: [string, Uint8Array][] = [
      // 00:30 local (+02:00) on 10 May is 22:30 UTC on 9 May: it belongs to the 10th.
      [
        'late',
        csvFromPower(
          '2024-05-10T00:30:00+02:00',
          Array.from({ length: 900 }, (_, s) => 200 + (s % 50)),
        ),
      ],
      [
        'monday',
        csvFromPower(
          '2024-05-06T07:00:00+02:00',
          Array.from({ length: 1800 }, (_, s) => (s < 300 ? 330 : 180)),
        ),
      ],
      [
        'sunday',
        csvFromPower(
          '2024-05-12T18:00:00+02:00',
          Array.from({ length: 1200 }, () => 240),
        ),
      ],
      [
        'run',
        csvRide({
          startIso: '2024-05-11T06:00:00Z',
          durationS: 600,
          sport: 'running.road',
          powerW: () => 300,
        }),
      ],
    ];
    for (const [name, bytes] of rides) {
      const body = asJson(await (await upload(server, alice, [{ name: `${name}.csv`, bytes }])).json());
      ids[name] = body.sources[0].activity_ids[0];
    }
  });
  afterAll(() => server.close());

  /** Tabular routes answer Parquet unless asked otherwise, so JSON is asked for explicitly. */
  const json = async (token: string, path: string) => {
    const response = await get(server, token, path, { accept: 'application/json' });
    expect(response.status, path).toBe(200);
    expect(response.headers.get('content-type'), path).toContain('application/json');
    return asJson(await response.json());
  };

  it('honours local dates and inclusive ends on every longitudinal route', async () => {
    const curve = await json(
      alice,
      '/api/v1/activities/longitudinal-mean-max?start=2024-05-10&end=2024-05-10&durations=1',
    );
    expect(curve.map((r: { activity_id: string }) => r.activity_id)).toEqual([ids.late]);
    expect(
      await json(alice, '/api/v1/activities/longitudinal-mean-max?end=2024-05-09&sport=cycling&durations=60'),
    ).toEqual([expect.objectContaining({ activity_id: ids.monday })]);
    const data = await json(
      alice,
      '/api/v1/activities/longitudinal-data?start=2024-05-10&end=2024-05-10&metrics=power',
    );
    expect(data).toHaveLength(900);
    expect(new Set(data.map((r: { activity_id: string }) => r.activity_id))).toEqual(new Set([ids.late]));
    const days = await json(
      alice,
      '/api/v1/activities/longitudinal-aggregate?start=2024-05-09&end=2024-05-10&interval=day',
    );
    expect(days.map((r: { bucket: string; count: number }) => [r.bucket, r.count])).toEqual([
      ['2024-05-09', 0],
      ['2024-05-10', 1],
    ]);
  });

  it('aggregates weeks equal a straightforward recomputation over the raw samples', async () => {
    const weeks = await json(
      alice,
      '/api/v1/activities/longitudinal-aggregate?interval=week&start=2024-05-01&end=2024-05-31&metrics=power&metrics=heart_rate',
    );
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const glob = join(server.dataDir, 'lake/samples/athlete_id=alice/*/*.parquet');
      const raw = (
        await connection.runAndReadAll(`
          WITH s AS (SELECT * FROM read_parquet('${glob}')),
          a AS (SELECT activity_id, min(timestamp) AS first FROM s GROUP BY activity_id)
          SELECT strftime(date_trunc('week', CAST(b.local_start AS DATE)), '%Y-%m-%d') AS bucket,
            count(DISTINCT s.activity_id) AS count, sum(s.power) / 1000 AS work_kj,
            avg(s.power) AS power_mean, max(s.power) AS power_max,
            avg(s.heart_rate) AS heart_rate_mean, max(s.heart_rate) AS heart_rate_max
          FROM s JOIN (SELECT activity_id, first + INTERVAL 2 HOUR AS local_start FROM a) b USING (activity_id)
          GROUP BY ALL ORDER BY bucket`)
      ).getRowObjectsJS();
      const nonEmpty = weeks.filter((w: { count: number }) => w.count > 0);
      expect(nonEmpty).toHaveLength(raw.length);
      raw.forEach((r, i) => {
        const w = nonEmpty[i];
        expect(w.bucket).toBe(r.bucket);
        expect(w.count).toBe(Number(r.count));
        expect(w.work_kj).toBeCloseTo(Number(r.work_kj), 6);
        expect(w.power_mean).toBeCloseTo(Number(r.power_mean), 6);
        expect(w.power_max).toBe(Number(r.power_max));
        expect(w.heart_rate_mean).toBeCloseTo(Number(r.heart_rate_mean), 6);
        expect(w.heart_rate_max).toBe(Number(r.heart_rate_max));
      });
    } finally {
      connection.closeSync();
      db.closeSync();
    }
    // The week of 6 May holds three rides and a run; only rides have an FTP, so power zones add up to the rides' seconds.
    const week = weeks.find((w: { bucket: string }) => w.bucket === '2024-05-06');
    const zoneSeconds = [1, 2, 3, 4, 5, 6, 7].reduce((sum, z) => sum + (week[`power_z${z}_s`] ?? 0), 0);
    expect(zoneSeconds).toBe(1800 + 900 + 1200);
  });

  it('serves every tabular route identically as JSON, Arrow (apache-arrow and polars), Parquet (polars) and CSV (polars)', async () => {
    // Each route with the columns of its contract table, in order (undefined: not pinned here).
    const routes: [string, string[] | undefined][] = [
      [
        `/api/v1/activities/${ids.monday}/data?metrics=power&metrics=heart_rate`,
        ['timestamp', 'timestamp_local', 'power', 'heart_rate'],
      ],
      [`/api/v1/activities/${ids.monday}/mean-max?durations=1,5,60,300`, ['duration', 'power', 'start']],
      [
        '/api/v1/activities/longitudinal-mean-max?durations=1,60,300&after=250',
        ['duration', 'power', 'start', 'activity_id', 'sport', 'after'],
      ],
      [
        '/api/v1/activities/longitudinal-data?metrics=power&metrics=heart_rate&sport=cycling',
        ['timestamp', 'timestamp_local', 'activity_id', 'sport', 'power', 'heart_rate'],
      ],
      ['/api/v1/activities/longitudinal-aggregate?interval=week&metrics=power', undefined],
      ['/api/v1/profile/training-load?start=2024-05-01&end=2024-05-20', undefined],
    ];
    // polars has no seconds unit: it reads Arrow/Parquet duration[s] as duration[ms], same instant span.
    const polarsValues = (series: pl.Series): unknown[] => {
      const values = series.toArray() as unknown[];
      const dtype = String(series.dtype);
      if (!/duration/i.test(dtype)) return values;
      expect(dtype).toMatch(/ms|millisecond/i);
      return values.map((v) => (v === null || v === undefined ? v : Number(v) / 1000));
    };
    for (const [route, columns] of routes) {
      const sep = route.includes('?') ? '&' : '?';
      const rows = await json(alice, `${route}${sep}format=json`);
      const byDefault = await get(server, alice, route);
      expect(byDefault.headers.get('content-type'), route).toBe('application/vnd.apache.parquet');
      expect(rows.length, route).toBeGreaterThan(0);
      const bytes = async (format: string) =>
        new Uint8Array(await (await get(server, alice, `${route}${sep}format=${format}`)).arrayBuffer());
      const arrow = tableFromIPC(await bytes('arrow'));
      const polarsArrow = pl.readIPCStream(Buffer.from(await bytes('arrow')));
      const parquetPath = join(server.dataDir, 'check.parquet');
      await writeFile(parquetPath, await bytes('parquet'));
      const polarsParquet = pl.readParquet(parquetPath);
      const polarsCsv = pl.readCSV(Buffer.from(await bytes('csv')).toString('utf8'));
      expect(arrow.numRows, route).toBe(rows.length);
      expect(polarsArrow.height, route).toBe(rows.length);
      expect(polarsParquet.height, route).toBe(rows.length);
      expect(polarsCsv.height, route).toBe(rows.length);
      const names = arrow.schema.fields.map((f) => f.name);
      expect(Object.keys(rows[0]), route).toEqual(names);
      expect(polarsArrow.columns, route).toEqual(names);
      expect(polarsParquet.columns, route).toEqual(names);
      expect(polarsCsv.columns, route).toEqual(names);
      if (columns) expect(names, route).toEqual(columns);
      const numeric = Object.keys(rows[0]).filter(
        (k) => typeof rows.find((r: Record<string, unknown>) => r[k] !== null)?.[k] === 'number',
      );
      for (const column of numeric) {
        const expected = rows.map((r: Record<string, number | null>) => r[column]);
        const fromArrow = arrow.getChild(column)!.toArray() as ArrayLike<number | bigint>;
        for (const [name, values] of [
          [
            'apache-arrow',
            Array.from({ length: rows.length }, (_, i) =>
              arrow.getChild(column)!.get(i) === null ? null : Number(fromArrow[i]),
            ),
          ],
          ['polars arrow', polarsValues(polarsArrow.getColumn(column))],
          ['polars parquet', polarsValues(polarsParquet.getColumn(column))],
          ['polars csv', polarsValues(polarsCsv.getColumn(column))],
        ] as const) {
          const got = (values as unknown[]).map((v) => (v === null || v === undefined ? null : Number(v)));
          got.forEach((v, i) => {
            const e = expected[i];
            if (e === null) expect(v, `${route} ${column} ${name}`).toBeNull();
            else expect(v, `${route} ${column} ${name} row ${i}`).toBeCloseTo(e, 4);
          });
        }
      }
    }
  });

  it('computes training load from daily TSS: CTL and ATL with e^(−1/42) and e^(−1/7)', async () => {
    const load = await json(alice, '/api/v1/profile/training-load?start=2024-05-06&end=2024-05-13');
    expect(load.map((r: { date: string }) => r.date)).toEqual([
      '2024-05-06',
      '2024-05-07',
      '2024-05-08',
      '2024-05-09',
      '2024-05-10',
      '2024-05-11',
      '2024-05-12',
      '2024-05-13',
    ]);
    const monday = await json(alice, `/api/v1/activities/${ids.monday}`);
    expect(monday.analysis.tss).toBeGreaterThan(0);
    expect(load[0].tss).toBeCloseTo(monday.analysis.tss, 9);
    expect(load[0].ctl).toBeCloseTo(monday.analysis.tss * (1 - Math.exp(-1 / 42)), 9);
    expect(load[0].atl).toBeCloseTo(monday.analysis.tss * (1 - Math.exp(-1 / 7)), 9);
    expect(load[1].tsb).toBeCloseTo(load[0].ctl - load[0].atl, 9);
  });

  it('applies effective-dated thresholds at ingest and re-derives metrics on recompute', async () => {
    const before = (await json(alice, `/api/v1/activities/${ids.sunday}`)).analysis;
    expect(before.thresholds.ftp_w).toBe(250);
    expect(before.intensity_factor).toBeCloseTo(240 / 250, 2);
    await fetch(`${server.url}/api/v1/profile/thresholds`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sport: 'cycling.road', effective_from: '2024-05-11', ftp_w: 300 }),
    });
    const thresholds = await json(alice, '/api/v1/profile/thresholds');
    expect(Array.isArray(thresholds)).toBe(true);
    expect(thresholds).toHaveLength(2);
    await server.engine.sources.recompute('alice');
    const after = (await json(alice, `/api/v1/activities/${ids.sunday}`)).analysis;
    expect(after.thresholds.ftp_w).toBe(300);
    expect(after.thresholds.cp_w).toBe(260);
    expect(after.tss).toBeCloseTo(before.tss * (250 / 300) ** 2, 6);
    // Activities before the new date keep the older FTP; ids never change.
    expect((await json(alice, `/api/v1/activities/${ids.monday}`)).analysis.thresholds.ftp_w).toBe(250);
    expect(await json(alice, '/api/v1/activities')).toHaveLength(4);
  });

  it("never shows bob alice's rows on any longitudinal route", async () => {
    for (const path of [
      '/api/v1/activities/longitudinal-mean-max',
      '/api/v1/activities/longitudinal-data',
      '/api/v1/activities/longitudinal-aggregate?start=2024-05-06&end=2024-05-12',
      '/api/v1/profile/training-load?start=2024-05-06&end=2024-05-12',
    ]) {
      const rows = await json(bob, path);
      for (const row of rows) {
        expect(row.activity_id, path).toBeUndefined();
        if ('count' in row) expect(row.count).toBe(0);
        if ('tss' in row && row.tss !== null) expect(row.tss).toBe(0);
      }
    }
    expect((await get(server, bob, `/api/v1/activities/${ids.monday}/mean-max`)).status).toBe(404);
    const model = await json(bob, '/api/v1/profile/intensity-duration-model?start=2024-01-01&end=2024-12-31');
    expect(model).toMatchObject({ ok: false, activity_count: 0 });
  });

  it('rejects bad longitudinal parameters with a problem', async () => {
    for (const [path, code] of [
      ['/api/v1/activities/longitudinal-mean-max?durations=0', 'ERR_REQUEST_INVALID'],
      ['/api/v1/activities/longitudinal-mean-max?durations=abc', 'ERR_REQUEST_INVALID'],
      ['/api/v1/activities/longitudinal-mean-max?after=1,2,3,4,5,6', 'ERR_REQUEST_INVALID'],
      ['/api/v1/activities/longitudinal-mean-max?after=123&envelope=true', 'ERR_AFTER_WORK_UNSUPPORTED'],
      ['/api/v1/activities/longitudinal-mean-max?metric=cadence', 'ERR_REQUEST_INVALID'],
      ['/api/v1/activities/longitudinal-aggregate?interval=fortnight', 'ERR_REQUEST_INVALID'],
      ['/api/v1/activities/longitudinal-data?start=2024-05-10&end=2024-05-01', 'ERR_DATE_RANGE_INVALID'],
      ['/api/v1/profile/intensity-duration-model?model=magic', 'ERR_REQUEST_INVALID'],
    ]) {
      const response = await get(server, alice, path!);
      expect(response.status, path).toBe(400);
      expect(asJson(await response.json()).code, path).toBe(code);
    }
  });
});

describe('intensity-duration model over a synthetic athlete with known CP and W′', () => {
  let server: TestServer;
  let token: string;
  const athlete = syntheticAthlete({ seed: 3, cpW: 290, wPrimeJ: 22_000, pmaxW: 1100, weeks: 6 });

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('synth');
    for (const [i, a] of athlete.activities.entries()) {
      const startIso = new Date(a.startS * 1000).toISOString().replace('.000Z', 'Z');
      const response = await upload(server, token, [
        { name: `synthetic-${i}.csv`, bytes: csvFromPower(startIso, a.powerW) },
      ]);
      expect(response.status).toBe(201);
    }
  });
  afterAll(() => server.close());

  it('recovers CP within 2 % and W′ within 5 % through the API', async () => {
    const dates = athlete.activities.map((a) => a.date).sort();
    const model = asJson(
      await (
        await get(
          server,
          token,
          `/api/v1/profile/intensity-duration-model?model=cp2&start=${dates[0]}&end=${dates.at(-1)}`,
        )
      ).json(),
    );
    expect(model.ok).toBe(true);
    expect(model.activity_count).toBe(athlete.activities.length);
    expect(Math.abs(model.parameters.cp_w / athlete.truth.cpW - 1)).toBeLessThan(0.02);
    expect(Math.abs(model.parameters.w_prime_j / athlete.truth.wPrimeJ - 1)).toBeLessThan(0.05);
    expect(model.curve.find((p: { duration_s: number }) => p.duration_s === 300).modelled).toBeCloseTo(
      model.parameters.cp_w + model.parameters.w_prime_j / 300,
      6,
    );
  });

  it('reports a fit it cannot make as failed, with the reason', async () => {
    const model = asJson(
      await (
        await get(server, token, '/api/v1/profile/intensity-duration-model?start=2030-01-01&end=2030-02-01')
      ).json(),
    );
    expect(model).toMatchObject({ ok: false, parameters: {} });
    expect(model.reason).toMatch(/No cycling activities/);
  });
});
