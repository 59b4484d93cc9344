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

  constructor(
    message: string,
    response: { status: number; url: string },
    issues: readonly z.core.$ZodIssue[] = [],
  ) {
    super(message);
    this.name = 'PeakformResponseError';
    this.status = response.status;
    this.url = response.url;
    this.issues = issues;
  }
}
