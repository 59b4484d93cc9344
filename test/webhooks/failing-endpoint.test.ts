import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson } from '../helpers/test-server.ts';
import { type Receiver, startWebhookHarness, type WebhookHarness, waitFor } from './helpers.ts';

const DAY_MS = 86_400_000;

/**
 * An endpoint that keeps failing is disabled with a reason its app can read. The worker's clock
 * runs a day ahead at every attempt, so days pass in milliseconds.
 */
describe('an endpoint failing for days', () => {
  let harness: WebhookHarness;
  let engine: Engine;
  let url: string;
  let receiver: Receiver;
  // Real time plus whole days: the outbox stamps new deliveries with the catalog's own clock.
  let offsetMs = 0;

  beforeAll(async () => {
    harness = await startWebhookHarness('failing', {
      retryBaseMs: 20,
      retryMaxDelayMs: 365 * DAY_MS,
      pollIntervalMs: 20,
      disableAfterMs: 3 * DAY_MS,
      now: () => Date.now() + offsetMs,
    });
    ({ engine, url, receiver } = harness);
  });
  afterAll(() => harness.close());

  it('is disabled after the configured days without a success, and says why', async () => {
    const owner = (await engine.tokens.create('olga')).token;
    const headers = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
    const created = asJson(
      await (
        await fetch(`${url}/api/v1/applications`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name: 'Flaky', webhook_endpoints: [receiver.url] }),
        })
      ).json(),
    );
    await engine.tokens.create('ann', { clientId: created.id });
    const annKey = (await engine.tokens.create('ann')).token;
    // Every attempt fails, and each moves the worker's clock a day on.
    receiver.respond = () => {
      offsetMs += DAY_MS;
      return 503;
    };
    const form = new FormData();
    form.append(
      'files',
      new Blob([csvRide({ startIso: '2024-03-01T07:00:00Z', durationS: 300 })]),
      'ride.csv',
    );
    expect(
      (
        await fetch(`${url}/api/v1/activities/upload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${annKey}` },
          body: form,
        })
      ).ok,
    ).toBe(true);

    const endpoints = async () =>
      asJson(
        await (await fetch(`${url}/api/v1/applications/${created.id}/webhook-endpoints`, { headers })).json(),
      );
    await waitFor(async () => (await endpoints())[0].enabled === false, 'the failing endpoint disabled');
    const [endpoint] = await endpoints();
    expect(endpoint.disabled_reason).toMatch(/No delivery has succeeded for \d+ days? \(last: HTTP 503\)/);
    expect(endpoint.disabled_reason).toMatch(/503/);
    const attempts = receiver.received.length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    // Disabled: no more attempts, though retries were still due.
    offsetMs += 10 * DAY_MS;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received.length).toBe(attempts);
  });
});
