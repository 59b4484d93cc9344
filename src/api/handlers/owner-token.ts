import { PeakformError } from '../../domain/errors.ts';
import { SDK_CLIENT_ID } from '../../engine/engine.ts';

/**
 * Applications (and their pages) are managed by their owner in person: neither a third-party
 * app's token nor a delegated one. A token of the SDK's own public client is the user signed in
 * with `peakform login`, in person.
 */
export function assertOwnerToken(token: { kind: string; audience?: string }): void {
  if ((token.audience !== undefined && token.audience !== SDK_CLIENT_ID) || token.kind === 'delegated') {
    throw new PeakformError(
      'ERR_AUTH_SCOPE',
      'Applications are managed with your own key or sign-in, not with an application’s or a delegated token.',
      403,
    );
  }
}
