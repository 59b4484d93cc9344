import { rm } from 'node:fs/promises';
import type { DuckDBValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticLake } from '../../../bench/synthetic-lake.ts';
import { AFTER_WORK_LADDER_KJ, ALL_DURATIONS_S } from '../../../src/domain/durations.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { compileLongitudinalCurve } from '../../../src/query/longitudinal-sql.ts';
import { LongitudinalIndex } from '../../../src/services/longitudinal/longitudinal-index.ts';
import { makeTempDir } from '../../helpers/test-server.ts';

describe('the in-memory longitudinal index', () => {
  let dataDir: string;
  let engine: Engine;

  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-index-');
    await buildSyntheticLake({ dataDir, seed: 7, years: 8 / 52, athleteId: 'ix' });
    engine = await Engine.open({ dataDir });
  });
  afterAll(async () => {
    engine.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers exactly what the SQL definition over curve_points answers, for every filter', async () => {
    const index = await LongitudinalIndex.load(engine.store, 'ix');
    const filters = [
      {},
      { sport: ['cycling'] },
      { sport: ['running.trail', 'cycling+stationary'] },
      { start: '2020-01-20', end: '2020-02-10' },
      { start: '2020-02-01', sport: ['running'] },
    ];
    let compared = 0;
    for (const metric of ['power', 'speed', 'heart_rate']) {
      for (const envelope of [false, true]) {
        for (const filter of filters) {
          const afterKj = metric === 'power' ? [0, ...AFTER_WORK_LADDER_KJ] : [0];
          const request = { metric, afterKj, durationsS: ALL_DURATIONS_S, envelope };
          const { sql, params } = compileLongitudinalCurve({ ...request, athleteId: 'ix', filter });
          const expected = await engine.store.all<Record<string, number | string>>(
            sql,
            params as DuckDBValue[],
          );
          const got = index.query({ ...request, ...filter });
          expect(
            got.map((p) => [p.after_kj, p.duration_s, p.value, p.window_s, p.activity_id, p.start_offset_s]),
          ).toEqual(
            expected.map((r) => [
              r.after_kj,
              r.duration_s,
              r.value,
              r.window_s,
              r.activity_id,
              r.start_offset_s,
            ]),
          );
          compared += got.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
