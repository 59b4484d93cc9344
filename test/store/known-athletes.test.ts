import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/** An upload skips the athlete upsert for athletes the store has written: deletion must undo that. */
describe('the athlete row of an upload', () => {
  let engine: Engine;
  const ride = (day: number) =>
    csvRide({
      startIso: `2024-04-${String(day).padStart(2, '0')}T08:00:00Z`,
      durationS: 300,
      powerW: () => 180,
    });
  const athleteRows = async (id: string) =>
    (await engine.store.all<{ id: string }>('SELECT id FROM athletes WHERE id = $1', [id])).length;

  beforeAll(async () => {
    engine = await Engine.open({ dataDir: await makeTempDir('peakform-known-athletes-') });
  });
  afterAll(() => engine.close());

  it('is written again when an upload follows the athlete’s deletion', async () => {
    await engine.sources.ingest('cleo', ride(1), { fileName: 'one.csv' });
    await engine.sources.ingest('cleo', ride(2), { fileName: 'two.csv' });
    expect(await athleteRows('cleo')).toBe(1);
    await engine.store.deleteAthlete('cleo');
    expect(await athleteRows('cleo')).toBe(0);
    const source = await engine.sources.ingest('cleo', ride(3), { fileName: 'three.csv' });
    expect(source.status).toBe('processed');
    expect(await athleteRows('cleo')).toBe(1);
    expect(await engine.store.checkConsistency()).toEqual([]);
  });
});
