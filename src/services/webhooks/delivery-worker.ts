import { webhookTimestamp } from '../../domain/wire-webhooks.ts';
import type { AttemptOutcome, DueDelivery, WebhookRepository } from '../../store/outbox-repository.ts';
import { onOutboxCommit } from '../../store/webhook-outbox.ts';
import { type UrlPolicy, WebhookSender } from './http-sender.ts';
import { standardSignature, sweatstackSignature } from './signatures.ts';

export interface DeliveryOptions {
  /** Attempts in flight at once (default 8). */
  concurrency: number;
  /** Connect + response budget of one attempt (default 2000 ms, WIRE.md §6.3). */
  timeoutMs: number;
  /** The first retry's nominal delay; each next one doubles (default 10 s). */
  retryBaseMs: number;
  /** A delivery is given up once its next delay would pass this (default 24 h, WIRE.md §6.3). */
  retryMaxDelayMs: number;
  /** An endpoint with no success for this long is disabled, with the reason (default 5 days). */
  disableAfterMs: number;
  /** The longest the worker sleeps between looks at the outbox (default 1 s). */
  pollIntervalMs: number;
  /** Finished deliveries, their attempts and the events feed are kept this long (default 30 days). */
  retentionMs: number;
  /** How often the worker drops what is past retention (default hourly). */
  pruneIntervalMs: number;
  policy: UrlPolicy;
  /** Clock and jitter source (tests pin them). */
  now: () => number;
  random: () => number;
  /** Told about failures of the worker itself (never secrets). */
  onError?: (error: unknown) => void;
}

/** The nominal delay after `failures` failed attempts, or null once it passes the limit. */
export function retryDelayMs(
  failures: number,
  options: Pick<DeliveryOptions, 'retryBaseMs' | 'retryMaxDelayMs'>,
  random: number,
): number | null {
  const nominal = options.retryBaseMs * 2 ** (failures - 1);
  if (nominal > options.retryMaxDelayMs) return null;
  // Equal jitter: between half and all of the nominal delay, so retries of a burst spread out.
  return Math.round(nominal / 2 + (random * nominal) / 2);
}

/**
 * Sends the outbox's pending deliveries: woken by every commit that writes outbox rows, and by its
 * own timer when a retry falls due. Each attempt is signed afresh (new `t`, new signature). At
 * most `concurrency` attempts run at once; outcomes are recorded in batches, one transaction per
 * batch. A crash after a send and before its record sends it again (at least once: the event id
 * is the same). Ordering across deliveries, even to one endpoint, is not promised.
 */
export class DeliveryWorker {
  private readonly sender: WebhookSender;
  /** Deliveries claimed by this worker whose outcome is not recorded yet. */
  private readonly claimed = new Set<string>();
  private readonly outcomes: AttemptOutcome[] = [];
  private active = 0;
  private ticking = false;
  private again = false;
  private flushing = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private lastPruneMs = Number.NEGATIVE_INFINITY;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly repository: WebhookRepository,
    private readonly options: DeliveryOptions,
  ) {
    this.sender = new WebhookSender({ timeoutMs: options.timeoutMs, policy: options.policy });
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = onOutboxCommit(() => this.wake());
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    this.sender.close();
  }

  /** Looks at the outbox now. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    void this.tick();
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    clearTimeout(this.timer);
    let sleepMs = this.options.pollIntervalMs;
    try {
      await this.pruneWhenDue();
      do {
        this.again = false;
        const capacity = this.options.concurrency - this.active;
        if (capacity <= 0) break;
        const nowMs = this.options.now();
        const due = await this.repository.dueDeliveries(nowMs, capacity, [...this.claimed]);
        if (this.stopped) return;
        if (due.length === 0) continue;
        const secrets = await this.repository.listSecrets(
          [...new Set(due.map((d) => d.applicationId))],
          nowMs,
        );
        if (this.stopped) return;
        for (const delivery of due) {
          this.claimed.add(delivery.id);
          this.active++;
          const appSecrets = (secrets.get(delivery.applicationId) ?? []).map((s) => s.secret);
          void this.attempt(delivery, appSecrets);
        }
        if (due.length === capacity) this.again = true;
      } while (this.again && !this.stopped && this.active < this.options.concurrency);
      if (this.active < this.options.concurrency) {
        const next = await this.repository.nextDueAtMs();
        const nowMs = this.options.now();
        if (next !== null && next > nowMs) sleepMs = Math.min(sleepMs, next - nowMs);
      }
    } catch (error) {
      if (!this.stopped) this.options.onError?.(error);
    } finally {
      this.ticking = false;
      if (!this.stopped) {
        this.timer = setTimeout(() => this.wake(), Math.max(1, sleepMs));
        this.timer.unref();
        if (this.again) this.wake();
      }
    }
  }

  /** The outbox would otherwise grow with every event ever sent. */
  private async pruneWhenDue(): Promise<void> {
    const nowMs = this.options.now();
    if (nowMs - this.lastPruneMs < this.options.pruneIntervalMs) return;
    this.lastPruneMs = nowMs;
    await this.repository.prune(nowMs - this.options.retentionMs);
  }

  private async attempt(delivery: DueDelivery, secrets: readonly string[]): Promise<void> {
    const attempt = delivery.attempts + 1;
    const attemptedAtMs = this.options.now();
    const body = JSON.stringify({
      user_id: delivery.athleteId,
      event_type: delivery.eventType,
      resource_id: delivery.resourceId,
      timestamp: webhookTimestamp(delivery.occurredAtMs),
    });
    const t = Math.floor(attemptedAtMs / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Peakform-Webhooks/1',
      'x-peakform-event-id': delivery.eventId,
      'x-peakform-delivery-id': delivery.id,
      'x-peakform-attempt': String(attempt),
    };
    if (delivery.scheme === 'standard') {
      headers['webhook-id'] = delivery.eventId;
      headers['webhook-timestamp'] = String(t);
      headers['webhook-signature'] = standardSignature(secrets, delivery.eventId, t, body);
    } else {
      headers['x-sweatstack-signature'] = sweatstackSignature(secrets, t, body);
    }
    const result =
      secrets.length === 0
        ? { statusCode: null, error: 'the application has no webhook secret', latencyMs: 0 }
        : await this.sender.post(delivery.url, headers, body);
    let outcome: AttemptOutcome['outcome'];
    let nextAttemptAtMs: number | null = null;
    if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300)
      outcome = 'delivered';
    else if (result.statusCode === 410) outcome = 'gone';
    else {
      const delay = retryDelayMs(attempt, this.options, this.options.random());
      if (delay === null) outcome = 'failed';
      else {
        outcome = 'retry';
        nextAttemptAtMs = this.options.now() + delay;
      }
    }
    this.active--;
    this.outcomes.push({
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      attempt,
      attemptedAtMs,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
      outcome,
      nextAttemptAtMs,
    });
    void this.flush();
  }

  /** Records outcomes in batches: whatever piled up while the previous batch was written. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.outcomes.length > 0 && !this.stopped) {
        const batch = this.outcomes.splice(0);
        try {
          await this.repository.recordAttempts(batch, this.options.now() - this.options.disableAfterMs);
        } catch (error) {
          if (!this.stopped) this.options.onError?.(error);
        } finally {
          // Recorded, or not (then it is still pending in the catalog and will be sent again).
          for (const outcome of batch) this.claimed.delete(outcome.deliveryId);
        }
      }
    } finally {
      this.flushing = false;
    }
    this.wake();
  }
}
