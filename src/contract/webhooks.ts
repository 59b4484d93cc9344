import { z } from 'zod';
import { ApplicationIdParamsSchema } from '../domain/wire-identity.ts';
import {
  WebhookDeliveryQuerySchema,
  WebhookDeliverySchema,
  WebhookEndpointCreateSchema,
  WebhookEndpointParamsSchema,
  WebhookEndpointSchema,
  WebhookEventSchema,
  WebhookEventsQuerySchema,
  WebhookReplayResponseSchema,
  WebhookReplaySchema,
  WebhookSecretRotateSchema,
  WebhookSecretSchema,
} from '../domain/wire-webhooks.ts';
import { AUTH_ERRORS, defineRoute } from './route.ts';

const ENDPOINTS = '/api/v1/applications/{id}/webhook-endpoints';

/**
 * Webhooks of your applications (WIRE.md §6, issue 10): endpoints, the signing secret, the
 * delivery log, replays; and the events feed an app reads to catch up (reconciliation).
 */
export const WEBHOOK_ROUTES = {
  listWebhookEndpoints: defineRoute({
    operationId: 'listWebhookEndpoints',
    method: 'GET',
    path: ENDPOINTS,
    tag: 'webhooks',
    summary: 'The webhook endpoints of one of your applications',
    scope: 'profile',
    params: ApplicationIdParamsSchema,
    response: { kind: 'json', status: 200, schema: z.array(WebhookEndpointSchema), doc: 'Oldest first.' },
    errors: [...AUTH_ERRORS, 'ERR_APPLICATION_NOT_FOUND'],
  }),
  createWebhookEndpoint: defineRoute({
    operationId: 'createWebhookEndpoint',
    method: 'POST',
    path: ENDPOINTS,
    tag: 'webhooks',
    summary: 'Add a webhook endpoint (https, or http on loopback)',
    description:
      'Every event of an athlete who authorized the app is POSTed to each enabled endpoint, signed with the app’s `webhook_secret`: `sweatstack` endpoints get `X-Sweatstack-Signature` (WIRE.md §6.2), `standard` ones the Standard Webhooks headers. Answer 2xx within 2 s; failures are retried with jittered exponential backoff until the delay passes 24 h. Deliveries are at least once (deduplicate on `X-Peakform-Event-Id` or `webhook-id`) and in no promised order, even to one endpoint. 410 disables the endpoint; so do days without a success.',
    scope: 'profile',
    params: ApplicationIdParamsSchema,
    body: WebhookEndpointCreateSchema,
    response: { kind: 'json', status: 201, schema: WebhookEndpointSchema, doc: 'The endpoint.' },
    errors: [
      ...AUTH_ERRORS,
      'ERR_REQUEST_INVALID',
      'ERR_APPLICATION_NOT_FOUND',
      'ERR_WEBHOOK_URL_INVALID',
      'ERR_WEBHOOK_LIMIT',
    ],
  }),
  deleteWebhookEndpoint: defineRoute({
    operationId: 'deleteWebhookEndpoint',
    method: 'DELETE',
    path: `${ENDPOINTS}/{endpoint_id}`,
    tag: 'webhooks',
    summary: 'Remove a webhook endpoint (its pending deliveries end)',
    scope: 'profile',
    params: WebhookEndpointParamsSchema,
    response: { kind: 'empty', status: 204, doc: 'Removed.' },
    errors: [...AUTH_ERRORS, 'ERR_APPLICATION_NOT_FOUND', 'ERR_WEBHOOK_ENDPOINT_NOT_FOUND'],
  }),
  enableWebhookEndpoint: defineRoute({
    operationId: 'enableWebhookEndpoint',
    method: 'POST',
    path: `${ENDPOINTS}/{endpoint_id}/enable`,
    tag: 'webhooks',
    summary: 'Deliver to a disabled endpoint again (its pending deliveries resume)',
    scope: 'profile',
    params: WebhookEndpointParamsSchema,
    response: { kind: 'json', status: 200, schema: WebhookEndpointSchema, doc: 'The endpoint.' },
    errors: [...AUTH_ERRORS, 'ERR_APPLICATION_NOT_FOUND', 'ERR_WEBHOOK_ENDPOINT_NOT_FOUND'],
  }),
  rotateWebhookSecret: defineRoute({
    operationId: 'rotateWebhookSecret',
    method: 'POST',
    path: '/api/v1/applications/{id}/webhook-secret/rotate',
    tag: 'webhooks',
    summary: 'A new webhook secret; the previous one keeps signing beside it during the overlap',
    description:
      'During the overlap (default 24 h) Standard Webhooks deliveries carry both signatures; `X-Sweatstack-Signature` carries a `v1` per secret with the new one last, which SweatStack’s own verifier (it keeps the last `v1`) checks, while verifiers that accept any `v1` accept either secret.',
    scope: 'profile',
    params: ApplicationIdParamsSchema,
    body: WebhookSecretRotateSchema,
    response: { kind: 'json', status: 200, schema: WebhookSecretSchema, doc: 'The new secret.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_APPLICATION_NOT_FOUND'],
  }),
  listWebhookDeliveries: defineRoute({
    operationId: 'listWebhookDeliveries',
    method: 'GET',
    path: `${ENDPOINTS}/{endpoint_id}/deliveries`,
    tag: 'webhooks',
    summary: 'The delivery log of an endpoint: each event, its attempts, status codes, latency, next attempt',
    scope: 'profile',
    params: WebhookEndpointParamsSchema,
    query: WebhookDeliveryQuerySchema,
    response: { kind: 'json', status: 200, schema: z.array(WebhookDeliverySchema), doc: 'Newest first.' },
    errors: [
      ...AUTH_ERRORS,
      'ERR_REQUEST_INVALID',
      'ERR_APPLICATION_NOT_FOUND',
      'ERR_WEBHOOK_ENDPOINT_NOT_FOUND',
    ],
  }),
  replayWebhookEvents: defineRoute({
    operationId: 'replayWebhookEvents',
    method: 'POST',
    path: `${ENDPOINTS}/{endpoint_id}/replay`,
    tag: 'webhooks',
    summary: 'Send one event, or every event of a time range, to an endpoint again',
    description: 'Each replay is a new delivery of the same event (same event id), signed afresh.',
    scope: 'profile',
    params: WebhookEndpointParamsSchema,
    body: WebhookReplaySchema,
    response: { kind: 'json', status: 200, schema: WebhookReplayResponseSchema, doc: 'The new deliveries.' },
    errors: [
      ...AUTH_ERRORS,
      'ERR_REQUEST_INVALID',
      'ERR_APPLICATION_NOT_FOUND',
      'ERR_WEBHOOK_ENDPOINT_NOT_FOUND',
      'ERR_WEBHOOK_EVENT_NOT_FOUND',
      'ERR_WEBHOOK_REPLAY_INVALID',
    ],
  }),
  listEvents: defineRoute({
    operationId: 'listEvents',
    method: 'GET',
    path: '/api/v1/events',
    tag: 'webhooks',
    summary: 'The events feed: what the webhooks said, after a cursor, in commit order',
    description:
      'For an app that was down longer than the retry window. With an application’s token: that app’s events about the token’s athlete. With your own key and `application_id`: every event of that app of yours. Pass the last `cursor` as `after`.',
    scope: 'data:read',
    query: WebhookEventsQuerySchema,
    response: { kind: 'json', status: 200, schema: z.array(WebhookEventSchema), doc: 'Oldest first.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_APPLICATION_NOT_FOUND', 'ERR_EVENTS_NO_APPLICATION'],
  }),
};
