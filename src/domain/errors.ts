import { ERROR_CATALOG, type ErrorCode } from './error-catalog.ts';

/**
 * A user's mistake: a stable code from the error catalog, a message that says how to fix it, an
 * HTTP status (the catalog's unless given), and typed details. Anything else that is thrown is
 * our bug and reaches clients only as an internal error.
 */
export class PeakformError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    status?: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'PeakformError';
    this.status = status ?? ERROR_CATALOG[code].status;
  }
}

export function isPeakformError(error: unknown): error is PeakformError {
  return error instanceof PeakformError;
}

/** Thrown by ingest when a file holds nothing usable. */
export class UnreadableFileError extends PeakformError {
  constructor(message: string, details?: Record<string, unknown>, code: ErrorCode = 'ERR_INGEST_UNREADABLE') {
    super(code, message, 422, details);
    this.name = 'UnreadableFileError';
  }
}
