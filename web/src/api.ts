import type { Table } from 'apache-arrow';
import { PeakformClient } from '../../src/sdk/index.ts';

/**
 * The app's one door to the server: the public API through the typed SDK, with the bearer kept in
 * this tab's sessionStorage (a personal API key pasted in, or the access token of the OAuth sign-in).
 *
 * A coach viewing an athlete of their team ("acting as", set by the `#/as/<team>/<user>/…` routes)
 * reads that athlete's data as any API client would: with a delegated token (POST
 * /api/v1/oauth/delegated-token with `team_id`, WIRE.md §3.11), minted from the coach's token before
 * each page renders (`prepareClient`) and renewed when it is about to expire (15 minutes).
 */
const TOKEN_KEY = 'peakform.token';
const ACTING_KEY = 'peakform.acting';
const NAMES_KEY = 'peakform.names';
/** Mint a new delegated token when the current one has less than this left. */
const RENEW_BEFORE_MS = 120_000;

export function currentToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) {
    sessionStorage.removeItem(TOKEN_KEY);
    setActing(null);
  } else sessionStorage.setItem(TOKEN_KEY, token);
}

let cached: { token: string; client: PeakformClient } | undefined;

/** The signed-in user's own client (the coach's, while acting as an athlete). */
export function principalClient(): PeakformClient {
  const token = currentToken();
  if (!token) throw new Error('Not signed in.');
  if (cached?.token !== token)
    cached = { token, client: new PeakformClient({ baseUrl: location.origin, token }) };
  return cached.client;
}

/** The athlete a coach is viewing, or null for the signed-in user's own data. */
export interface Acting {
  teamId: string;
  userId: string;
}

export function acting(): Acting | null {
  const saved = sessionStorage.getItem(ACTING_KEY);
  return saved ? (JSON.parse(saved) as Acting) : null;
}

export function setActing(next: Acting | null): void {
  if (next === null) sessionStorage.removeItem(ACTING_KEY);
  else sessionStorage.setItem(ACTING_KEY, JSON.stringify(next));
}

/** Display names of the athletes of the teams seen in this tab (for the "viewing" banner). */
export function rememberNames(names: Record<string, string>): void {
  sessionStorage.setItem(NAMES_KEY, JSON.stringify({ ...knownNames(), ...names }));
}

export function knownNames(): Record<string, string> {
  return JSON.parse(sessionStorage.getItem(NAMES_KEY) ?? '{}') as Record<string, string>;
}

interface Delegated extends Acting {
  principal: string;
  expiresAtMs: number;
  client: PeakformClient;
}
let delegated: Delegated | undefined;

/** A client acting as one athlete of a team: a fresh delegated token (data:read) from the coach's. */
export async function delegatedClient(
  userId: string,
  teamId: string,
): Promise<{ client: PeakformClient; expiresAtMs: number }> {
  const pair = await principalClient().createDelegatedToken({
    body: { sub: userId, team_id: teamId, scopes: ['data:read'] },
  });
  return {
    client: new PeakformClient({ baseUrl: location.origin, token: pair.access_token }),
    expiresAtMs: Date.now() + pair.expires_in * 1000,
  };
}

/** Before a page renders: while acting as an athlete, makes sure a delegated token is at hand. */
export async function prepareClient(): Promise<void> {
  const target = acting();
  const principal = currentToken();
  if (!target || !principal) return;
  if (
    delegated?.userId === target.userId &&
    delegated.teamId === target.teamId &&
    delegated.principal === principal &&
    delegated.expiresAtMs - RENEW_BEFORE_MS > Date.now()
  )
    return;
  delegated = { ...target, principal, ...(await delegatedClient(target.userId, target.teamId)) };
}

/** The client of the data pages: the athlete being viewed when acting, else the signed-in user. */
export function client(): PeakformClient {
  const target = acting();
  if (!target) return principalClient();
  if (delegated?.userId !== target.userId || delegated.teamId !== target.teamId)
    throw new Error('The athlete’s access is not ready; reload the page.');
  return delegated.client;
}

/** An Arrow table as plain rows (column name → value). */
export function rows(table: Table): Record<string, unknown>[] {
  return table.toArray().map((row) => (row as { toJSON(): Record<string, unknown> }).toJSON());
}
