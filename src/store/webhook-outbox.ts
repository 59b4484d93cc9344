import type { WebhookEventType } from '../domain/wire-webhooks.ts';
import type { WriteTransaction } from './database.ts';
import { VersionedMemo } from './table-versions.ts';

/**
 * The webhook outbox (issue 10, DESIGN.md §6): how changes emit events.
 *
 * Code that changes something apps must hear about calls `emitWebhookEvents(tx, events)` inside
 * the catalog transaction that makes the change, so the change and its events commit together or
 * not at all. For each event it writes one row per application the athlete has authorized (a
 * live OAuth grant or a live application token) into `webhook_events` (the outbox, and the app's
 * events feed), and one pending delivery per enabled endpoint of that app into
 * `webhook_deliveries`. After the commit the delivery worker is woken; it also finds pending
 * deliveries on its own (after a restart, or when a retry falls due).
 */

export interface WebhookEventInput {
  /** The user whose data changed (`user_id` in the payload). */
  athleteId: string;
  eventType: WebhookEventType;
  /** The activity, test or source id; null when the event names no resource. */
  resourceId: string | null;
  /** When it happened (default: now). */
  occurredAt?: Date;
}

const commitListeners = new Set<() => void>();

/** Calls `listener` after every commit that wrote outbox rows (the delivery worker's wake-up). */
export function onOutboxCommit(listener: () => void): () => void {
  commitListeners.add(listener);
  return () => commitListeners.delete(listener);
}

export function notifyOutboxCommit(): void {
  for (const listener of commitListeners) {
    try {
      listener();
    } catch {
      // A listener's failure must not fail a committed write.
    }
  }
}

/** The apps that may read an athlete: a live OAuth grant or a live application token ($1 = athlete). */
const RECIPIENTS = `SELECT DISTINCT r.client_id FROM (
    SELECT client_id FROM oauth_models
    WHERE model = 'Grant' AND account_id = $1 AND client_id IS NOT NULL AND (expires_at IS NULL OR expires_at > now())
    UNION
    SELECT client_id FROM tokens
    WHERE athlete_id = $1 AND client_id IS NOT NULL AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
  ) r JOIN applications a ON a.id = r.client_id`;

const NEW_ID = (prefix: string) => `'${prefix}' || replace(CAST(gen_random_uuid() AS VARCHAR), '-', '')`;

/**
 * Records events in the outbox inside the caller's catalog write transaction (see the module
 * comment). Returns how many (event, application) rows were written: 0 when no app may read the
 * athlete. Safe to call for any athlete; never throws for an athlete without apps.
 *
 * ```ts
 * await store.write(async (tx) => {
 *   await tx.run('INSERT INTO tests …');
 *   await emitWebhookEvents(tx, [{ athleteId, eventType: 'test_created', resourceId: testId }]);
 * });
 * ```
 */
export async function emitWebhookEvents(
  tx: WriteTransaction,
  events: readonly WebhookEventInput[],
): Promise<number> {
  let written = 0;
  // One look-up per athlete: an athlete no app may read (the usual case of a bulk ingest) gets no
  // statement per event.
  const read = new Map<string, boolean>();
  for (const athleteId of new Set(events.map((e) => e.athleteId)))
    read.set(athleteId, await hasRecipients(tx, athleteId));
  for (const event of events) {
    if (!read.get(event.athleteId)) continue;
    const atMs = (event.occurredAt ?? new Date()).getTime();
    const rows = await tx.all<{ seq: bigint }>(
      `INSERT INTO webhook_events (seq, id, application_id, athlete_id, event_type, resource_id, occurred_at)
       SELECT nextval('webhook_event_seq'), ${NEW_ID('evt_')}, client_id, $1, $2, $3, to_timestamp($4 / 1000.0)
       FROM (${RECIPIENTS}) RETURNING seq`,
      [event.athleteId, event.eventType, event.resourceId, atMs],
    );
    if (rows.length === 0) continue;
    written += rows.length;
    const seqs = rows.map((row) => Number(row.seq));
    const low = Math.min(...seqs);
    const high = Math.max(...seqs);
    await tx.run(
      `INSERT INTO webhook_deliveries (id, event_id, endpoint_id, application_id, status, attempts, next_attempt_at, created_at)
       SELECT ${NEW_ID('dlv_')}, e.id, p.id, e.application_id, 'pending', 0, e.occurred_at, e.occurred_at
       FROM webhook_events e JOIN webhook_endpoints p ON p.application_id = e.application_id AND p.disabled_at IS NULL
       WHERE e.seq BETWEEN $1 AND $2`,
      [low, high],
    );
  }
  if (written > 0) tx.afterCommit(notifyOutboxCommit);
  return written;
}

/** The tables `RECIPIENTS` reads. */
const RECIPIENT_TABLES = ['oauth_models', 'tokens', 'applications'];
/** Athletes no app could read, under the `RECIPIENT_TABLES` version they were seen at. */
const withoutRecipients = new VersionedMemo<false>(10_000);

/**
 * Whether any app may read the athlete. A "no" holds until a grant, token or application is written
 * (time only takes recipients away, as grants and tokens expire), so it is kept under the tables'
 * version: most uploads (athletes without apps) skip the query, ≈ 3 ms of CPU.
 */
async function hasRecipients(tx: WriteTransaction, athleteId: string): Promise<boolean> {
  const version = tx.tableVersion(RECIPIENT_TABLES);
  if (withoutRecipients.get(athleteId, version) === false) return false;
  const [row] = await tx.all<{ n: bigint }>(`SELECT count(*) AS n FROM (${RECIPIENTS})`, [athleteId]);
  const found = Number(row?.n ?? 0) > 0;
  if (found) withoutRecipients.delete(athleteId);
  else withoutRecipients.set(athleteId, version, false);
  return found;
}

/** What a source was before a write, for the events of that write. */
export interface SourceBefore {
  status: string | null;
  activityIds: Set<string>;
}

/** Reads a source's status and activities inside the write that is about to replace them. */
export async function sourceBeforeWrite(tx: WriteTransaction, sourceId: string): Promise<SourceBefore> {
  const [source] = await tx.all<{ status: string }>('SELECT status FROM sources WHERE id = $1', [sourceId]);
  const activities = await tx.all<{ id: string }>('SELECT id FROM activities WHERE source_id = $1', [
    sourceId,
  ]);
  return { status: source?.status ?? null, activityIds: new Set(activities.map((row) => row.id)) };
}

/**
 * The events of writing a source: each activity that appears is created, each that stays is
 * updated (a recompute), each that goes is deleted; the source itself is processed or failed when
 * it is new or its status changes (a duplicate upload writes nothing, so it says nothing).
 */
export function sourceWriteEvents(
  athleteId: string,
  sourceId: string,
  before: SourceBefore,
  status: 'processed' | 'failed',
  activityIds: readonly string[],
): WebhookEventInput[] {
  const events: WebhookEventInput[] = [];
  const after = new Set(activityIds);
  for (const id of activityIds) {
    events.push({
      athleteId,
      eventType: before.activityIds.has(id) ? 'activity_updated' : 'activity_created',
      resourceId: id,
    });
  }
  for (const id of before.activityIds) {
    if (!after.has(id)) events.push({ athleteId, eventType: 'activity_deleted', resourceId: id });
  }
  if (before.status !== status) {
    events.push({
      athleteId,
      eventType: status === 'processed' ? 'source_processed' : 'source_failed',
      resourceId: sourceId,
    });
  }
  return events;
}
