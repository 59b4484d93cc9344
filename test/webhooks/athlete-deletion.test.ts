import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson } from '../helpers/test-server.ts';
import { startWebhookHarness, type WebhookHarness, waitFor } from './helpers.ts';

/** Deleting an athlete tells every app that could read them, once per activity and test, and keeps the log whole. */
describe('webhooks when an athlete is deleted', () => {
  let harness: WebhookHarness;
  const events = (type: string) =>
    harness.receiver.received
      .filter((r) => r.status === 200)
      .map((r) => asJson(JSON.parse(r.body)))
      .filter((e) => e.event_type === type);

  beforeAll(async () => {
    harness = await startWebhookHarness('deletion', { retryBaseMs: 40, pollIntervalMs: 50 });
  });
  afterAll(() => harness.close());

  it('sends activity_deleted and test_deleted for a deleted managed athlete and keeps the deliveries listed', async () => {
    const { engine, call, receiver } = harness;
    const coach = (await engine.tokens.create('coach')).token;
    const created = await call('POST', '/api/v1/applications', coach, {
      name: 'Coach app',
      webhook_endpoints: [receiver.url],
    });
    expect(created.status).toBe(200);
    const appId: string = created.body.id;
    const managed = await call('POST', '/api/v1/users/', coach, { first_name: 'Mia' });
    expect(managed.status).toBe(200);
    const athleteId: string = managed.body.id;
    // The app reads Mia through a token of its own, so it hears about her data.
    await engine.tokens.create(athleteId, { clientId: appId });
    const source = await engine.sources.ingest(
      athleteId,
      csvRide({ startIso: '2026-11-20T07:00:00Z', durationS: 300 }),
      { fileName: 'ride.csv' },
    );
    const activityId = source.activity_ids[0]!;
    const test = await engine.tests.create(
      athleteId,
      { sport: 'cycling', start: '2026-11-21T09:00:00+01:00', results: { critical_power: 280 } },
      null,
    );
    await waitFor(
      () => events('activity_created').length === 1 && events('test_created').length === 1,
      'created events',
    );

    expect((await call('DELETE', `/api/v1/users/${athleteId}`, coach)).status).toBe(204);
    await waitFor(
      () => events('activity_deleted').length === 1 && events('test_deleted').length === 1,
      'deleted events',
    );
    expect(events('activity_deleted')[0]).toMatchObject({ user_id: athleteId, resource_id: activityId });
    expect(events('test_deleted')[0]).toMatchObject({ user_id: athleteId, resource_id: test.id });
    // Every delivery still names its event: nothing was orphaned by the deletion.
    const endpoints = await call('GET', `/api/v1/applications/${appId}/webhook-endpoints`, coach);
    const endpointId: string = endpoints.body[0].id;
    const log = await call(
      'GET',
      `/api/v1/applications/${appId}/webhook-endpoints/${endpointId}/deliveries?limit=50`,
      coach,
    );
    expect(log.status).toBe(200);
    expect(log.body.map((d: { event_type: string }) => d.event_type).sort()).toEqual([
      'activity_created',
      'activity_deleted',
      'source_processed',
      'test_created',
      'test_deleted',
    ]);
  });
});
