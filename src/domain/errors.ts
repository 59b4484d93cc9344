/**
 * A user's mistake: a stable code, a message that says how to fix it, an HTTP status, and typed
 * details. Anything else that is thrown is our bug and reaches clients only as an internal error.
 */
export class PeakformError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'PeakformError';
  }
}

export function isPeakformError(error: unknown): error is PeakformError {
  return error instanceof PeakformError;
}

/** Thrown by ingest when a file holds nothing usable. */
export class UnreadableFileError extends PeakformError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('ERR_INGEST_UNREADABLE', message, 422, details);
    this.name = 'UnreadableFileError';
  }
}
