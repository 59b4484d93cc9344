import { randomBytes } from 'node:crypto';
import { PeakformError } from '../../domain/errors.ts';
import { sha256Hex } from '../../domain/ids.ts';
import { DelegationRepository, type PortalLinkRow } from '../../store/delegation-repository.ts';
import type { Store } from '../../store/store.ts';
import type { VerifiedToken } from '../tokens/token-service.ts';
import type { ApplicationService } from './application-service.ts';

export const PORTAL_LINK_TTL_S = 10 * 60;

export type PortalLink = PortalLinkRow;

/**
 * Portal sessions (WIRE.md §3.12): an app asks, with the athlete's token, for a one-time link
 * into the athlete's account pages (connected apps, or the teams they authorised). The link is a
 * random token kept as a sha256, valid for ten minutes and once.
 */
export class PortalService {
  private readonly repository: DelegationRepository;

  constructor(
    store: Store,
    private readonly applications: ApplicationService,
  ) {
    this.repository = new DelegationRepository(store);
  }

  /** A one-time link token for the caller's athlete; 400 without an app token or with a foreign return URL. */
  async createLink(
    caller: VerifiedToken,
    request: { destination: string; returnUrl?: string | null },
  ): Promise<{ token: string; expiresInS: number }> {
    const clientId = caller.audience;
    if (clientId === undefined) {
      throw new PeakformError(
        'ERR_PORTAL_INVALID',
        'A Portal session is opened with the token your application got for the athlete; this token was not issued to an application.',
        400,
      );
    }
    const returnUrl = request.returnUrl ?? null;
    if (returnUrl !== null && !(await this.allowsReturnUrl(clientId, returnUrl))) {
      throw new PeakformError(
        'ERR_PORTAL_INVALID',
        'return_url must equal or sit under one of the application’s registered redirect URIs (localhost when it has none).',
        400,
        { returnUrl },
      );
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAtS = Math.floor(Date.now() / 1000) + PORTAL_LINK_TTL_S;
    await this.repository.insertPortalLink(
      sha256Hex(token),
      { athleteId: caller.athleteId, clientId, destination: request.destination, returnUrl },
      expiresAtS,
    );
    return { token, expiresInS: PORTAL_LINK_TTL_S };
  }

  /** The link of a token, used up now; undefined when unknown, used or expired. */
  consume(token: string): Promise<PortalLink | undefined> {
    if (token.length < 20 || token.length > 100) return Promise.resolve(undefined);
    return this.repository.consumePortalLink(sha256Hex(token));
  }

  /** WIRE.md §7.10: at or under a registered redirect URI; loopback on any port when none is registered. */
  private async allowsReturnUrl(clientId: string, returnUrl: string): Promise<boolean> {
    // An app unknown here (the SDK's built-in client, or an app deleted since) has no registered URIs.
    const registered = await this.applications.get(null, clientId).then(
      (app) => app.redirectUris,
      () => [] as string[],
    );
    if (registered.length === 0) return isLoopback(returnUrl);
    return registered.some((uri) => isAtOrUnder(returnUrl, uri));
  }
}

export function isAtOrUnder(url: string, base: string): boolean {
  if (url === base) return true;
  const prefix = base.endsWith('/') ? base : `${base}/`;
  return url.startsWith(prefix) || url.startsWith(`${base}?`) || url.startsWith(`${base}#`);
}

function isLoopback(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      ['http:', 'https:'].includes(parsed.protocol) &&
      ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname) &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}
