import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookEventType } from '../domain/wire-webhooks.ts';

/**
 * Webhook verification for receivers (Node only, its own entry `@peakform/sdk/webhooks`): the two
 * schemes a Peakform endpoint may use (WIRE.md §6.2), checked on the raw request bytes, in
 * constant time, within a clock-skew window.
 *
 * - `sweatstack`: `X-Sweatstack-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t." + body>`, keyed
 *   with the secret's UTF-8 bytes (the whole `whsec_…` string). Several `v1` during a rotation;
 *   any one that matches is enough.
 * - `standard` (standardwebhooks.com): `webhook-id`, `webhook-timestamp`, `webhook-signature:
 *   v1,<base64 HMAC-SHA256 of "id.t." + body>` (space-separated entries, any may match), keyed with
 *   the base64 after `whsec_`.
 */

/** Why a delivery was refused: a stable code and the HTTP status a receiver should answer. */
export type WebhookErrorCode =
  | 'ERR_WEBHOOK_SIGNATURE_MISSING'
  | 'ERR_WEBHOOK_SIGNATURE_MALFORMED'
  | 'ERR_WEBHOOK_SIGNATURE_INVALID'
  | 'ERR_WEBHOOK_TIMESTAMP_STALE'
  | 'ERR_WEBHOOK_BODY_INVALID';

const STATUS: Record<WebhookErrorCode, 400 | 401> = {
  ERR_WEBHOOK_SIGNATURE_MISSING: 400,
  ERR_WEBHOOK_SIGNATURE_MALFORMED: 400,
  ERR_WEBHOOK_SIGNATURE_INVALID: 401,
  ERR_WEBHOOK_TIMESTAMP_STALE: 401,
  ERR_WEBHOOK_BODY_INVALID: 400,
};

/**
 * A delivery that must not be trusted. `status` is what to answer: 400 for a request that is not a
 * signed delivery at all (no or unreadable signature headers, a body that is not an event), 401
 * for a signature that does not verify or a timestamp outside the window.
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  readonly code: WebhookErrorCode;
  readonly status: 400 | 401;

  constructor(code: WebhookErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
  }
}

export type WebhookScheme = 'sweatstack' | 'standard';

/** The body of a delivery (WIRE.md §6.1). `event_type` is open: a newer server may send more. */
export interface WebhookEvent {
  user_id: string;
  event_type: WebhookEventType | (string & {});
  resource_id: string | null;
  /** When the event happened, ISO 8601 UTC. */
  timestamp: string;
}

/** A verified delivery: the event, plus what the headers said about it. */
export interface VerifiedWebhookEvent extends WebhookEvent {
  /** The event id, the same on every retry and replay (deduplicate on it); null when none was sent. */
  id: string | null;
  /** Which signature verified. */
  scheme: WebhookScheme;
  /** The signature's timestamp, Unix seconds. */
  signedAtS: number;
}

/** Request headers as Node (`IncomingHttpHeaders`), Fastify, Express or fetch (`Headers`) give them. */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

export interface VerifyWebhookOptions {
  /** Largest accepted distance between the signature's timestamp and now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** The time to check against, as epoch milliseconds or a Date (default: now). */
  now?: number | Date;
  /** Accept only this scheme (default: whichever the headers carry, Standard Webhooks first). */
  scheme?: WebhookScheme;
}

/**
 * Checks a delivery and returns its event, or throws `WebhookVerificationError`. `rawBody` must be
 * the request body's bytes exactly as received (a Buffer or string), never JSON parsed and written
 * again. `secret` may be several (the current and the previous during a rotation).
 */
export function verifyWebhook(
  headers: WebhookHeaders,
  rawBody: string | Uint8Array,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): VerifiedWebhookEvent {
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
    throw new TypeError(
      'verifyWebhook needs the raw body (a string or Buffer), not parsed JSON: read the route’s body as bytes',
    );
  }
  const secrets = (typeof secret === 'string' ? [secret] : [...secret]).filter((s) => s.length > 0);
  if (secrets.length === 0) throw new TypeError('verifyWebhook needs the webhook secret (whsec_…)');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const nowS = (options.now === undefined ? Date.now() : Number(options.now)) / 1000;
  const toleranceS = options.toleranceSeconds ?? 300;

  const standard = header(headers, 'webhook-signature');
  const sweatstack = header(headers, 'x-sweatstack-signature');
  const scheme: WebhookScheme | undefined =
    options.scheme ??
    (standard !== undefined ? 'standard' : sweatstack !== undefined ? 'sweatstack' : undefined);
  if (
    scheme === undefined ||
    (scheme === 'standard' && standard === undefined) ||
    (scheme === 'sweatstack' && sweatstack === undefined)
  ) {
    throw new WebhookVerificationError(
      'ERR_WEBHOOK_SIGNATURE_MISSING',
      options.scheme === 'standard'
        ? 'no webhook-signature header'
        : options.scheme === 'sweatstack'
          ? 'no X-Sweatstack-Signature header'
          : 'neither webhook-signature nor X-Sweatstack-Signature is present',
    );
  }

  let signedAtS: number;
  let id: string | null;
  if (scheme === 'standard') {
    id = header(headers, 'webhook-id') ?? null;
    const t = header(headers, 'webhook-timestamp');
    if (!id || t === undefined) {
      throw new WebhookVerificationError(
        'ERR_WEBHOOK_SIGNATURE_MISSING',
        'Standard Webhooks need webhook-id and webhook-timestamp beside webhook-signature',
      );
    }
    signedAtS = parseTimestamp(t);
    checkWindow(signedAtS, nowS, toleranceS);
    const candidates = standard!
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => Buffer.from(entry.slice(3), 'base64'));
    if (candidates.length === 0) {
      throw new WebhookVerificationError(
        'ERR_WEBHOOK_SIGNATURE_MALFORMED',
        'webhook-signature has no v1 entry',
      );
    }
    const signed = Buffer.concat([Buffer.from(`${id}.${signedAtS}.`, 'utf8'), body]);
    const expected = secrets.map((s) =>
      createHmac('sha256', Buffer.from(s.replace(/^whsec_/, ''), 'base64'))
        .update(signed)
        .digest(),
    );
    if (!anyEqual(candidates, expected)) {
      throw new WebhookVerificationError(
        'ERR_WEBHOOK_SIGNATURE_INVALID',
        'no webhook-signature entry matches the body with this secret',
      );
    }
  } else {
    const { t, v1 } = parseSweatstackHeader(sweatstack!);
    signedAtS = t;
    checkWindow(signedAtS, nowS, toleranceS);
    const signed = Buffer.concat([Buffer.from(`${signedAtS}.`, 'utf8'), body]);
    const expected = secrets.map((s) => createHmac('sha256', Buffer.from(s, 'utf8')).update(signed).digest());
    const candidates = v1.filter((hex) => /^[0-9a-f]{64}$/i.test(hex)).map((hex) => Buffer.from(hex, 'hex'));
    if (!anyEqual(candidates, expected)) {
      throw new WebhookVerificationError(
        'ERR_WEBHOOK_SIGNATURE_INVALID',
        'no v1 of X-Sweatstack-Signature matches the body with this secret',
      );
    }
    id = header(headers, 'x-peakform-event-id') ?? header(headers, 'webhook-id') ?? null;
  }

  return { ...readEvent(body), id, scheme, signedAtS };
}

