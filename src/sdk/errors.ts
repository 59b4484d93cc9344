import type { z } from 'zod';
import type { ProblemSchema } from '../domain/wire.ts';

/** An RFC 9457 problem as the server sends it; routes may add members (upload's 422 adds `sources`). */
export type Problem = z.output<typeof ProblemSchema>;

/**
 * The server said no: a non-2xx answer with an `application/problem+json` body. `code` is the
 * stable `ERR_<AREA>_<WHAT>`, `detail` says how to fix it, `requestId` is what to quote in a bug
 * report, and `problem` is the whole body (validation errors in `problem.errors`, the failed
 * sources of an unreadable upload in `problem.sources`).
 */
export class PeakformApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly requestId: string;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.code} (${problem.status}): ${problem.detail} [request ${problem.request_id}]`);
    this.name = 'PeakformApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.requestId = problem.request_id;
    this.problem = problem;
  }

  /** The most specific class for a problem: 401/403, 404, 400/422, 409, 429, 5xx, or this one. */
  static from(problem: Problem, retryAfterS?: number): PeakformApiError {
    const status = problem.status;
    if (status === 401 || status === 403) return new PeakformAuthError(problem);
    if (status === 404) return new PeakformNotFoundError(problem);
    if (status === 400 || status === 422) return new PeakformValidationError(problem);
    if (status === 409) return new PeakformConflictError(problem);
    if (status === 429) return new PeakformRateLimitError(problem, retryAfterS);
    if (status >= 500) return new PeakformServerError(problem);
    return new PeakformApiError(problem);
  }
}

/** 401 or 403: the token is missing, expired, revoked, or lacks the route's scope. */
export class PeakformAuthError extends PeakformApiError {
  override readonly name = 'PeakformAuthError';
}
/** 404: the record does not exist or is not the token's to see. */
export class PeakformNotFoundError extends PeakformApiError {
  override readonly name = 'PeakformNotFoundError';
}
/** 400 or 422: the request breaks the route's schema; `problem.errors` lists each finding. */
export class PeakformValidationError extends PeakformApiError {
  override readonly name = 'PeakformValidationError';
}
/** 409: the request conflicts with the current state. */
export class PeakformConflictError extends PeakformApiError {
  override readonly name = 'PeakformConflictError';
}
/** 429 after the client's retries ran out; `retryAfterS` is the server's last `Retry-After`. */
export class PeakformRateLimitError extends PeakformApiError {
  override readonly name = 'PeakformRateLimitError';
  readonly retryAfterS: number | undefined;
  constructor(problem: Problem, retryAfterS?: number) {
    super(problem);
    this.retryAfterS = retryAfterS;
  }
}
/** 5xx after the client's retries ran out (idempotent methods) or at once (POST, PATCH). */
export class PeakformServerError extends PeakformApiError {
  override readonly name = 'PeakformServerError';
}

/**
 * The answer is not what the wire contract promises: a body that fails its schema, an unexpected
 * content type, or an error status without a problem body. Usually the SDK and the server are
 * different versions, or something between them (a proxy) answered. `issues` holds zod's findings
 * when a body failed its schema.
 */
export class PeakformResponseError extends Error {
  readonly status: number;
  readonly url: string;
  readonly issues: readonly z.core.$ZodIssue[];
  /** The `x-request-id` the answer carried, if any. */
  readonly requestId: string | undefined;

  constructor(
    message: string,
    response: { status: number; url: string; headers?: Headers },
    issues: readonly z.core.$ZodIssue[] = [],
  ) {
    super(message);
    this.name = 'PeakformResponseError';
    this.status = response.status;
    this.url = response.url;
    this.issues = issues;
    this.requestId = response.headers?.get('x-request-id') ?? undefined;
  }
}
