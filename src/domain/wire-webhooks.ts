import { z } from 'zod';

/** Wire shapes of webhooks (WIRE.md §6): events, endpoints, deliveries, the events feed. */

/** `WebhookEventType` (WIRE.md §6.1), an open enumeration on the client side. */
export const WEBHOOK_EVENT_TYPES = [
  'activity_created',
  'activity_updated',
  'activity_deleted',
  'test_created',
  'test_updated',
  'test_deleted',
  'source_processed',
  'source_failed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** How deliveries to an endpoint are signed: WIRE.md §6.2, or Standard Webhooks. */
export const WEBHOOK_SCHEMES = ['sweatstack', 'standard'] as const;
export type WebhookScheme = (typeof WEBHOOK_SCHEMES)[number];

/** What a delivery is doing: waiting for its next attempt, done, or given up. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The body of every delivery (WIRE.md §6.1): thin, no resource data. */
export const WebhookEventBodySchema = z
  .object({
    user_id: z.string(),
    event_type: z.enum(WEBHOOK_EVENT_TYPES),
    resource_id: z.string().nullable(),
    timestamp: z.string().describe('When the event happened, UTC, written with `+00:00`.'),
  })
  .meta({ id: 'WebhookEventBody' });

export const WebhookEndpointParamsSchema = z.object({
  id: z.string().min(1).max(64),
  endpoint_id: z.string().min(1).max(64),
});

export const WebhookEndpointCreateSchema = z
  .object({
    url: z.string().min(1).max(2048).describe('https, or http on loopback (the server may allow more).'),
    scheme: z
      .enum(WEBHOOK_SCHEMES)
      .optional()
      .describe(
        '`sweatstack` (default): `X-Sweatstack-Signature: t=…,v1=…` (WIRE.md §6.2). `standard`: Standard Webhooks headers.',
      ),
  })
  .meta({ id: 'WebhookEndpointCreate' });

export const WebhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    scheme: z.enum(WEBHOOK_SCHEMES),
    enabled: z.boolean(),
    created_at: z.string(),
    failing_since: z.string().nullable().describe('The first failed attempt since the last success.'),
    disabled_at: z.string().nullable(),
    disabled_reason: z
      .string()
      .nullable()
      .describe('Why the server stopped delivering (410, days of failures).'),
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookSecretRotateSchema = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional()
      .describe(
        'How long the previous secret keeps signing beside the new one (default 86400; 0 ends it now).',
      ),
  })
  .meta({ id: 'WebhookSecretRotate' });

export const WebhookSecretSchema = z
  .object({
    webhook_secret: z.string().describe('The new secret (`whsec_` + base64 of 32 random bytes).'),
    previous_secret_expires_at: z
      .string()
      .nullable()
      .describe('Until then deliveries carry a signature with the previous secret too.'),
  })
  .meta({ id: 'WebhookSecret' });

export const WebhookAttemptSchema = z.object({
  attempt: z.number().int(),
  attempted_at: z.string(),
  status_code: z.number().int().nullable().describe('Null when no answer came (refused, timed out).'),
  latency_ms: z.number(),
  error: z.string().nullable(),
});

export const WebhookDeliverySchema = z
  .object({
    id: z.string(),
    event_id: z.string().describe('Stable across retries and replays: deduplicate on it.'),
    endpoint_id: z.string(),
    event_type: z.enum(WEBHOOK_EVENT_TYPES),
    user_id: z.string(),
    resource_id: z.string().nullable(),
    timestamp: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_latency_ms: z.number().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    attempt_log: z.array(WebhookAttemptSchema),
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryQuerySchema = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const WebhookReplaySchema = z
  .object({
    event_id: z.string().max(64).optional().describe('One event, again.'),
    start: z.string().optional().describe('ISO 8601 instant: replay the events that happened from then …'),
    end: z.string().optional().describe('… until then (default now).'),
  })
  .meta({ id: 'WebhookReplay' });

export const WebhookReplayResponseSchema = z
  .object({ replayed: z.number().int(), delivery_ids: z.array(z.string()) })
  .meta({ id: 'WebhookReplayResponse' });

export const WebhookEventSchema = z
  .object({
    cursor: z.string().describe('Pass as `after` to read the events that follow.'),
    id: z.string(),
    user_id: z.string(),
    event_type: z.enum(WEBHOOK_EVENT_TYPES),
    resource_id: z.string().nullable(),
    timestamp: z.string(),
  })
  .meta({ id: 'WebhookEvent' });

export const WebhookEventsQuerySchema = z.object({
  after: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional()
    .describe('The cursor of the last event read; none reads from the beginning.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  application_id: z
    .string()
    .max(64)
    .optional()
    .describe(
      'With your own key: every event of one of your applications (else the token’s app and athlete).',
    ),
});

/** `2024-05-01T07:00:00.123+00:00`: what Python 3.10's `datetime.fromisoformat` reads (WIRE.md §6.1). */
export function webhookTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+00:00');
}
