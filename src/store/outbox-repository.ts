import type { DuckDBValue } from '@duckdb/node-api';
import type { DeliveryStatus, WebhookEventType, WebhookScheme } from '../domain/wire-webhooks.ts';
import { notifyOutboxCommit } from './webhook-outbox.ts';

/** The event-emission API (`emitWebhookEvents(tx, events)` inside a catalog write), also importable from here. */
export { emitWebhookEvents, onOutboxCommit, type WebhookEventInput } from './webhook-outbox.ts';

import type { Store } from './store.ts';

/** Endpoints, secrets, deliveries and the events feed: the SQL of webhooks besides `webhook-outbox.ts`. */

const NEW_ID = (prefix: string) => `'${prefix}' || replace(CAST(gen_random_uuid() AS VARCHAR), '-', '')`;

export interface EndpointRow {
  id: string;
  applicationId: string;
  url: string;
  scheme: WebhookScheme;
  createdAtMs: number;
  failingSinceMs: number | null;
  disabledAtMs: number | null;
  disabledReason: string | null;
}

export interface SecretRow {
  secret: string;
  createdAtMs: number;
  expiresAtMs: number | null;
}

export interface EventRow {
  seq: bigint;
  id: string;
  applicationId: string;
  athleteId: string;
  eventType: WebhookEventType;
  resourceId: string | null;
  occurredAtMs: number;
}

export interface DeliveryRow {
  id: string;
  eventId: string;
  endpointId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAtMs: number | null;
  deliveredAtMs: number | null;
  createdAtMs: number;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  athleteId: string;
  eventType: WebhookEventType;
  resourceId: string | null;
  occurredAtMs: number;
}

export interface AttemptRow {
  deliveryId: string;
  attempt: number;
  attemptedAtMs: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** A delivery due for an attempt, with what the worker needs to send it. */
export interface DueDelivery {
  id: string;
  attempts: number;
  eventId: string;
  endpointId: string;
  applicationId: string;
  url: string;
  scheme: WebhookScheme;
  athleteId: string;
  eventType: WebhookEventType;
  resourceId: string | null;
  occurredAtMs: number;
}

/** The outcome of one attempt, as the worker records it. */
export interface AttemptOutcome {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  attemptedAtMs: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** `delivered`; `retry` at nextAttemptAtMs; `failed` (given up); `gone` (410: endpoint disabled). */
  outcome: 'delivered' | 'retry' | 'failed' | 'gone';
  nextAttemptAtMs: number | null;
}

const ms = (column: string, alias: string) => `epoch_ms(${column}) AS "${alias}"`;
const AT = (param: string) => `to_timestamp(${param} / 1000.0)`;

const SELECT_ENDPOINT = `SELECT id, application_id AS "applicationId", url, scheme, ${ms('created_at', 'createdAtMs')},
  ${ms('failing_since', 'failingSinceMs')}, ${ms('disabled_at', 'disabledAtMs')}, disabled_reason AS "disabledReason"
  FROM webhook_endpoints`;

const SELECT_DELIVERY = `SELECT d.id, d.event_id AS "eventId", d.endpoint_id AS "endpointId", d.status, d.attempts,
  ${ms('d.next_attempt_at', 'nextAttemptAtMs')}, ${ms('d.delivered_at', 'deliveredAtMs')}, ${ms('d.created_at', 'createdAtMs')},
  d.last_status_code AS "lastStatusCode", d.last_latency_ms AS "lastLatencyMs", d.last_error AS "lastError",
  e.athlete_id AS "athleteId", e.event_type AS "eventType", e.resource_id AS "resourceId", ${ms('e.occurred_at', 'occurredAtMs')}
  FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id`;

const SELECT_EVENT = `SELECT seq, id, application_id AS "applicationId", athlete_id AS "athleteId", event_type AS "eventType",
  resource_id AS "resourceId", ${ms('occurred_at', 'occurredAtMs')} FROM webhook_events`;

/** Numbers come back as bigint from epoch_ms; the services want plain numbers. */
function numbers<T>(row: T, keys: readonly (keyof T)[]): T {
  for (const key of keys) {
    const value = row[key];
    if (typeof value === 'bigint') (row[key] as unknown) = Number(value);
  }
  return row;
}

const ENDPOINT_NUMBERS = ['createdAtMs', 'failingSinceMs', 'disabledAtMs'] as const;
const DELIVERY_NUMBERS = [
  'attempts',
  'nextAttemptAtMs',
  'deliveredAtMs',
  'createdAtMs',
  'lastStatusCode',
  'occurredAtMs',
] as const;

const jsonList = (param: string) => `CAST(CAST(${param} AS JSON) AS VARCHAR[])`;

/** Endpoints, secrets, deliveries and the events feed. */
export class WebhookRepository {
  constructor(private readonly store: Store) {}

