import { randomBytes } from 'node:crypto';
import { PeakformError } from '../../domain/errors.ts';
import type { DeliveryStatus, WebhookScheme } from '../../domain/wire-webhooks.ts';
import {
  type AttemptRow,
  type DeliveryRow,
  type EndpointRow,
  type EventRow,
  WebhookRepository,
} from '../../store/outbox-repository.ts';
import type { Store } from '../../store/store.ts';
import type { ApplicationService, Owner } from '../identity/application-service.ts';
import { type DeliveryOptions, DeliveryWorker } from './delivery-worker.ts';
import { checkEndpointUrl, DEFAULT_URL_POLICY, UnsafeUrlError, type UrlPolicy } from './http-sender.ts';
import { generateWebhookSecret } from './signatures.ts';

export type {
  EndpointRow as WebhookEndpoint,
  EventRow as WebhookEvent,
} from '../../store/outbox-repository.ts';

export const MAX_ENDPOINTS = 10;
export const DEFAULT_OVERLAP_S = 86_400;

export type WebhookOptions = Partial<Omit<DeliveryOptions, 'policy'>> & { policy?: Partial<UrlPolicy> };

export interface DeliveryWithAttempts extends DeliveryRow {
  attemptLog: AttemptRow[];
}

/**
 * Webhooks of applications (WIRE.md §6, issue 10): endpoints and the signing secret (rotated with
 * an overlap), the delivery log, replays and the events feed; and the delivery worker, which a
 * server starts (`startDelivery`) and the engine stops on close. Every call takes the owner it
 * acts for (an athlete, or null for the operator) and answers 404 for another owner's app.
 */
export class WebhookService {
  private readonly repository: WebhookRepository;
  private readonly worker: DeliveryWorker;
  readonly policy: UrlPolicy;

  constructor(
    store: Store,
    private readonly applications: ApplicationService,
    options: WebhookOptions = {},
  ) {
    this.repository = new WebhookRepository(store);
    this.policy = { ...DEFAULT_URL_POLICY, ...policyFromEnv(), ...options.policy };
    this.worker = new DeliveryWorker(this.repository, {
      concurrency: 8,
      timeoutMs: 2000,
      retryBaseMs: 10_000,
      retryMaxDelayMs: 24 * 3600_000,
      disableAfterMs: 5 * 86_400_000,
      pollIntervalMs: 1000,
      retentionMs: 30 * 86_400_000,
      pruneIntervalMs: 3600_000,
      now: Date.now,
      random: Math.random,
      ...options,
      policy: this.policy,
    });
  }

  /** Starts delivering (a server does; short-lived CLI commands leave events in the outbox). */
  startDelivery(): void {
    this.worker.start();
  }

  stopDelivery(): void {
    this.worker.stop();
  }

  /** The app's current secret, made now if it has none. */
  async secret(owner: Owner, applicationId: string): Promise<string> {
    await this.applications.get(owner, applicationId);
    return this.repository.ensureSecret(applicationId, newSecret);
  }

  /** The app's current secret if it has one (never makes one). */
  async currentSecret(owner: Owner, applicationId: string): Promise<string | undefined> {
    await this.applications.get(owner, applicationId);
    return this.repository.currentSecret(applicationId);
  }

  /** A new secret; the previous one keeps signing beside it for `overlapS` seconds. */
  async rotateSecret(
    owner: Owner,
    applicationId: string,
    overlapS = DEFAULT_OVERLAP_S,
  ): Promise<{ secret: string; previousExpiresAt: Date | null }> {
    await this.applications.get(owner, applicationId);
    const hadSecret = (await this.repository.currentSecret(applicationId)) !== undefined;
    const made = newSecret();
    const nowMs = Date.now();
    await this.repository.rotateSecret(applicationId, made, nowMs, nowMs + overlapS * 1000);
    return {
      secret: made.secret,
      previousExpiresAt: hadSecret && overlapS > 0 ? new Date(nowMs + overlapS * 1000) : null,
    };
  }

