import { PeakformApiError, PeakformResponseError } from '../../sdk/errors.ts';

/** The server named by `--server` (or the stored login) did not answer at all. */
export class RemoteUnreachableError extends Error {
  readonly server: string;
  constructor(server: string, cause: unknown) {
    const reason = networkReason(cause);
    super(
      `Cannot reach ${server}${reason ? ` (${reason})` : ''}. Is the server running, and is --server right?`,
    );
    this.name = 'RemoteUnreachableError';
    this.server = server;
  }
}

function networkReason(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : undefined;
}

/** A remote step failed in a way the message explains (a server that is not Peakform, a refused sign-in). */
export class RemoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** No stored login and no --server/--token: there is no server to go to. */
export class NotSignedInError extends RemoteError {
  constructor() {
    super('Not signed in: run peakform login [--server URL], or pass --server URL with --token.');
    this.name = 'NotSignedInError';
  }
}

const SIGN_IN_AGAIN = 'Sign in again with peakform login, or pass a valid --token.';

/**
 * What a failed remote request tells the user, or undefined when `error` is not one (then it is
 * our bug and propagates). Never the token: problems and our messages do not carry it.
 */
export function describeRemoteError(error: unknown): string | undefined {
  if (error instanceof RemoteUnreachableError || error instanceof RemoteError) return error.message;
  if (error instanceof PeakformApiError) {
    const where = `(${error.code}, request ${error.requestId})`;
    if (error.status === 401)
      return `The server refused the credentials: ${error.detail} ${where}. ${SIGN_IN_AGAIN}`;
    return `${error.detail} ${where}`;
  }
  if (error instanceof PeakformResponseError) {
    if (/\/oauth\/token$/.test(new URL(error.url || 'http://x/').pathname) && error.status < 500) {
      return `The server no longer accepts the stored sign-in (${error.message}). ${SIGN_IN_AGAIN}`;
    }
    return `${error.message}. Is ${originOf(error.url)} a Peakform server of this version?`;
  }
  return undefined;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}
