import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/contract/index.ts';
import { syntheticAthlete } from '../../src/demo/synthetic-athlete.ts';
import { asJson, get, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

/** A CSV ride from a 1 Hz power array, starting at a UTC instant. */
function csvFromPower(startS: number, powerW: ArrayLike<number>): Uint8Array {
  const lines = ['timestamp,sport,power,heart_rate'];
  for (let s = 0; s < powerW.length; s++) {
    const ts = new Date((startS + s) * 1000).toISOString().replace('.000Z', 'Z');
    lines.push(
      `${ts},${s === 0 ? 'cycling.road' : ''},${powerW[s]},${Math.round(100 + Number(powerW[s]) / 5)}`,
    );
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

describe('the metabolic profile of a synthetic athlete with a known CP', () => {
  let server: TestServer;
  let token: string;
  let other: string;
  const athlete = syntheticAthlete({ seed: 5, cpW: 290, wPrimeJ: 22_000, pmaxW: 1100, weeks: 6 });
  const lastDate = athlete.activities
    .map((a) => a.date)
    .sort()
    .at(-1)!;
  /** Activity ids by local date (UTC here). */
  const byDate = new Map<string, string>();

  const json = async (path: string, as = token) => {
    const response = await get(server, as, path);
    expect(response.status, path).toBe(200);
    return asJson(await response.json());
  };
  const send = (method: string, path: string, body?: unknown, as = token) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${as}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const profile = (date = lastDate) => json(`/api/v1/profile/metabolic-profile?sport=cycling&date=${date}`);
  /** Polls the status route until the background recompute has caught up (no clock involved). */
  const recomputed = async () => {
    for (;;) {
      const status = await json('/api/v1/profile/recompute-status');
      if (status.state === 'failed') throw new Error(status.error);
      if (status.state === 'done' && status.pending_from === null) return status;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const analysisOn = async (date: string) =>
    (await json(`/api/v1/activities/${byDate.get(date)}`)).analysis as {
      tss: number | null;
      normalized_power_w: number;
      moving_time_s: number;
      thresholds: Record<string, number>;
      normalized_power_w_per_kg: number | null;
    };

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('meta');
    other = await server.tokenFor('meta-other');
    for (const [i, a] of athlete.activities.entries()) {
      const response = await upload(server, token, [
        { name: `synthetic-${i}.csv`, bytes: csvFromPower(a.startS, a.powerW) },
      ]);
      expect(response.status).toBe(201);
      const body = asJson(await response.json());
      if (!byDate.has(a.date)) byDate.set(a.date, body.sources[0].activity_ids[0]);
    }
  }, 120_000);
  afterAll(() => server.close());

  it('returns the athlete’s CP as a modeled marker within 1 %, with the fit’s quality and window', async () => {
    const p = await profile();
    const cp = p.power.markers.critical_power;
    expect(cp.provenance).toBe('modeled');
    expect(Math.abs(cp.value / athlete.truth.cpW - 1)).toBeLessThan(0.01);
    expect(Math.abs(p.power.markers.w_prime.value / (athlete.truth.wPrimeJ / 1000) - 1)).toBeLessThan(0.05);
    expect(cp.fit).toMatchObject({ model: 'cp2', end: lastDate, activity_count: athlete.activities.length });
    expect(cp.fit.window_s).toEqual([120, 1200]);
    expect(cp.fit.r2).toBeGreaterThan(0.9);
    expect(cp.record).toMatchObject({ type: 'model' });
    // With nothing else known, the model anchors the zones; it never feeds ingest.
    expect(p.power.threshold).toMatchObject({ name: 'critical_power', provenance: 'modeled' });
    expect(p.power.zones.seven_zone.anchor_value).toBe(cp.value);
    expect(p.power.zones.seven_zone.zones[1]).toEqual({
      zone: 'Z2',
      from: Math.round(0.55 * cp.value),
      to: Math.round(0.75 * cp.value),
    });
    expect(p.power.zones.three_zone.zones.map((z: { from: number }) => z.from)).toEqual([
      0,
      Math.round(0.8 * cp.value),
      Math.round(cp.value),
    ]);
    expect(p.heart_rate.zones.five_zone).toBeNull();
    expect(p.thresholds.ftp_w).toBeUndefined();
    expect(p.body_mass).toBeNull();
    expect(cp.per_kg).toBeNull();
    expect(p.recompute.state).toBe('idle');
  });

  it('keeps answering SweatStack’s {curve: [{duration, intensity}]} on the intensity-duration model', async () => {
    const model = await json(`/api/v1/profile/intensity-duration-model?start=2024-01-01&end=${lastDate}`);
    expect(model.curve.length).toBeGreaterThan(5);
    for (const point of model.curve) {
      expect(Number.isInteger(point.duration)).toBe(true);
      expect(Number.isInteger(point.intensity)).toBe(true);
    }
  });

  it('gives W/kg with the body-mass daily in force on the date, and ingest re-derives with it', async () => {
    expect(
      (await send('POST', '/api/v1/dailies/body_mass', { date: '2024-01-15', value: 72.5 })).status,
    ).toBe(200);
    expect((await send('POST', '/api/v1/dailies/body_mass', { date: '2024-02-01', value: 70 })).status).toBe(
      200,
    );
    const late = await profile();
    expect(late.body_mass).toMatchObject({
      value: 70,
      unit: 'kg',
      date: '2024-02-01',
      record: { type: 'daily' },
    });
    expect(late.power.markers.critical_power.per_kg).toBeCloseTo(
      late.power.markers.critical_power.value / 70,
      2,
    );
    const mid = await profile('2024-01-20');
    expect(mid.body_mass.value).toBe(72.5);
    expect((await profile('2024-01-10')).body_mass).toBeNull();
    await recomputed();
    const dates = [...byDate.keys()].sort();
    const before = dates.find((d) => d < '2024-01-15')!;
    const between = dates.find((d) => d >= '2024-01-15' && d < '2024-02-01')!;
    const after = dates.find((d) => d >= '2024-02-01')!;
    expect((await analysisOn(before)).thresholds.weight_kg).toBeUndefined();
    const mid72 = await analysisOn(between);
    expect(mid72.thresholds.weight_kg).toBe(72.5);
    expect(mid72.normalized_power_w_per_kg).toBeCloseTo(mid72.normalized_power_w / 72.5, 2);
    expect((await analysisOn(before)).normalized_power_w_per_kg).toBeNull();
    expect((await analysisOn(after)).thresholds.weight_kg).toBe(70);
  });

  it('lets a pinned FTP win from its date on: zones and, after the background recompute, TSS follow it', async () => {
    const dates = [...byDate.keys()].sort();
    const before = dates.find((d) => d < '2024-01-20')!;
    const after = dates.find((d) => d >= '2024-01-20')!;
    expect((await analysisOn(after)).tss).toBeNull();
    const put = await send('PUT', '/api/v1/profile/metabolic-profile/markers/ftp', {
      sport: 'cycling',
      value: 250,
      effective_from: '2024-01-20',
    });
    expect(put.status).toBe(200);
    expect(asJson(await put.json())).toMatchObject({ name: 'ftp', value: 250, unit: 'W', pinned: true });
    const p = await profile();
    expect(p.power.threshold).toMatchObject({
      name: 'ftp',
      value: 250,
      provenance: 'declared',
      pinned: true,
    });
    expect(p.power.zones.seven_zone.zones[1]).toEqual({ zone: 'Z2', from: 138, to: 188 });
    expect(p.power.zones.five_zone.anchor_marker).toBe('ftp');
    expect(p.power.markers.ftp.per_kg).toBeCloseTo(250 / 70, 2);
    expect(p.thresholds.ftp_w).toBe(250);
    expect((await profile('2024-01-19')).power.threshold.name).toBe('critical_power');

    const status = await recomputed();
    expect(status.from).toBe('2024-01-20');
    expect(status.total).toBeGreaterThan(0);
    expect(status.done).toBe(status.total);
    const at250 = await analysisOn(after);
    expect(at250.thresholds.ftp_w).toBe(250);
    expect(at250.tss).toBeCloseTo(
      (at250.moving_time_s / 3600) * (at250.normalized_power_w / 250) ** 2 * 100,
      6,
    );
    expect((await analysisOn(before)).tss).toBeNull();

    // A new FTP: TSS scales by (old / new)² once the recompute has run.
    await send('PUT', '/api/v1/profile/metabolic-profile/markers/ftp', {
      sport: 'cycling',
      value: 300,
      effective_from: '2024-01-20',
    });
    expect((await profile()).power.zones.seven_zone.anchor_value).toBe(300);
    await recomputed();
    const at300 = await analysisOn(after);
    expect(at300.thresholds.ftp_w).toBe(300);
    expect(at300.tss).toBeCloseTo(at250.tss! * (250 / 300) ** 2, 6);
  });

  it('lets a recent declared (or measured) value win over the model, and unpinning restores the model', async () => {
    expect((await send('DELETE', '/api/v1/profile/metabolic-profile/markers/ftp?sport=cycling')).status).toBe(
      204,
    );
    expect((await send('DELETE', '/api/v1/profile/metabolic-profile/markers/ftp?sport=cycling')).status).toBe(
      404,
    );
    expect((await profile()).power.threshold.name).toBe('critical_power');
    const put = await send('PUT', '/api/v1/profile/metabolic-profile/markers/critical_power', {
      sport: 'cycling',
      value: 305,
      effective_from: '2024-02-05',
      pinned: false,
      provenance: 'external',
    });
    expect(put.status).toBe(200);
    const p = await profile();
    const cp = p.power.markers.critical_power;
    expect(cp).toMatchObject({ value: 305, provenance: 'external', pinned: false, date: '2024-02-05' });
    expect(cp.alternatives[0].provenance).toBe('modeled');
    expect(p.power.zones.seven_zone.anchor_value).toBe(305);
    expect(p.thresholds).toMatchObject({ ftp_w: 305, cp_w: 305 });
    // Before its date the model speaks.
    expect((await profile('2024-02-04')).power.markers.critical_power.provenance).toBe('modeled');
    await recomputed();
  });

  it('reads heart-rate markers, declared per intensity, into LTHR and HRmax zones', async () => {
    const put = (name: string, body: object) =>
      send('PUT', `/api/v1/profile/metabolic-profile/markers/${name}`, {
        sport: 'cycling',
        effective_from: '2024-01-01',
        ...body,
      });
    expect((await put('lt2', { value: 165 })).status).toBe(422);
    expect((await put('lt2', { value: 165, metric: 'heart_rate' })).status).toBe(200);
    expect((await put('lt1', { value: 140, metric: 'heart_rate' })).status).toBe(200);
    expect((await put('heart_rate_max', { value: 190 })).status).toBe(200);
    expect((await put('heart_rate_max', { value: 190, metric: 'power' })).status).toBe(422);
    const hr = (await profile()).heart_rate;
    expect(hr.threshold).toMatchObject({ name: 'lt2', value: 165 });
    expect(hr.zones.three_zone.zones.map((z: { from: number }) => z.from)).toEqual([0, 140, 165]);
    expect(hr.zones.five_zone.zones.map((z: { from: number }) => z.from)).toEqual([0, 112, 137, 155, 173]);
    expect(hr.zones.olt_i_scale).toMatchObject({ anchor: 'heart_rate_max', anchor_value: 190 });
    expect(hr.zones.olt_i_scale.zones.map((z: { from: number }) => z.from)).toEqual([0, 137, 156, 165, 175]);
    const markers = await json('/api/v1/profile/metabolic-profile/markers');
    expect(markers.map((m: { name: string }) => m.name).sort()).toEqual([
      'critical_power',
      'heart_rate_max',
      'lt1',
      'lt2',
    ]);
    await recomputed();
    expect((await analysisOn([...byDate.keys()].sort().at(-1)!)).thresholds).toMatchObject({
      lthr_bpm: 165,
      max_hr_bpm: 190,
    });
  });

  // Measured markers come from the tests of the tests-and-traces routes, when this build has them.
  it.skipIf(!('createTest' in ROUTES))(
    'switches to a test’s value (measured) once a test is posted',
    async () => {
      const posted = await send('POST', '/api/v1/tests/', {
        sport: 'cycling',
        start: '2024-02-08T09:00:00Z',
        end: null,
        title: 'CP test',
        results: { critical_power: 282, lt2: { power: 275, heart_rate: 168 }, heart_rate_max: 192 },
        tags: null,
      });
      expect(posted.status).toBe(200);
      const testId = asJson(await posted.json()).id;
      const p = await profile();
      expect(p.power.markers.critical_power).toMatchObject({
        value: 282,
        provenance: 'measured',
        date: '2024-02-08',
        record: { type: 'test', id: testId },
      });
      expect(p.power.markers.lt2).toMatchObject({ value: 275, provenance: 'measured' });
      expect(p.power.threshold).toMatchObject({ name: 'lt2', value: 275, provenance: 'measured' });
      expect(p.power.zones.seven_zone.anchor_value).toBe(275);
      // The pinned heart-rate declarations still win over the test; the test's HRmax is an alternative.
      expect(p.heart_rate.markers.heart_rate_max).toMatchObject({ value: 190, pinned: true });
      expect(p.heart_rate.markers.heart_rate_max.alternatives[0]).toMatchObject({
        value: 192,
        provenance: 'measured',
      });
      expect(p.thresholds.ftp_w).toBe(275);
      // The test's date on, activities are re-derived with it in the background.
      const status = await recomputed();
      expect(status.from).toBe('2024-02-08');
      const after = [...byDate.keys()].sort().find((d) => d >= '2024-02-08')!;
      const analysis = await analysisOn(after);
      expect(analysis.thresholds).toMatchObject({ ftp_w: 275, cp_w: 282 });
      expect(analysis.tss).toBeCloseTo(
        (analysis.moving_time_s / 3600) * (analysis.normalized_power_w / 275) ** 2 * 100,
        6,
      );
    },
  );

  it('shows another athlete nothing of it', async () => {
    const p = asJson(
      await (
        await get(server, other, `/api/v1/profile/metabolic-profile?sport=cycling&date=${lastDate}`)
      ).json(),
    );
    expect(p.power.markers).toEqual({});
    expect(p.body_mass).toBeNull();
    expect(await json('/api/v1/profile/metabolic-profile/markers', other)).toEqual([]);
    expect((await json('/api/v1/profile/recompute-status', other)).state).toBe('idle');
    expect(
      (await send('DELETE', '/api/v1/profile/metabolic-profile/markers/lt2?sport=cycling', undefined, other))
        .status,
    ).toBe(404);
  });
});