  async listSecrets(applicationIds: readonly string[], nowMs: number): Promise<Map<string, SecretRow[]>> {
    const bySecret = new Map<string, SecretRow[]>();
    if (applicationIds.length === 0) return bySecret;
    const rows = await this.store.all<SecretRow & { applicationId: string }>(
      `SELECT application_id AS "applicationId", secret, ${ms('created_at', 'createdAtMs')}, ${ms('expires_at', 'expiresAtMs')}
       FROM webhook_secrets
       WHERE list_contains(${jsonList('$1')}, application_id) AND (expires_at IS NULL OR expires_at > ${AT('$2')})
       ORDER BY created_at, id`,
      [JSON.stringify(applicationIds), nowMs],
    );
    for (const row of rows) {
      numbers(row, ['createdAtMs', 'expiresAtMs']);
      const list = bySecret.get(row.applicationId) ?? [];
      list.push({ secret: row.secret, createdAtMs: row.createdAtMs, expiresAtMs: row.expiresAtMs });
      bySecret.set(row.applicationId, list);
    }
    return bySecret;
  }

  /** Adds the app's current secret unless it has one; returns the current secret. */
  ensureSecret(applicationId: string, make: () => { id: string; secret: string }): Promise<string> {
    return this.store.write(async (tx) => {
      const [current] = await tx.all<{ secret: string }>(
        'SELECT secret FROM webhook_secrets WHERE application_id = $1 AND expires_at IS NULL',
        [applicationId],
      );
      if (current) return current.secret;
      const made = make();
      await tx.run('INSERT INTO webhook_secrets (id, application_id, secret) VALUES ($1, $2, $3)', [
        made.id,
        applicationId,
        made.secret,
      ]);
      return made.secret;
    });
  }

  /** The current secret, if the app has one. */
  async currentSecret(applicationId: string): Promise<string | undefined> {
    const [row] = await this.store.all<{ secret: string }>(
      'SELECT secret FROM webhook_secrets WHERE application_id = $1 AND expires_at IS NULL',
      [applicationId],
    );
    return row?.secret;
  }

