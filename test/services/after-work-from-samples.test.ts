import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanMaxBruteForce } from '../../src/analytics/mean-max-brute-force.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { ColumnBatch } from '../../src/store/column-batch.ts';
import { makeTempDir } from '../helpers/test-server.ts';

async function rows(batches: AsyncIterable<ColumnBatch>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const batch of batches) {
    for (let i = 0; i < batch.rowCount; i++) {
      out.push(Object.fromEntries(batch.columns.map((c) => [c.name, c.values[i]])));
    }
  }
  return out;
}

describe('longitudinal mean-max after any amount of work', () => {
  let dataDir: string;
  let engine: Engine;
  let activityId: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-after-');
    engine = await Engine.open({ dataDir });
    const bytes = await readFile(join(import.meta.dirname, '../../data/fixtures/ride-known-power.fit'));
    activityId = (await engine.sources.ingest('after', bytes, { fileName: 'ride.fit' })).activity_ids[0]!;
  });
  afterAll(async () => {
    engine.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('computes a fractional kJ value off the stored ladder from the samples, equal to a brute-force search', async () => {
    const detail = await engine.activities.get('after', activityId);
    const end = detail.start_local.slice(0, 10);
    const samples = await rows(
      (await engine.activities.data('after', activityId, { metrics: ['power'] })).batches,
    );
    // The fixture has a reading every second and no gaps, so the grid is the sample list.
    const power = Float64Array.from(samples, (r) => Number(r.power));
    let workJ = 0;
    let from = 0;
    while (workJ < 123_500) workJ += power[from++]!;
    const expected = meanMaxBruteForce(power.subarray(from));

    const result = await rows(
      (
        await engine.longitudinal.meanMax('after', {
          sport: ['cycling'],
          end,
          metric: 'power',
          durations: [1, 5, 60, 300],
          after: [0, 123.5],
        })
      ).batches,
    );
    const fatigue = result.filter((r) => r.after === 123.5);
    expect(fatigue.map((r) => r.duration)).toEqual([1, 5, 60, 300]);
    for (const row of fatigue) {
      const d = Number(row.duration);
      expect(row.power).toBeCloseTo(expected.values[d - 1]!, 9);
      expect(row.activity_id).toBe(activityId);
      const startS = (row.start as Date).getTime() / 1000 - Date.parse(detail.start) / 1000;
      expect(startS).toBe(from + expected.startS[d - 1]!);
    }
    // The whole-activity rows are still there, from the stored curves.
    expect(result.filter((r) => r.after === 0).length).toBe(4);
  });
});
