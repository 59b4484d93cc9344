import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { emitWebhookEvents } from '../../src/store/webhook-outbox.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/**
 * Events are written for the apps an athlete has authorized. That an athlete has none is kept
 * between writes (most uploads skip the look-up), and must end the moment one is authorized: in
 * an earlier transaction, or in the same transaction as the event.
 */
describe('the webhook outbox remembers athletes without apps', () => {
  let engine: Engine;
  let appId: string;

  beforeAll(async () => {
    engine = await Engine.open({ dataDir: await makeTempDir('peakform-recipients-'), decodeWorkers: 0 });
    const { application } = await engine.identity.applications.create(null, { name: 'Coach app' });
    appId = application.id;
    await engine.webhooks.addEndpoint(null, appId, { url: 'http://127.0.0.1:9/hooks' });
  });

  afterAll(() => engine.close());

  const eventsOf = async (athleteId: string) =>
    (
      await engine.store.all<{ event_type: string }>(
        'SELECT event_type FROM webhook_events WHERE athlete_id = $1 ORDER BY seq',
        [athleteId],
      )
    ).map((row) => row.event_type);

  it('writes events once the athlete authorizes an app after uploads without one', async () => {
    await engine.sources.ingest('cara', csvRide({ startIso: '2024-05-01T07:00:00Z', durationS: 300 }));
    await engine.sources.ingest('cara', csvRide({ startIso: '2024-05-02T07:00:00Z', durationS: 300 }));
    expect(await eventsOf('cara')).toEqual([]);

    await engine.tokens.create('cara', { clientId: appId });
    await engine.sources.ingest('cara', csvRide({ startIso: '2024-05-03T07:00:00Z', durationS: 300 }));
    expect(await eventsOf('cara')).toEqual(['activity_created', 'source_processed']);
  });

  it('writes events when the app is authorized in the same transaction', async () => {
    expect(
      await engine.store.write((tx) =>
        emitWebhookEvents(tx, [{ athleteId: 'dan', eventType: 'test_created', resourceId: 't1' }]),
      ),
    ).toBe(0);
    const written = await engine.store.write(async (tx) => {
      await tx.run(
        `INSERT INTO tokens (id, athlete_id, token_sha256, client_id) VALUES ('tok_dan', 'dan', 'sha-dan', $1)`,
        [appId],
      );
      return emitWebhookEvents(tx, [{ athleteId: 'dan', eventType: 'test_created', resourceId: 't2' }]);
    });
    expect(written).toBe(1);
    expect(await eventsOf('dan')).toEqual(['test_created']);
  });
});
