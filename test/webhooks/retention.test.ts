import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';
import { type Receiver, startReceiver, waitFor } from './helpers.ts';

/** The outbox does not grow forever: finished deliveries and their events go after the retention. */
describe('webhook retention', () => {
  let dataDir: string;
  let engine: Engine;
  let healthy: Receiver;
  let broken: Receiver;
  let appId: string;
  let healthyId: string;
  let brokenId: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-webhook-retention-');
    engine = await Engine.open({
      dataDir,
      decodeWorkers: 0,
      // Seconds instead of days, so the test sees the worker prune on its own.
      webhooks: { retryBaseMs: 60_000, pollIntervalMs: 50, retentionMs: 1_500, pruneIntervalMs: 100 },
    });
    healthy = await startReceiver();
    broken = await startReceiver();
    broken.respond = () => 500;
    const { application } = await engine.identity.applications.create(null, { name: 'Coach app' });
    appId = application.id;
    healthyId = (await engine.webhooks.addEndpoint(null, appId, { url: healthy.url })).id;
    brokenId = (await engine.webhooks.addEndpoint(null, appId, { url: broken.url })).id;
    await engine.tokens.create('ann', { clientId: appId });
    engine.webhooks.startDelivery();
  });
  afterAll(async () => {
    engine.close();
    await healthy.close();
    await broken.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('drops delivered deliveries and keeps what a pending delivery still needs', async () => {
    await engine.sources.ingest('ann', csvRide({ startIso: '2024-05-01T07:00:00Z', durationS: 300 }));
    const statuses = async (endpointId: string) =>
      (await engine.webhooks.deliveries(null, appId, { endpointId })).map((d) => `${d.status}/${d.attempts}`);
    await waitFor(
      async () =>
        (await statuses(healthyId)).join() === 'delivered/1,delivered/1' &&
        (await statuses(brokenId)).join() === 'pending/1,pending/1',
      'first attempts recorded',
    );

    await waitFor(
      async () => (await engine.webhooks.deliveries(null, appId, { endpointId: healthyId })).length === 0,
      'the delivered rows to be pruned',
    );
    // The broken endpoint's deliveries are still pending (next retry in a minute): they stay, and so
    // do their events, in the feed too.
    const pending = await engine.webhooks.deliveries(null, appId, { endpointId: brokenId });
    expect(pending.map((d) => d.attemptLog.length)).toEqual([1, 1]);
    expect(await statuses(brokenId)).toEqual(['pending/1', 'pending/1']);
    expect(await engine.webhooks.events(appId, {})).toHaveLength(2);

    // Once nothing needs them, the events go as well.
    await engine.webhooks.removeEndpoint(null, appId, brokenId);
    await engine.sources.ingest('ann', csvRide({ startIso: '2024-05-02T07:00:00Z', durationS: 300 }));
    await waitFor(() => healthy.received.length === 4, 'the second upload delivered');
    await waitFor(
      async () => (await engine.webhooks.events(appId, {})).length === 0,
      'the events to be pruned',
    );
  });
});
