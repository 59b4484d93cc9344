import type { Table } from 'apache-arrow';
import { PeakformClient } from '../../src/sdk/index.ts';

/**
 * The app's one door to the server: the public API through the typed SDK, with the bearer kept in
 * this tab's sessionStorage (a personal API key pasted in, or the access token of the OAuth sign-in).
 */
const TOKEN_KEY = 'peakform.token';

export function currentToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

let cached: { token: string; client: PeakformClient } | undefined;

export function client(): PeakformClient {
  const token = currentToken();
  if (!token) throw new Error('Not signed in.');
  if (cached?.token !== token)
    cached = { token, client: new PeakformClient({ baseUrl: location.origin, token }) };
  return cached.client;
}

/** An Arrow table as plain rows (column name → value). */
export function rows(table: Table): Record<string, unknown>[] {
  return table.toArray().map((row) => (row as { toJSON(): Record<string, unknown> }).toJSON());
}