  /**
   * Makes `secret` current; the previous current secret keeps signing until `overlapUntilMs`, and
   * any older one still in its overlap ends now (at most two sign at once).
   */
  async rotateSecret(
    applicationId: string,
    made: { id: string; secret: string },
    nowMs: number,
    overlapUntilMs: number,
  ): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run(
        `DELETE FROM webhook_secrets WHERE application_id = $1 AND expires_at IS NOT NULL AND expires_at <= ${AT('$2')}`,
        [applicationId, nowMs],
      );
      await tx.run(
        `UPDATE webhook_secrets SET expires_at = ${AT('$2')} WHERE application_id = $1 AND expires_at IS NOT NULL`,
        [applicationId, nowMs],
      );
      await tx.run(
        `UPDATE webhook_secrets SET expires_at = ${AT('$2')} WHERE application_id = $1 AND expires_at IS NULL`,
        [applicationId, overlapUntilMs],
      );
      await tx.run('INSERT INTO webhook_secrets (id, application_id, secret) VALUES ($1, $2, $3)', [
        made.id,
        applicationId,
        made.secret,
      ]);
    });
  }

  async listEndpoints(applicationId: string): Promise<EndpointRow[]> {
    const rows = await this.store.all<EndpointRow>(
      `${SELECT_ENDPOINT} WHERE application_id = $1 ORDER BY created_at, id`,
      [applicationId],
    );
    return rows.map((row) => numbers(row, ENDPOINT_NUMBERS));
  }

  async findEndpoint(applicationId: string, endpointId: string): Promise<EndpointRow | undefined> {
    const [row] = await this.store.all<EndpointRow>(
      `${SELECT_ENDPOINT} WHERE application_id = $1 AND id = $2`,
      [applicationId, endpointId],
    );
    return row && numbers(row, ENDPOINT_NUMBERS);
  }

  async insertEndpoint(row: { id: string; applicationId: string; url: string; scheme: WebhookScheme }) {
    await this.store.write((tx) =>
      tx.run('INSERT INTO webhook_endpoints (id, application_id, url, scheme) VALUES ($1, $2, $3, $4)', [
        row.id,
        row.applicationId,
        row.url,
        row.scheme,
      ]),
    );
  }

  /** Removes an endpoint; its pending deliveries end as failed ("endpoint removed"). */
  deleteEndpoint(applicationId: string, endpointId: string): Promise<boolean> {
    return this.store.write(async (tx) => {
      const found = await tx.all('SELECT 1 FROM webhook_endpoints WHERE application_id = $1 AND id = $2', [
        applicationId,
        endpointId,
      ]);
      if (found.length === 0) return false;
      await tx.run('DELETE FROM webhook_endpoints WHERE id = $1', [endpointId]);
      await tx.run(
        `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'endpoint removed'
         WHERE endpoint_id = $1 AND status = 'pending'`,
        [endpointId],
      );
      return true;
    });
  }

  /** Removes every endpoint, secret and delivery of an app (the app is being deleted). Events stay in no feed. */
  async deleteApplication(applicationId: string): Promise<void> {
    await this.store.write(async (tx) => {
      for (const table of ['webhook_endpoints', 'webhook_secrets', 'webhook_deliveries', 'webhook_events'])
        await tx.run(`DELETE FROM ${table} WHERE application_id = $1`, [applicationId]);
    });
  }

  /** Delivers to an endpoint again: clears its disabling and its failure streak. */
  async enableEndpoint(endpointId: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        'UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL WHERE id = $1',
        [endpointId],
      ),
    );
  }

  async listDeliveries(
    applicationId: string,
    options: { endpointId?: string; status?: DeliveryStatus; limit: number; offset: number },
  ): Promise<{ deliveries: DeliveryRow[]; attempts: Map<string, AttemptRow[]> }> {
    const rows = await this.store.all<DeliveryRow>(
      `${SELECT_DELIVERY} WHERE d.application_id = $1 AND ($2 IS NULL OR d.endpoint_id = $2) AND ($3 IS NULL OR d.status = $3)
       ORDER BY d.created_at DESC, e.seq DESC, d.id LIMIT $4 OFFSET $5`,
      [applicationId, options.endpointId ?? null, options.status ?? null, options.limit, options.offset],
    );
    const deliveries = rows.map((row) => numbers(row, DELIVERY_NUMBERS));
    const attempts = new Map<string, AttemptRow[]>();
    if (deliveries.length > 0) {
      const attemptRows = await this.store.all<AttemptRow>(
        `SELECT delivery_id AS "deliveryId", attempt, ${ms('attempted_at', 'attemptedAtMs')}, status_code AS "statusCode",
           latency_ms AS "latencyMs", error
         FROM webhook_attempts WHERE list_contains(${jsonList('$1')}, delivery_id) ORDER BY delivery_id, attempt`,
        [JSON.stringify(deliveries.map((d) => d.id))],
      );
      for (const row of attemptRows) {
        numbers(row, ['attempt', 'attemptedAtMs', 'statusCode']);
        const list = attempts.get(row.deliveryId) ?? [];
        list.push(row);
        attempts.set(row.deliveryId, list);
      }
    }
    return { deliveries, attempts };
  }

  /**
   * New pending deliveries to one endpoint of the app's events: one event by id, or those that
   * happened in [startMs, endMs]. Same event ids, new delivery ids. Returns the delivery ids.
   */
  replay(
    applicationId: string,
    endpointId: string,
    selection: { eventId: string } | { startMs: number; endMs: number },
    nowMs: number,
  ): Promise<string[]> {
    return this.store.write(async (tx) => {
      const where =
        'eventId' in selection
          ? 'e.id = $3'
          : `e.occurred_at >= ${AT('$3')} AND e.occurred_at <= ${AT('$4')}`;
      const params: DuckDBValue[] =
        'eventId' in selection
          ? [applicationId, endpointId, selection.eventId, nowMs]
          : [applicationId, endpointId, selection.startMs, selection.endMs, nowMs];
      const nowParam = `$${params.length}`;
      const rows = await tx.all<{ id: string }>(
        `INSERT INTO webhook_deliveries (id, event_id, endpoint_id, application_id, status, attempts, next_attempt_at, created_at)
         SELECT ${NEW_ID('dlv_')}, e.id, $2, e.application_id, 'pending', 0, ${AT(nowParam)}, ${AT(nowParam)}
         FROM webhook_events e WHERE e.application_id = $1 AND ${where}
         RETURNING id`,
        params,
      );
      if (rows.length > 0) tx.afterCommit(notifyOutboxCommit);
      return rows.map((row) => row.id);
    });
  }

  async findEvent(applicationId: string, eventId: string): Promise<EventRow | undefined> {
    const [row] = await this.store.all<EventRow>(`${SELECT_EVENT} WHERE application_id = $1 AND id = $2`, [
      applicationId,
      eventId,
    ]);
    return row && numbers(row, ['occurredAtMs']);
  }

  /** The events feed: an app's events after a cursor (seq), in commit order; of one athlete if given. */
  async listEvents(
    applicationId: string,
    options: { afterSeq: bigint; limit: number; athleteId?: string },
  ): Promise<EventRow[]> {
    const rows = await this.store.all<EventRow>(
      `${SELECT_EVENT} WHERE application_id = $1 AND seq > $2 AND ($3 IS NULL OR athlete_id = $3) ORDER BY seq LIMIT $4`,
      [applicationId, options.afterSeq, options.athleteId ?? null, options.limit],
    );
    return rows.map((row) => numbers(row, ['occurredAtMs']));
  }

  /** Pending deliveries due by `nowMs` to enabled endpoints, oldest due first, skipping `exclude`. */
  async dueDeliveries(nowMs: number, limit: number, exclude: readonly string[]): Promise<DueDelivery[]> {
    const rows = await this.store.all<DueDelivery>(
      `SELECT d.id, d.attempts, d.event_id AS "eventId", d.endpoint_id AS "endpointId", d.application_id AS "applicationId",
         p.url, p.scheme, e.athlete_id AS "athleteId", e.event_type AS "eventType", e.resource_id AS "resourceId",
         ${ms('e.occurred_at', 'occurredAtMs')}
       FROM webhook_deliveries d
       JOIN webhook_endpoints p ON p.id = d.endpoint_id AND p.disabled_at IS NULL
       JOIN webhook_events e ON e.id = d.event_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ${AT('$1')} AND NOT list_contains(${jsonList('$3')}, d.id)
       ORDER BY d.next_attempt_at, e.seq LIMIT $2`,
      [nowMs, limit, JSON.stringify(exclude)],
    );
    return rows.map((row) => numbers(row, ['attempts', 'occurredAtMs']));
  }

  /** When the next pending delivery to an enabled endpoint falls due (epoch ms), if any. */
  /**
   * Drops what is older than `beforeMs` and finished: delivered or given-up deliveries with their
   * attempts, then events no delivery still needs (a pending delivery keeps its event, however
   * old). One transaction; answers how many deliveries and events went.
   */
  async prune(beforeMs: number): Promise<{ deliveries: number; events: number }> {
    return this.store.write(async (tx) => {
      const gone = await tx.all<{ id: string }>(
        `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < to_timestamp($1 / 1000.0)
         RETURNING id`,
        [beforeMs],
      );
      if (gone.length > 0) {
        await tx.run(
          'DELETE FROM webhook_attempts WHERE delivery_id NOT IN (SELECT id FROM webhook_deliveries)',
        );
      }
      const events = await tx.all<{ id: string }>(
        `DELETE FROM webhook_events e WHERE e.occurred_at < to_timestamp($1 / 1000.0)
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)
         RETURNING id`,
        [beforeMs],
      );
      return { deliveries: gone.length, events: events.length };
    });
  }

  async nextDueAtMs(): Promise<number | null> {
    const [row] = await this.store.all<{ at: bigint | number | null }>(
      `SELECT epoch_ms(min(d.next_attempt_at)) AS at FROM webhook_deliveries d
       JOIN webhook_endpoints p ON p.id = d.endpoint_id AND p.disabled_at IS NULL
       WHERE d.status = 'pending'`,
    );
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  /**
   * Records attempts in one transaction: the attempt log, each delivery's state, and each
   * endpoint's failure streak; an endpoint that answered 410 is disabled, and one whose streak
   * began before `disableFailingSinceMs` is disabled with the reason.
   */
  async recordAttempts(outcomes: readonly AttemptOutcome[], disableFailingSinceMs: number): Promise<void> {
    if (outcomes.length === 0) return;
    await this.store.write(async (tx) => {
      for (const o of outcomes) {
        await tx.run(
          `INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, latency_ms, error)
           VALUES ($1, $2, ${AT('$3')}, $4, $5, $6)`,
          [o.deliveryId, o.attempt, o.attemptedAtMs, o.statusCode, o.latencyMs, o.error],
        );
        const status = o.outcome === 'delivered' ? 'delivered' : o.outcome === 'retry' ? 'pending' : 'failed';
        await tx.run(
          `UPDATE webhook_deliveries SET status = $2, attempts = $3,
             next_attempt_at = CASE WHEN $4 IS NULL THEN NULL ELSE ${AT('$4')} END,
             delivered_at = CASE WHEN $2 = 'delivered' THEN ${AT('$5')} ELSE NULL END,
             last_status_code = $6, last_latency_ms = $7, last_error = $8
           WHERE id = $1`,
          [
            o.deliveryId,
            status,
            o.attempt,
            o.nextAttemptAtMs,
            o.attemptedAtMs,
            o.statusCode,
            o.latencyMs,
            o.error,
          ],
        );
      }
      const byEndpoint = new Map<string, AttemptOutcome[]>();
      for (const o of outcomes) byEndpoint.set(o.endpointId, [...(byEndpoint.get(o.endpointId) ?? []), o]);
      for (const [endpointId, list] of byEndpoint) {
        const gone = list.find((o) => o.outcome === 'gone');
        const lastSuccess = list.filter((o) => o.outcome === 'delivered').at(-1);
        const firstFailure = list.find((o) => o.outcome !== 'delivered');
        if (gone) {
          await tx.run(
            `UPDATE webhook_endpoints SET disabled_at = ${AT('$2')}, disabled_reason = $3 WHERE id = $1 AND disabled_at IS NULL`,
            [endpointId, gone.attemptedAtMs, 'The endpoint answered 410 Gone.'],
          );
        }
        if (lastSuccess) {
          await tx.run('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1', [endpointId]);
        } else if (firstFailure) {
          await tx.run(
            `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, ${AT('$2')}) WHERE id = $1`,
            [endpointId, firstFailure.attemptedAtMs],
          );
          const last = list.at(-1)!;
          // Days since the streak began (the endpoint's failing_since), as the app will read it.
          const [streak] = await tx.all<{ sinceMs: number | null }>(
            'SELECT epoch_ms(failing_since) AS "sinceMs" FROM webhook_endpoints WHERE id = $1',
            [endpointId],
          );
          const sinceMs = Number(streak?.sinceMs ?? firstFailure.attemptedAtMs);
          const days = Math.max(1, Math.round((last.attemptedAtMs - sinceMs) / 86_400_000));
          await tx.run(
            `UPDATE webhook_endpoints SET disabled_at = ${AT('$2')}, disabled_reason = $3
             WHERE id = $1 AND disabled_at IS NULL AND failing_since <= ${AT('$4')}`,
            [
              endpointId,
              last.attemptedAtMs,
              `No delivery has succeeded for ${days} day${days === 1 ? '' : 's'} (last: ${last.error ?? `HTTP ${last.statusCode}`}).`,
              disableFailingSinceMs,
            ],
          );
        }
      }
    });
  }
}
