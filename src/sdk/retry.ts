/**
 * When the client tries a request again: only idempotent methods (GET, HEAD, PUT, DELETE), after a
 * network failure or a 408, 425, 429, 500, 502, 503 or 504, at most `retries` times. The wait is the
 * server's `Retry-After` (seconds or an HTTP date) when it sends one, else full-jitter exponential
 * backoff (`baseDelayMs · 2^attempt`, random in [0, that]); either is capped at `maxDelayMs`.
 */
export interface RetryOptions {
  /** Retries after the first attempt; 3 by default, 0 turns retrying off. */
  retries?: number;
  /** The first backoff step; 250 ms by default. */
  baseDelayMs?: number;
  /** No single wait is longer; 30 s by default (a longer `Retry-After` gives up at once). */
  maxDelayMs?: number;
}

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isRetryable(method: string, status: number | 'network'): boolean {
  return IDEMPOTENT.has(method.toUpperCase()) && (status === 'network' || RETRYABLE_STATUS.has(status));
}

/** A `Retry-After` header in milliseconds from now, or undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** How long to wait before retry number `attempt` (0-based), or undefined to give up. */
export function retryDelay(
  options: RetryOptions,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const retries = options.retries ?? 3;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  if (attempt >= retries) return undefined;
  if (retryAfterMs !== undefined) return retryAfterMs <= maxDelayMs ? retryAfterMs : undefined;
  const ceiling = Math.min(maxDelayMs, (options.baseDelayMs ?? 250) * 2 ** attempt);
  return Math.round(random() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
