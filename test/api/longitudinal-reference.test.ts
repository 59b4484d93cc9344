import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_DURATIONS_S } from '../../src/domain/durations.ts';
import {
  FIXTURES_DIR,
  HAS_FIXTURES,
  type ReferenceCurve,
  readCurve,
} from '../analytics/reference-fixtures.ts';
import { asJson, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

/** The six cycling rides with an independent zero-policy reference curve (the TCX is the short ride again). */
const RIDES = [
  {
    file: 'derived-edge810-vector-truncated-100000B.fit',
    curve: 'derived-edge810-vector-truncated-100000B.curve.zero.csv',
  },
  {
    file: 'sweatpy-edge1000-short-smartrec-pause.fit',
    curve: 'sweatpy-edge1000-short-smartrec-pause.curve.zero.csv',
  },
  {
    file: 'sweatpy-edge1000-short-smartrec-pause.tcx',
    curve: 'sweatpy-edge1000-short-smartrec-pause.fromtcx.curve.zero.csv',
  },
  {
    file: 'fitparse-edge810-vector-ride-78min-power.fit',
    curve: 'fitparse-edge810-vector-ride-78min-power.curve.zero.csv',
  },
  { file: 'sweatpy-edge1000-ride-2h19-power.fit', curve: 'sweatpy-edge1000-ride-2h19-power.curve.zero.csv' },
  {
    file: 'fitparse-edge800-indoor-trainer-power.fit',
    curve: 'fitparse-edge800-indoor-trainer-power.curve.zero.csv',
  },
];

/** Durations off the catalog's query grid, answered from the per-activity curve files. */
const OFF_GRID_S = [7, 181, 599, 1201, 3601, 4999];

describe.skipIf(!HAS_FIXTURES)('longitudinal mean-max over the real rides (zero policy)', () => {
  let server: TestServer;
  let token: string;
  const byActivity = new Map<string, { curve: ReferenceCurve; startS: number; file: string }>();

  beforeAll(async () => {
    server = await startTestServer({ curveGapPolicy: 'zero' });
    token = await server.tokenFor('rider');
    for (const ride of RIDES) {
      const path = join(FIXTURES_DIR, 'real', ride.file);
      if (!existsSync(path)) continue;
      const body = asJson(
        await (await upload(server, token, [{ name: ride.file, bytes: readFileSync(path) }])).json(),
      );
      const id = body.sources[0].activity_ids[0];
      const detail = asJson(
        await (
          await fetch(`${server.url}/api/v1/activities/${id}`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json(),
      );
      byActivity.set(id, {
        curve: readCurve(ride.curve),
        startS: Date.parse(detail.start) / 1000,
        file: ride.file,
      });
    }
  });
  afterAll(() => server.close());

  /** Pointwise max of the reference curves at d, and the activities that attain it. */
  function expected(d: number) {
    let best = Number.NEGATIVE_INFINITY;
    for (const { curve } of byActivity.values())
      if (d <= curve.watts.length) best = Math.max(best, curve.watts[d - 1]!);
    const tied = [...byActivity.entries()].filter(
      ([, a]) => d <= a.curve.watts.length && Math.abs(a.curve.watts[d - 1]! - best) <= 1e-9,
    );
    return { best, tied };
  }

  async function longitudinal(durations: string) {
    const response = await fetch(
      `${server.url}/api/v1/activities/longitudinal-mean-max?sport=cycling&durations=${durations}&format=json`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(response.status).toBe(200);
    const rows = asJson(await response.json()) as {
      duration: number;
      power: number;
      start: string;
      activity_id: string;
      sport: string;
    }[];
    for (const row of rows)
      expect(Object.keys(row)).toEqual(['duration', 'power', 'start', 'activity_id', 'sport']);
    return rows;
  }

  it('equals the pointwise max of the reference curves, ties to the earliest activity, with the right attribution', async () => {
    expect(byActivity.size).toBe(RIDES.length);
    const longest = Math.max(...[...byActivity.values()].map((a) => a.curve.watts.length));
    const rows = [...(await longitudinal('all')), ...(await longitudinal(OFF_GRID_S.join(',')))];
    const wanted = [
      ...ALL_DURATIONS_S.filter((d) => d <= longest),
      ...OFF_GRID_S.filter((d) => d <= longest),
    ];
    expect(rows.map((r) => r.duration).sort((a, b) => a - b)).toEqual(wanted.sort((a, b) => a - b));
    for (const row of rows) {
      const { best, tied } = expected(row.duration);
      expect(Math.abs(row.power - best), `value at ${row.duration} s`).toBeLessThanOrEqual(0.01);
      const earliest = Math.min(...tied.map(([, a]) => a.startS));
      const winner = tied.find(([id]) => id === row.activity_id);
      expect(winner, `attribution at ${row.duration} s`).toBeDefined();
      expect(winner![1].startS, `ties go to the earliest activity at ${row.duration} s`).toBe(earliest);
      // `start` is the absolute UTC instant the best window begins.
      expect(row.start).toMatch(/Z$/);
      expect(Date.parse(row.start) / 1000 - winner![1].startS, `start second at ${row.duration} s`).toBe(
        winner![1].curve.startS[row.duration - 1],
      );
      expect(row.sport.startsWith('cycling')).toBe(true);
    }
  });

  it("gives each activity's own curve equal to its reference, exact and envelope", async () => {
    for (const [id, { curve, startS }] of byActivity) {
      const durations = ALL_DURATIONS_S.filter((d) => d <= curve.watts.length).join(',');
      for (const envelope of [false, true]) {
        const response = await fetch(
          `${server.url}/api/v1/activities/${id}/mean-max?durations=${durations}&envelope=${envelope}&format=json`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        const rows = asJson(await response.json()) as {
          duration: number;
          power: number;
          start: string;
        }[];
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) {
          // `window` is a column only of the envelope.
          expect(Object.keys(row)).toEqual(
            envelope ? ['duration', 'power', 'start', 'window'] : ['duration', 'power', 'start'],
          );
          const reference = envelope
            ? curve.wattsMonotone[row.duration - 1]!
            : curve.watts[row.duration - 1]!;
          expect(Math.abs(row.power - reference)).toBeLessThanOrEqual(0.01);
          if (!envelope) expect(Date.parse(row.start) / 1000 - startS).toBe(curve.startS[row.duration - 1]);
        }
      }
    }
  });
});
