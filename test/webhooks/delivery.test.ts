import { rm } from 'node:fs/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';
import { type Receiver, startReceiver, verifySweatstack, waitFor } from './helpers.ts';

/** Issue 10: signed deliveries of activity and source events to a receiver on loopback. */
describe('webhook deliveries', () => {
  let dataDir: string;
  let engine: Engine;
  let receiver: Receiver;
  let standardReceiver: Receiver;
  let appId: string;
  let secret: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-webhooks-');
    engine = await Engine.open({
      dataDir,
      decodeWorkers: 0,
      webhooks: { retryBaseMs: 40, pollIntervalMs: 50 },
    });
    receiver = await startReceiver();
    standardReceiver = await startReceiver();
    const { application } = await engine.identity.applications.create(null, { name: 'Coach app' });
    appId = application.id;
    await engine.webhooks.addEndpoint(null, appId, { url: receiver.url });
    await engine.webhooks.addEndpoint(null, appId, { url: standardReceiver.url, scheme: 'standard' });
    secret = await engine.webhooks.secret(null, appId);
    // Ann authorizes the app (an application token); Bob does not.
    await engine.tokens.create('ann', { clientId: appId });
    engine.webhooks.startDelivery();
  });

  afterAll(async () => {
    engine.close();
    await receiver.close();
    await standardReceiver.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('sends activity_created and source_processed for an upload, signed both ways', async () => {
    const source = await engine.sources.ingest(
      'ann',
      csvRide({ startIso: '2024-05-01T07:00:00Z', durationS: 600 }),
    );
    await engine.sources.ingest('bob', csvRide({ startIso: '2024-05-02T07:00:00Z', durationS: 600 }));
    await waitFor(
      () => receiver.received.length >= 2 && standardReceiver.received.length >= 2,
      'two deliveries each',
    );

    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.event_type).sort()).toEqual(['activity_created', 'source_processed']);
    const created = bodies.find((b) => b.event_type === 'activity_created');
    expect(created).toEqual({
      user_id: 'ann',
      event_type: 'activity_created',
      resource_id: source.activity_ids[0],
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/),
    });
    expect(Object.keys(created)).toEqual(['user_id', 'event_type', 'resource_id', 'timestamp']);
    expect(bodies.find((b) => b.event_type === 'source_processed')?.resource_id).toBe(source.id);
    // Nothing about Bob, who never authorized the app.
    expect(bodies.every((b) => b.user_id === 'ann')).toBe(true);

    const nowS = Math.floor(Date.now() / 1000);
    for (const r of receiver.received) {
      expect(r.headers['content-type']).toBe('application/json');
      const header = r.headers['x-sweatstack-signature'] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySweatstack(header, r.body, secret, nowS)).toBe(true);
      expect(verifySweatstack(header, `${r.body} `, secret, nowS)).toBe(false);
      expect(verifySweatstack(header, r.body, `${secret}x`, nowS)).toBe(false);
      // A timestamp 301 s away from now is rejected, 300 s is not.
      const t = Number(/t=(\d+)/.exec(header)![1]);
      expect(verifySweatstack(header, r.body, secret, t + 301)).toBe(false);
      expect(verifySweatstack(header, r.body, secret, t - 301)).toBe(false);
      expect(verifySweatstack(header, r.body, secret, t + 300)).toBe(true);
    }

    const wh = new Webhook(secret);
    for (const r of standardReceiver.received) {
      const headers = {
        'webhook-id': r.headers['webhook-id'] as string,
        'webhook-timestamp': r.headers['webhook-timestamp'] as string,
        'webhook-signature': r.headers['webhook-signature'] as string,
      };
      expect(headers['webhook-id']).toBe(r.headers['x-peakform-event-id']);
      expect(wh.verify(r.body, headers)).toEqual(JSON.parse(r.body));
      expect(() => wh.verify(`${r.body} `, headers)).toThrow();
      const stale = { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 301) };
      expect(() => wh.verify(r.body, stale)).toThrow();
    }
  });

  it('sends activity_updated on a recompute and activity_deleted on a delete', async () => {
    const before = receiver.received.length;
    const [activity] = await engine.activities.list('ann', { limit: 10, offset: 0 });
    await engine.sources.recompute('ann');
    await engine.activities.delete('ann', activity!.id);
    await waitFor(() => receiver.received.length >= before + 2, 'updated and deleted');
    const events = receiver.received.slice(before).map((r) => JSON.parse(r.body));
    expect(events.map((e) => [e.event_type, e.resource_id]).sort()).toEqual([
      ['activity_deleted', activity!.id],
      ['activity_updated', activity!.id],
    ]);
  });

  it('keeps a delivery log with every attempt', async () => {
    await waitFor(
      async () => (await engine.webhooks.deliveries(null, appId)).every((d) => d.status === 'delivered'),
      'every outcome recorded',
    );
    const log = await engine.webhooks.deliveries(null, appId);
    expect(log.length).toBe(8);
    for (const delivery of log) {
      expect(delivery.status).toBe('delivered');
      expect(delivery.attemptLog).toEqual([
        expect.objectContaining({ attempt: 1, statusCode: 200, error: null }),
      ]);
    }
  });
});
