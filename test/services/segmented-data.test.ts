import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanMax } from '../../src/analytics/mean-max.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { ColumnBatch } from '../../src/store/column-batch.ts';
import { makeTempDir } from '../helpers/test-server.ts';

async function collect(batches: AsyncIterable<ColumnBatch>): Promise<Record<string, unknown[]>> {
  const columns: Record<string, unknown[]> = {};
  for await (const batch of batches) {
    for (const column of batch.columns) {
      columns[column.name] ??= [];
      columns[column.name]!.push(...column.values);
    }
  }
  return columns;
}

/** The per-second series a set of rows stands for: each row repeated for its duration. */
function expand(values: unknown[], durations: unknown[]): Float64Array {
  const out: number[] = [];
  values.forEach((v, i) => {
    for (let s = 0; s < Number(durations[i]); s++) out.push(v === null ? Number.NaN : Number(v));
  });
  return Float64Array.from(out);
}

describe('segmentation_on through the activity service', () => {
  let dataDir: string;
  let engine: Engine;
  let activityId: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-segments-');
    engine = await Engine.open({ dataDir });
    const bytes = await readFile(join(import.meta.dirname, '../../data/fixtures/ride-known-power.fit'));
    activityId = (await engine.sources.ingest('seg', bytes, { fileName: 'ride.fit' })).activity_ids[0]!;
  });
  afterAll(async () => {
    engine.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('merges seconds into fewer rows whose durations sum to the recorded seconds, keeping work and the curve within tolerance', async () => {
    const raw = await collect(
      (await engine.activities.data('seg', activityId, { metrics: ['power', 'duration'] })).batches,
    );
    const segmented = await collect(
      (
        await engine.activities.data('seg', activityId, {
          metrics: ['power', 'duration'],
          segmentationOn: 'power',
        })
      ).batches,
    );
    const rawPower = expand(raw.power!, raw.duration!);
    const segmentedPower = expand(segmented.power!, segmented.duration!);
    expect(segmented.duration!.reduce((a: number, d) => a + Number(d), 0)).toBe(raw.power!.length);
    expect(segmented.power!.length).toBeLessThan(raw.power!.length / 3);
    const work = (series: Float64Array) => series.reduce((a, v) => a + (Number.isNaN(v) ? 0 : v), 0);
    // Whole watts on the wire: at most 0.5 W per second of rounding.
    expect(Math.abs(work(segmentedPower) - work(rawPower))).toBeLessThanOrEqual(0.5 * rawPower.length);
    const exact = meanMax(rawPower).values;
    const approx = meanMax(segmentedPower).values;
    for (let d = 10; d <= exact.length; d++) {
      const bound = 0.01 * exact[d - 1]! + (2.5 * 10) / d + 0.5;
      expect(Math.abs(approx[d - 1]! - exact[d - 1]!), `duration ${d}`).toBeLessThanOrEqual(bound + 1e-9);
    }
  });
});
