import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarkerWriteSchema } from '../../src/domain/metabolic-profile.ts';
import { TestCreateSchema } from '../../src/domain/wire-tests.ts';
import { Engine } from '../../src/engine/engine.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/**
 * Ingest's thresholds are kept between uploads (`ProfileService.ingestThresholds`): every record
 * they come from must drop them when it changes, or activities would be derived with old values.
 */
describe('ingest thresholds, kept between uploads', () => {
  let engine: Engine;
  const ride = (day: number) =>
    csvRide({
      startIso: `2024-03-${String(day).padStart(2, '0')}T08:00:00Z`,
      durationS: 600,
      powerW: () => 200,
    });
  const entries = () => engine.profile.ingestThresholds('ann');

  beforeAll(async () => {
    engine = await Engine.open({ dataDir: await makeTempDir('peakform-thresholds-cache-') });
    await engine.sources.ingest('ann', ride(1), { fileName: 'first.csv' });
  });
  afterAll(() => engine.close());

  it('are the same entries across uploads, which write none of their tables', async () => {
    await engine.profile.setThresholds('ann', { sport: 'cycling', effective_from: '2024-01-01', ftp_w: 250 });
    const first = await entries();
    expect(first).toContainEqual(expect.objectContaining({ sport: 'cycling', ftp_w: 250 }));
    await engine.sources.ingest('ann', ride(2), { fileName: 'second.csv' });
    await engine.sources.ingest('bob', ride(2), { fileName: 'second.csv' });
    expect(await entries()).toBe(first);
  });

  it('follow every record they are made of: thresholds, markers, tests, body mass, deletions', async () => {
    await engine.profile.setThresholds('ann', { sport: 'cycling', effective_from: '2024-01-01', ftp_w: 270 });
    expect(await entries()).toContainEqual(expect.objectContaining({ ftp_w: 270 }));

    await engine.metabolicProfile.setMarker(
      'ann',
      'ftp',
      MarkerWriteSchema.parse({ sport: 'cycling', value: 281, effective_from: '2024-02-01' }),
    );
    expect(await entries()).toContainEqual(expect.objectContaining({ ftp_w: 281, pinned: true }));
    await engine.metabolicProfile.deleteMarker('ann', 'ftp', { sport: 'cycling' });
    expect(await entries()).not.toContainEqual(expect.objectContaining({ ftp_w: 281 }));

    await engine.dailies.set('ann', 'body_mass', '2024-02-10', 68.5);
    expect(await entries()).toContainEqual(expect.objectContaining({ weight_kg: 68.5 }));
    await engine.dailies.delete('ann', 'body_mass', '2024-02-10');
    expect(await entries()).not.toContainEqual(expect.objectContaining({ weight_kg: 68.5 }));

    const test = await engine.tests.create(
      'ann',
      TestCreateSchema.parse({
        sport: 'cycling',
        start: '2024-02-08T09:00:00Z',
        end: null,
        title: 'CP test',
        results: { critical_power: 293 },
        tags: null,
      }),
      null,
    );
    expect(await entries()).toContainEqual(expect.objectContaining({ cp_w: 293 }));
    await engine.tests.delete('ann', test.id, null);
    expect(await entries()).not.toContainEqual(expect.objectContaining({ cp_w: 293 }));

    // An upload derives with what is current: its analysis carries the newest FTP.
    await engine.profile.setThresholds('ann', { sport: 'cycling', effective_from: '2024-01-01', ftp_w: 300 });
    const source = await engine.sources.ingest('ann', ride(3), { fileName: 'third.csv' });
    const activity = await engine.activities.get('ann', source.activity_ids[0]!);
    expect(
      (activity as unknown as { analysis: { thresholds: { ftp_w?: number } } }).analysis.thresholds.ftp_w,
    ).toBe(300);
  });
});
