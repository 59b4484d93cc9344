import { PeakformError } from '../../domain/errors.ts';
import { webhookTimestamp } from '../../domain/wire-webhooks.ts';
import type { DeliveryWithAttempts, Engine, WebhookEndpoint, WebhookEvent } from '../../engine/engine.ts';
import type { Handlers } from '../handler-types.ts';

type WebhookOperation =
  | 'listWebhookEndpoints'
  | 'createWebhookEndpoint'
  | 'deleteWebhookEndpoint'
  | 'enableWebhookEndpoint'
  | 'rotateWebhookSecret'
  | 'listWebhookDeliveries'
  | 'replayWebhookEvents'
  | 'listEvents';

/** Webhooks are managed by the app's owner in person, as applications are. */
function assertOwnerToken(token: { audience?: string }): void {
  if (token.audience !== undefined) {
    throw new PeakformError(
      'ERR_AUTH_SCOPE',
      'Webhooks are managed with your own key or sign-in, not with an application’s token.',
      403,
    );
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function wireEndpoint(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    scheme: endpoint.scheme,
    enabled: endpoint.disabledAtMs === null,
    created_at: new Date(endpoint.createdAtMs).toISOString(),
    failing_since: iso(endpoint.failingSinceMs),
    disabled_at: iso(endpoint.disabledAtMs),
    disabled_reason: endpoint.disabledReason,
  };
}

export function wireDelivery(delivery: DeliveryWithAttempts) {
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    endpoint_id: delivery.endpointId,
    event_type: delivery.eventType,
    user_id: delivery.athleteId,
    resource_id: delivery.resourceId,
    timestamp: webhookTimestamp(delivery.occurredAtMs),
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.status === 'pending' ? iso(delivery.nextAttemptAtMs) : null,
    delivered_at: iso(delivery.deliveredAtMs),
    last_status_code: delivery.lastStatusCode,
    last_latency_ms: delivery.lastLatencyMs,
    last_error: delivery.lastError,
    created_at: new Date(delivery.createdAtMs).toISOString(),
    attempt_log: delivery.attemptLog.map((a) => ({
      attempt: a.attempt,
      attempted_at: new Date(a.attemptedAtMs).toISOString(),
      status_code: a.statusCode,
      latency_ms: a.latencyMs,
      error: a.error,
    })),
  };
}

export function wireEvent(event: WebhookEvent) {
  return {
    cursor: String(event.seq),
    id: event.id,
    user_id: event.athleteId,
    event_type: event.eventType,
    resource_id: event.resourceId,
    timestamp: webhookTimestamp(event.occurredAtMs),
  };
}

export function createWebhookHandlers(engine: Engine): Pick<Handlers, WebhookOperation> {
  const { webhooks } = engine;
  return {
    listWebhookEndpoints: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      return (await webhooks.listEndpoints(athleteId, params.id)).map(wireEndpoint);
    },
    createWebhookEndpoint: async ({ athleteId, params, body, request }) => {
      assertOwnerToken(request.token);
      return wireEndpoint(await webhooks.addEndpoint(athleteId, params.id, body));
    },
    deleteWebhookEndpoint: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      await webhooks.removeEndpoint(athleteId, params.id, params.endpoint_id);
      return undefined;
    },
    enableWebhookEndpoint: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      return wireEndpoint(await webhooks.enableEndpoint(athleteId, params.id, params.endpoint_id));
    },
    rotateWebhookSecret: async ({ athleteId, params, body, request }) => {
      assertOwnerToken(request.token);
      const rotated = await webhooks.rotateSecret(athleteId, params.id, body?.overlap_seconds);
      return {
        webhook_secret: rotated.secret,
        previous_secret_expires_at: rotated.previousExpiresAt?.toISOString() ?? null,
      };
    },
    listWebhookDeliveries: async ({ athleteId, params, query, request }) => {
      assertOwnerToken(request.token);
      const deliveries = await webhooks.deliveries(athleteId, params.id, {
        endpointId: params.endpoint_id,
        status: query.status,
        limit: query.limit,
        offset: query.offset,
      });
      return deliveries.map(wireDelivery);
    },
    replayWebhookEvents: async ({ athleteId, params, body, request }) => {
      assertOwnerToken(request.token);
      const ids = await webhooks.replay(athleteId, params.id, params.endpoint_id, {
        eventId: body.event_id,
        start: body.start,
        end: body.end,
      });
      return { replayed: ids.length, delivery_ids: ids };
    },
    listEvents: async ({ athleteId, query, request }) => {
      const token = request.token;
      if (query.application_id !== undefined) {
        assertOwnerToken(token);
        await webhooks.assertOwner(athleteId, query.application_id);
        return (await webhooks.events(query.application_id, { after: query.after, limit: query.limit })).map(
          wireEvent,
        );
      }
      if (token.audience === undefined) {
        throw new PeakformError(
          'ERR_EVENTS_NO_APPLICATION',
          'The events feed is an application’s: call it with the app’s token, or pass application_id of an app you own.',
        );
      }
      const events = await webhooks.events(token.audience, {
        after: query.after,
        limit: query.limit,
        athleteId,
      });
      return events.map(wireEvent);
    },
  };
}
