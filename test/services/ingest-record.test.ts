import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/domain/wire.ts';
import { Engine } from '../../src/engine/engine.ts';
import { makeTempDir } from '../helpers/test-server.ts';

const MULTISPORT = new URL('../../data/fixtures/multisport-run-bike.fit', import.meta.url);

/**
 * An ingest answers with the source record built from what it wrote, without reading it back:
 * it must be the record a later read gives, through a first upload, a restoring re-upload and a
 * recompute that leaves a deleted activity deleted.
 */
describe('the record an ingest returns', () => {
  let engine: Engine;
  let bytes: Uint8Array;

  beforeAll(async () => {
    engine = await Engine.open({ dataDir: await makeTempDir('peakform-ingest-record-'), decodeWorkers: 0 });
    bytes = new Uint8Array(await readFile(MULTISPORT));
  });

  afterAll(() => engine.close());

  const stored = (record: SourceRecord) => engine.sources.get('eve', record.id);

  it('is the stored record after an upload, with its sessions in order', async () => {
    const record = await engine.sources.ingest('eve', bytes, { fileName: 'multisport-run-bike.fit' });
    expect(record.status).toBe('processed');
    expect(record.activity_ids.length).toBeGreaterThanOrEqual(2);
    expect(record).toEqual(await stored(record));
  });

  it('is the stored record after a re-upload that restores a deleted activity', async () => {
    const first = await stored((await engine.sources.ingest('eve', bytes)) as SourceRecord);
    await engine.activities.delete('eve', first.activity_ids[0]!);
    expect((await stored(first)).activity_ids).toEqual(first.activity_ids.slice(1));

    const restored = await engine.sources.ingest('eve', bytes, { fileName: 'multisport-run-bike.fit' });
    expect(restored.activity_ids).toEqual(first.activity_ids);
    expect(restored).toEqual(await stored(restored));
  });

  it('is the stored record after a recompute that keeps a deleted activity deleted', async () => {
    const before = await stored((await engine.sources.ingest('eve', bytes)) as SourceRecord);
    await engine.activities.delete('eve', before.activity_ids[1]!);
    const records: SourceRecord[] = [];
    await engine.sources.recompute('eve', (record) => records.push(record));
    expect(records).toHaveLength(1);
    expect(records[0]!.activity_ids).toEqual(before.activity_ids.filter((_, i) => i !== 1));
    expect(records[0]).toEqual(await stored(records[0]!));
  });
});
