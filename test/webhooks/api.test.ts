import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson } from '../helpers/test-server.ts';
import {
  type Receiver,
  startReceiver,
  startWebhookHarness,
  verifySweatstack,
  verifySweatstackAny,
  type WebhookHarness,
  waitFor,
} from './helpers.ts';

/** Issue 10 through the HTTP API: endpoints, secrets, outages, the delivery log, replay, the feed, rotation, 410. */
describe('webhooks through the API', () => {
  let harness: WebhookHarness;
  let engine: Engine;
  let url: string;
  let receiver: Receiver;
  let call: WebhookHarness['call'];
  let owner: string;
  let appToken: string;
  let annKey: string;
  let appId: string;
  let secret: string;
  let endpointId: string;
  let day = 0;

  const uploadRide = async () => {
    day++;
    const form = new FormData();
    const start = new Date(Date.UTC(2024, 0, 1 + day, 7)).toISOString();
    form.append('files', new Blob([csvRide({ startIso: start, durationS: 300 })]), `ride-${day}.csv`);
    const response = await fetch(`${url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${annKey}` },
      body: form,
    });
    expect(response.ok).toBe(true);
    return asJson(await response.json()).sources[0];
  };

  const eventIds = (r: Receiver) =>
    new Set(
      r.received.filter((x) => x.status === 200).map((x) => x.headers['x-peakform-event-id'] as string),
    );

  beforeAll(async () => {
    harness = await startWebhookHarness('api', { retryBaseMs: 40, pollIntervalMs: 50 });
    ({ engine, url, receiver, call } = harness);
    owner = (await engine.tokens.create('olga')).token;
    annKey = (await engine.tokens.create('ann')).token;
  });

  afterAll(() => harness.close());

  it('creates an app with webhook_endpoints and answers its whsec_ secret', async () => {
    const created = await call('POST', '/api/v1/applications', owner, {
      name: 'Hooks',
      webhook_endpoints: [receiver.url],
    });
    expect(created.status).toBe(200);
    expect(created.body.webhook_endpoints).toEqual([receiver.url]);
    expect(created.body.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    appId = created.body.id;
    secret = created.body.webhook_secret;
    const got = await call('GET', `/api/v1/applications/${appId}`, owner);
    expect(got.body.webhook_secret).toBe(secret);
    const endpoints = await call('GET', `/api/v1/applications/${appId}/webhook-endpoints`, owner);
    expect(endpoints.body).toEqual([
      expect.objectContaining({
        url: receiver.url,
        scheme: 'sweatstack',
        enabled: true,
        disabled_reason: null,
      }),
    ]);
    endpointId = endpoints.body[0].id;
    appToken = (await engine.tokens.create('ann', { clientId: appId })).token;
  });

  it('refuses endpoints that are not https or reach private addresses', async () => {
    for (const bad of [
      'http://example.com/hook',
      'https://10.0.0.8/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest',
      'https://[fd00::1]/hook',
      'https://[::ffff:10.0.0.1]/hook',
      'https://user:pw@example.com/hook',
      'ftp://example.com/hook',
    ]) {
      const response = await call('POST', `/api/v1/applications/${appId}/webhook-endpoints`, owner, {
        url: bad,
      });
      expect(response.status, bad).toBe(400);
      expect(response.body.code).toBe('ERR_WEBHOOK_URL_INVALID');
    }
    // Another owner's app is 404; an app's own token cannot manage webhooks.
    const other = (await engine.tokens.create('mallory')).token;
    expect((await call('GET', `/api/v1/applications/${appId}/webhook-endpoints`, other)).status).toBe(404);
    expect((await call('GET', `/api/v1/applications/${appId}/webhook-endpoints`, appToken)).status).toBe(403);
  });

  it('delivers every event after the receiver was down, and the log shows each attempt', async () => {
    await uploadRide();
    await waitFor(() => eventIds(receiver).size >= 2, 'the first upload’s events');
    await receiver.down();
    for (let i = 0; i < 3; i++) await uploadRide();
    await waitFor(async () => {
      const log = await call(
        'GET',
        `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/deliveries?status=pending`,
        owner,
      );
      return log.body.length === 6 && log.body.every((d: { attempts: number }) => d.attempts >= 2);
    }, 'failed attempts while the receiver is down');
    await receiver.up();
    await waitFor(() => eventIds(receiver).size >= 8, 'every event after the receiver came back');

    const feed = await call('GET', '/api/v1/events?limit=1000', appToken);
    expect(feed.status).toBe(200);
    expect(feed.body).toHaveLength(8);
    expect(new Set(feed.body.map((e: { id: string }) => e.id))).toEqual(eventIds(receiver));

    await waitFor(async () => {
      const log = await call(
        'GET',
        `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/deliveries`,
        owner,
      );
      return log.body.every((d: { status: string }) => d.status === 'delivered');
    }, 'every outcome recorded');
    const log = await call(
      'GET',
      `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/deliveries`,
      owner,
    );
    const retried = log.body.filter((d: { attempts: number }) => d.attempts >= 2);
    expect(retried).toHaveLength(6);
    for (const delivery of retried) {
      expect(delivery.next_attempt_at).toBeNull();
      expect(delivery.last_status_code).toBe(200);
      expect(delivery.attempt_log.at(-1)).toEqual(expect.objectContaining({ status_code: 200, error: null }));
      expect(delivery.attempt_log[0]).toEqual(
        expect.objectContaining({ status_code: null, error: expect.stringMatching(/ECONNREFUSED/) }),
      );
      expect(delivery.attempt_log[0].latency_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('the events feed pages with a cursor and is scoped to the app and athlete', async () => {
    const all = (await call('GET', '/api/v1/events?limit=1000', appToken)).body;
    const first = (await call('GET', '/api/v1/events?limit=3', appToken)).body;
    expect(first).toEqual(all.slice(0, 3));
    const rest = (await call('GET', `/api/v1/events?after=${first[2].cursor}&limit=1000`, appToken)).body;
    expect(rest).toEqual(all.slice(3));
    // The owner reads every athlete's events of the app; a personal key without application_id gets a clear error.
    const byOwner = (await call('GET', `/api/v1/events?application_id=${appId}&limit=1000`, owner)).body;
    expect(byOwner).toEqual(all);
    const bare = await call('GET', '/api/v1/events', annKey);
    expect(bare.status).toBe(400);
    expect(bare.body.code).toBe('ERR_EVENTS_NO_APPLICATION');
    expect((await call('GET', `/api/v1/events?application_id=${appId}`, annKey)).status).toBe(404);
  });

  it('replay and the feed return exactly the missed events', async () => {
    // A receiver that lost what it got in a window (it answered 200 and then crashed, say).
    const cursor = (await call('GET', '/api/v1/events?limit=1000', appToken)).body.at(-1).cursor;
    const from = new Date().toISOString();
    await uploadRide();
    await uploadRide();
    await waitFor(() => eventIds(receiver).size >= 12, 'the new events');
    const missedFeed = (await call('GET', `/api/v1/events?after=${cursor}`, appToken)).body;
    expect(missedFeed).toHaveLength(4);
    const before = receiver.received.length;
    const replay = await call(
      'POST',
      `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/replay`,
      owner,
      {
        start: from,
      },
    );
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toBe(4);
    await waitFor(() => receiver.received.length >= before + 4, 'the replayed deliveries');
    const replayed = receiver.received.slice(before).map((r) => r.headers['x-peakform-event-id']);
    expect(new Set(replayed)).toEqual(new Set(missedFeed.map((e: { id: string }) => e.id)));
    // One event by id; an unknown id is 404; neither id nor range is 400.
    const one = await call(
      'POST',
      `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/replay`,
      owner,
      {
        event_id: missedFeed[0].id,
      },
    );
    expect(one.body.replayed).toBe(1);
    const unknown = await call(
      'POST',
      `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/replay`,
      owner,
      {
        event_id: 'evt_nope',
      },
    );
    expect(unknown.body.code).toBe('ERR_WEBHOOK_EVENT_NOT_FOUND');
    const neither = await call(
      'POST',
      `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/replay`,
      owner,
      {},
    );
    expect(neither.body.code).toBe('ERR_WEBHOOK_REPLAY_INVALID');
    await waitFor(() => receiver.received.length >= before + 5, 'the single replay');
  });

  it('rotation: both secrets verify during the overlap, only the new one after it', async () => {
    const standard = await startReceiver();
    try {
      const added = await call('POST', `/api/v1/applications/${appId}/webhook-endpoints`, owner, {
        url: standard.url,
        scheme: 'standard',
      });
      expect(added.status).toBe(201);
      const rotated = await call('POST', `/api/v1/applications/${appId}/webhook-secret/rotate`, owner, {
        overlap_seconds: 1,
      });
      expect(rotated.status).toBe(200);
      const fresh = rotated.body.webhook_secret as string;
      expect(fresh).not.toBe(secret);
      expect(rotated.body.previous_secret_expires_at).not.toBeNull();
      const before = receiver.received.length;
      await uploadRide();
      await waitFor(
        () => receiver.received.length >= before + 2 && standard.received.length >= 2,
        'overlap deliveries',
      );
      const nowS = () => Math.floor(Date.now() / 1000);
      for (const r of receiver.received.slice(before)) {
        const header = r.headers['x-sweatstack-signature'] as string;
        expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
        expect(verifySweatstackAny(header, r.body, secret, nowS())).toBe(true);
        expect(verifySweatstackAny(header, r.body, fresh, nowS())).toBe(true);
        // SweatStack's own verifier keeps the last v1: the new secret.
        expect(verifySweatstack(header, r.body, fresh, nowS())).toBe(true);
      }
      for (const r of standard.received) {
        const headers = {
          'webhook-id': r.headers['webhook-id'] as string,
          'webhook-timestamp': r.headers['webhook-timestamp'] as string,
          'webhook-signature': r.headers['webhook-signature'] as string,
        };
        expect(() => new Webhook(secret).verify(r.body, headers)).not.toThrow();
        expect(() => new Webhook(fresh).verify(r.body, headers)).not.toThrow();
      }
      // After the overlap (1 s), only the new secret signs.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const after = receiver.received.length;
      const afterStandard = standard.received.length;
      await uploadRide();
      await waitFor(
        () => receiver.received.length >= after + 2 && standard.received.length >= afterStandard + 2,
        'post-overlap deliveries',
      );
      for (const r of receiver.received.slice(after)) {
        const header = r.headers['x-sweatstack-signature'] as string;
        expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
        expect(verifySweatstack(header, r.body, fresh, nowS())).toBe(true);
        expect(verifySweatstackAny(header, r.body, secret, nowS())).toBe(false);
      }
      for (const r of standard.received.slice(afterStandard)) {
        const headers = {
          'webhook-id': r.headers['webhook-id'] as string,
          'webhook-timestamp': r.headers['webhook-timestamp'] as string,
          'webhook-signature': r.headers['webhook-signature'] as string,
        };
        expect(() => new Webhook(fresh).verify(r.body, headers)).not.toThrow();
        expect(() => new Webhook(secret).verify(r.body, headers)).toThrow();
      }
      secret = fresh;
      const removed = await call(
        'DELETE',
        `/api/v1/applications/${appId}/webhook-endpoints/${added.body.id}`,
        owner,
      );
      expect(removed.status).toBe(204);
    } finally {
      await standard.close();
    }
  });

  it('a 410 disables the endpoint with a reason the app can see; enabling resumes it', async () => {
    receiver.respond = () => 410;
    await uploadRide();
    await waitFor(async () => {
      const [endpoint] = (await call('GET', `/api/v1/applications/${appId}/webhook-endpoints`, owner)).body;
      return endpoint.enabled === false;
    }, 'the endpoint disabled');
    const [endpoint] = (await call('GET', `/api/v1/applications/${appId}/webhook-endpoints`, owner)).body;
    expect(endpoint.disabled_reason).toMatch(/410/);
    receiver.respond = () => 200;
    const enabled = await call(
      'POST',
      `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/enable`,
      owner,
    );
    expect(enabled.body.enabled).toBe(true);
  });
});
