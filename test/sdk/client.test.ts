import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeakformApiError, PeakformClient } from '../../src/sdk/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');

describe('the SDK generated from the route table', () => {
  let server: TestServer;
  let client: PeakformClient;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('sdk');
    client = new PeakformClient({ baseUrl: server.url, token });
    const bytes = await readFile(join(FIXTURES, 'ride-known-power.fit'));
    const uploaded = await client.uploadActivities({ files: [{ name: 'ride.fit', bytes }], tags: ['test'] });
    expect(uploaded.sources[0]?.status).toBe('processed');
  });
  afterAll(() => server.close());

  it('has one method per operation, returning typed rows and Arrow tables', async () => {
    const [ride] = await client.listActivities({ sport: 'cycling' });
    expect(ride?.sport).toMatch(/^cycling/);
    const detail = await client.getActivity({ id: ride!.id });
    expect(detail.laps.length).toBeGreaterThan(0);
    const samples = await client.getActivityData({ id: ride!.id, metrics: ['power', 'duration'] });
    expect(samples.schema.fields.map((f) => f.name)).toEqual([
      'timestamp',
      'timestamp_local',
      'duration',
      'power',
    ]);
    expect(samples.numRows).toBe(detail.sample_count);
    const curve = await client.getLongitudinalMeanMax({ sport: 'cycling', durations: [5, 60] });
    expect(curve.getChild('activity_id')?.get(0)).toBe(ride!.id);
    let rows = 0;
    for await (const batch of client.getLongitudinalDataStream({ sport: 'cycling' })) rows += batch.numRows;
    expect(rows).toBe(detail.sample_count);
    expect(await client.getLatestActivity({ sport: 'running' })).toBeNull();
    expect(await client.listProfileTags()).toEqual(['test']);
  });

  it('throws PeakformApiError with the code and request id of a problem', async () => {
    const error = await client.getActivity({ id: 'act_000000' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeakformApiError);
    expect((error as PeakformApiError).code).toBe('ERR_ACTIVITY_NOT_FOUND');
    expect((error as PeakformApiError).requestId).toMatch(/^req_/);
  });
});
