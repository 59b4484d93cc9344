import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, startTestServer, type TestServer, upload } from '../helpers/test-server.ts';

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');

/** Issue 11 item 1: an upload of several files goes through the bulk path, with the same answer. */
describe('an upload of several files', () => {
  let bulk: TestServer;
  let single: TestServer;

  beforeAll(async () => {
    [bulk, single] = await Promise.all([startTestServer(), startTestServer()]);
  });
  afterAll(async () => {
    await Promise.all([bulk?.close(), single?.close()]);
  });

  it('returns, per file and in order, what uploading them one at a time returns', async () => {
    const multisport = new Uint8Array(await readFile(join(FIXTURES, 'multisport-run-bike.fit')));
    const ride = csvRide({ startIso: '2024-06-01T07:00:00Z', durationS: 900 });
    const files = [
      { name: 'ride.csv', bytes: ride },
      { name: 'broken.fit', bytes: new TextEncoder().encode('not a fit file') },
      { name: 'multisport.fit', bytes: multisport },
      { name: 'ride-again.csv', bytes: ride },
    ];
    const response = await upload(bulk, await bulk.tokenFor('ann'), files, ['camp']);
    expect(response.status).toBe(201);
    const together = (await response.json().then(asJson)).sources;
    const token = await single.tokenFor('ann');
    const oneByOne = [];
    for (const file of files) {
      oneByOne.push((await (await upload(single, token, [file], ['camp'])).json().then(asJson)).sources[0]);
    }
    const comparable = (s: { created_at: string }) => ({ ...s, created_at: undefined });
    expect(together.map(comparable)).toEqual(oneByOne.map(comparable));
    expect(together.map((s: { status: string; duplicate: boolean }) => [s.status, s.duplicate])).toEqual([
      ['processed', false],
      ['failed', false],
      ['processed', false],
      ['processed', true],
    ]);
    expect(together[2].activity_ids.length).toBeGreaterThan(1);
    expect(await bulk.engine.checkConsistency()).toEqual([]);
  });
});