  async listEndpoints(owner: Owner, applicationId: string): Promise<EndpointRow[]> {
    await this.applications.get(owner, applicationId);
    return this.repository.listEndpoints(applicationId);
  }

  async addEndpoint(
    owner: Owner,
    applicationId: string,
    input: { url: string; scheme?: WebhookScheme },
  ): Promise<EndpointRow> {
    await this.applications.get(owner, applicationId);
    const url = this.checkUrl(input.url);
    const existing = await this.repository.listEndpoints(applicationId);
    if (existing.length >= MAX_ENDPOINTS) {
      throw new PeakformError(
        'ERR_WEBHOOK_LIMIT',
        `An application holds at most ${MAX_ENDPOINTS} webhook endpoints; remove one first.`,
      );
    }
    await this.repository.ensureSecret(applicationId, newSecret);
    const id = `whe_${randomBytes(8).toString('hex')}`;
    await this.repository.insertEndpoint({ id, applicationId, url, scheme: input.scheme ?? 'sweatstack' });
    return (await this.repository.findEndpoint(applicationId, id))!;
  }

  /** Makes the app's endpoints exactly these URLs (new ones signed `sweatstack`); keeps those that stay. */
  async setEndpointUrls(
    owner: Owner,
    applicationId: string,
    urls: readonly string[],
  ): Promise<EndpointRow[]> {
    const wanted = [...new Set(urls.map((url) => this.checkUrl(url)))];
    const current = await this.listEndpoints(owner, applicationId);
    for (const endpoint of current)
      if (!wanted.includes(endpoint.url)) await this.repository.deleteEndpoint(applicationId, endpoint.id);
    for (const url of wanted)
      if (!current.some((endpoint) => endpoint.url === url))
        await this.addEndpoint(owner, applicationId, { url });
    return this.repository.listEndpoints(applicationId);
  }

  async removeEndpoint(owner: Owner, applicationId: string, endpointId: string): Promise<void> {
    await this.applications.get(owner, applicationId);
    if (!(await this.repository.deleteEndpoint(applicationId, endpointId)))
      throw endpointNotFound(endpointId);
  }

  /** Delivers to a disabled endpoint again (its pending deliveries resume). */
  async enableEndpoint(owner: Owner, applicationId: string, endpointId: string): Promise<EndpointRow> {
    await this.endpoint(owner, applicationId, endpointId);
    await this.repository.enableEndpoint(endpointId);
    this.worker.wake();
    return (await this.repository.findEndpoint(applicationId, endpointId))!;
  }

  /** The delivery log, newest first: of one endpoint or of every endpoint of the app. */
  async deliveries(
    owner: Owner,
    applicationId: string,
    options: { endpointId?: string; status?: DeliveryStatus; limit?: number; offset?: number } = {},
  ): Promise<DeliveryWithAttempts[]> {
    if (options.endpointId) await this.endpoint(owner, applicationId, options.endpointId);
    else await this.applications.get(owner, applicationId);
    const { deliveries, attempts } = await this.repository.listDeliveries(applicationId, {
      endpointId: options.endpointId,
      status: options.status,
      limit: options.limit ?? 100,
      offset: options.offset ?? 0,
    });
    return deliveries.map((delivery) => ({ ...delivery, attemptLog: attempts.get(delivery.id) ?? [] }));
  }

  /** Sends one event, or the events of a time range, to an endpoint again; returns the new delivery ids. */
  async replay(
    owner: Owner,
    applicationId: string,
    endpointId: string,
    selection: { eventId?: string; start?: string; end?: string },
  ): Promise<string[]> {
    await this.endpoint(owner, applicationId, endpointId);
    const nowMs = Date.now();
    if (selection.eventId !== undefined) {
      if (selection.start !== undefined || selection.end !== undefined) throw replayInvalid();
      if (!(await this.repository.findEvent(applicationId, selection.eventId))) {
        throw new PeakformError(
          'ERR_WEBHOOK_EVENT_NOT_FOUND',
          `No event ${selection.eventId} of this application.`,
        );
      }
      return this.repository.replay(applicationId, endpointId, { eventId: selection.eventId }, nowMs);
    }
    if (selection.start === undefined) throw replayInvalid();
    const startMs = parseInstant(selection.start);
    const endMs = selection.end === undefined ? nowMs : parseInstant(selection.end);
    if (endMs < startMs) throw replayInvalid();
    return this.repository.replay(applicationId, endpointId, { startMs, endMs }, nowMs);
  }