/**
 * The headers of a delivery signed as Peakform signs it, for testing your receiver: give the body
 * exactly as you will send it. `timestampS` defaults to now, `id` (Standard Webhooks) to a random one.
 */
export function signWebhook(
  body: string | Uint8Array,
  secret: string,
  options: { scheme?: WebhookScheme; timestampS?: number; id?: string } = {},
): Record<string, string> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const t = options.timestampS ?? Math.floor(Date.now() / 1000);
  if ((options.scheme ?? 'sweatstack') === 'sweatstack') {
    const v1 = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(Buffer.concat([Buffer.from(`${t}.`), bytes]))
      .digest('hex');
    return { 'content-type': 'application/json', 'x-sweatstack-signature': `t=${t},v1=${v1}` };
  }
  const id =
    options.id ?? `msg_${Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(12))).toString('hex')}`;
  const signature = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64'))
    .update(Buffer.concat([Buffer.from(`${id}.${t}.`), bytes]))
    .digest('base64');
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(t),
    'webhook-signature': `v1,${signature}`,
  };
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(name === 'webhook-signature' ? ' ' : ',');
}

function parseTimestamp(text: string): number {
  if (!/^\d{1,12}$/.test(text.trim())) {
    throw new WebhookVerificationError(
      'ERR_WEBHOOK_SIGNATURE_MALFORMED',
      'the signature timestamp is not Unix seconds',
    );
  }
  return Number(text.trim());
}

/** WIRE.md §6.2: parts split on `,`, each at its first `=`; `t` and at least one `v1` required. */
function parseSweatstackHeader(value: string): { t: number; v1: string[] } {
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of value.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) {
      throw new WebhookVerificationError(
        'ERR_WEBHOOK_SIGNATURE_MALFORMED',
        'X-Sweatstack-Signature has a part without "="',
      );
    }
    const key = part.slice(0, at).trim();
    const text = part.slice(at + 1).trim();
    if (key === 't') t = parseTimestamp(text);
    else if (key === 'v1') v1.push(text);
  }
  if (t === undefined || v1.length === 0) {
    throw new WebhookVerificationError(
      'ERR_WEBHOOK_SIGNATURE_MALFORMED',
      'X-Sweatstack-Signature needs t=<unix seconds> and v1=<hex>',
    );
  }
  return { t, v1 };
}

function checkWindow(signedAtS: number, nowS: number, toleranceS: number): void {
  if (Math.abs(nowS - signedAtS) > toleranceS) {
    throw new WebhookVerificationError(
      'ERR_WEBHOOK_TIMESTAMP_STALE',
      `the signature is ${Math.round(nowS - signedAtS)} s old; at most ${toleranceS} s either way is accepted`,
    );
  }
}

/** Whether any candidate equals any expected digest; every comparison runs in constant time. */
function anyEqual(candidates: readonly Buffer[], expected: readonly Buffer[]): boolean {
  let match = false;
  for (const candidate of candidates) {
    for (const digest of expected) {
      if (candidate.length === digest.length && timingSafeEqual(candidate, digest)) match = true;
    }
  }
  return match;
}

function readEvent(body: Buffer): WebhookEvent {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('ERR_WEBHOOK_BODY_INVALID', 'the body is not JSON');
  }
  const event = value as Partial<Record<keyof WebhookEvent, unknown>> | null;
  if (
    typeof event !== 'object' ||
    event === null ||
    typeof event.user_id !== 'string' ||
    typeof event.event_type !== 'string' ||
    (event.resource_id !== null && typeof event.resource_id !== 'string') ||
    typeof event.timestamp !== 'string'
  ) {
    throw new WebhookVerificationError(
      'ERR_WEBHOOK_BODY_INVALID',
      'the body is not a webhook event ({user_id, event_type, resource_id, timestamp})',
    );
  }
  return {
    user_id: event.user_id,
    event_type: event.event_type,
    resource_id: event.resource_id,
    timestamp: event.timestamp,
  };
}