  /**
   * The events feed of one app after a cursor, in commit order: every event addressed to the app,
   * or only one athlete's (a call with the app's token for that athlete).
   */
  async events(
    applicationId: string,
    options: { after?: string; limit?: number; athleteId?: string },
  ): Promise<EventRow[]> {
    return this.repository.listEvents(applicationId, {
      afterSeq: BigInt(options.after ?? '0'),
      limit: options.limit ?? 100,
      athleteId: options.athleteId,
    });
  }

  /** Checks that the owner owns the app (for the feed called with an owner's key). */
  async assertOwner(owner: Owner, applicationId: string): Promise<void> {
    await this.applications.get(owner, applicationId);
  }

  /** Forgets an app's endpoints, secrets, deliveries and events (the app is deleted). */
  forgetApplication(applicationId: string): Promise<void> {
    return this.repository.deleteApplication(applicationId);
  }

  private async endpoint(owner: Owner, applicationId: string, endpointId: string): Promise<EndpointRow> {
    await this.applications.get(owner, applicationId);
    const endpoint = await this.repository.findEndpoint(applicationId, endpointId);
    if (!endpoint) throw endpointNotFound(endpointId);
    return endpoint;
  }

  private checkUrl(url: string): string {
    try {
      return checkEndpointUrl(url.trim(), this.policy).toString();
    } catch (error) {
      if (!(error instanceof UnsafeUrlError)) throw error;
      throw new PeakformError(
        'ERR_WEBHOOK_URL_INVALID',
        `The webhook URL is refused: ${error.message}.`,
        400,
        {
          url: url.slice(0, 200),
        },
      );
    }
  }
}

function newSecret(): { id: string; secret: string } {
  return { id: `whs_${randomBytes(8).toString('hex')}`, secret: generateWebhookSecret() };
}

/** Self-hosters loosen the URL policy with PEAKFORM_WEBHOOK_ALLOW_HTTP / _PRIVATE / _LOOPBACK (1 or 0). */
function policyFromEnv(): Partial<UrlPolicy> {
  const flag = (name: string) => {
    const value = process.env[name];
    return value === undefined || value === '' ? undefined : value === '1' || value.toLowerCase() === 'true';
  };
  const policy: Partial<UrlPolicy> = {};
  const http = flag('PEAKFORM_WEBHOOK_ALLOW_HTTP');
  const priv = flag('PEAKFORM_WEBHOOK_ALLOW_PRIVATE');
  const loopback = flag('PEAKFORM_WEBHOOK_ALLOW_LOOPBACK');
  if (http !== undefined) policy.allowHttp = http;
  if (priv !== undefined) policy.allowPrivate = priv;
  if (loopback !== undefined) policy.allowLoopback = loopback;
  return policy;
}

function parseInstant(text: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text) || Number.isNaN(ms)) {
    throw new PeakformError(
      'ERR_WEBHOOK_REPLAY_INVALID',
      `"${text.slice(0, 50)}" is not an ISO 8601 instant with a zone (e.g. 2024-05-01T00:00:00Z).`,
    );
  }
  return ms;
}

function replayInvalid(): PeakformError {
  return new PeakformError(
    'ERR_WEBHOOK_REPLAY_INVALID',
    'Replay one event ({"event_id": …}) or a time range ({"start": …, "end": …} with end after start), not both.',
  );
}

function endpointNotFound(id: string): PeakformError {
  return new PeakformError(
    'ERR_WEBHOOK_ENDPOINT_NOT_FOUND',
    `No webhook endpoint ${id} on this application.`,
    404,
    {
      id,
    },
  );
}
