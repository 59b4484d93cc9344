import { z } from 'zod';
import { ProblemSchema } from '../domain/wire.ts';
import { PeakformApiError, PeakformResponseError } from './errors.ts';

/**
 * OAuth for SDK users, with the web platform only (fetch, WebCrypto, btoa), so it runs in browsers
 * and in Node: PKCE (S256) sign-in in two halves — `beginSignIn` builds the authorize URL,
 * `completeSignIn` exchanges the code — and `refreshTokens`. `src/sdk/node.ts` adds the loopback
 * redirect listener of native apps on top of these.
 */

/** The public client of the official SDKs (WIRE.md §5.2): PKCE, any loopback port, no secret. */
export const PUBLIC_SDK_CLIENT_ID = '5382f68b0d254378';

/** What the token endpoint answers, with the expiry turned into an absolute time. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string | undefined;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt?: number | undefined;
  scope?: string | undefined;
}

const TokenAnswerSchema = z.object({
  access_token: z.string(),
  token_type: z.string().optional(),
  refresh_token: z.string().optional(),
  expires_in: z.number().optional(),
  scope: z.string().optional(),
});

export interface PkcePair {
  verifier: string;
  challenge: string;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh PKCE verifier (43 characters, 256 random bits) and its S256 challenge. */
export async function createPkcePair(): Promise<PkcePair> {
  const verifier = base64url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

export interface SignInOptions {
  /** Where the server lives, e.g. `https://peakform.example.org` (no `/api/v1`). */
  baseUrl: string;
  /** Your application's client id; the official SDKs' public client by default. */
  clientId?: string;
  /** A redirect URI registered for the client (a loopback URI on any port for public clients). */
  redirectUri: string;
  /** Space-separated scopes; `data:read profile offline_access` by default. */
  scope?: string;
}

/** The authorize URL to send the user to, and what `completeSignIn` needs to finish. */
export interface PendingSignIn {
  url: string;
  state: string;
  verifier: string;
  redirectUri: string;
  clientId: string;
}

/** Step 1: a PKCE pair and a state, and the authorize URL carrying them. Keep the result (e.g. in sessionStorage). */
export async function beginSignIn(options: SignInOptions): Promise<PendingSignIn> {
  const { verifier, challenge } = await createPkcePair();
  const state = base64url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
  const clientId = options.clientId ?? PUBLIC_SDK_CLIENT_ID;
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'data:read profile offline_access',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  });
  return {
    url: `${trimBase(options.baseUrl)}/oauth/authorize?${query}`,
    state,
    verifier,
    redirectUri: options.redirectUri,
    clientId,
  };
}

/**
 * Step 2: the URL (or query) the browser came back with, checked against the pending sign-in's
 * state, exchanged for tokens. An `error` in the redirect, or a wrong state, throws. A
 * confidential app (a server) passes its `clientSecret`; the PKCE verifier is sent either way.
 */
export async function completeSignIn(
  baseUrl: string,
  pending: Omit<PendingSignIn, 'url'>,
  redirected: string | URL | URLSearchParams,
  options: { fetch?: typeof fetch; clientSecret?: string | undefined } = {},
): Promise<TokenSet> {
  const query =
    redirected instanceof URLSearchParams ? redirected : new URL(String(redirected), 'http://x').searchParams;
  const error = query.get('error');
  if (error) throw new Error(`sign-in refused: ${error} ${query.get('error_description') ?? ''}`.trim());
  if (query.get('state') !== pending.state) throw new Error('sign-in answer has the wrong state');
  const code = query.get('code');
  if (!code) throw new Error('sign-in answer has no code');
  return tokenRequest(
    baseUrl,
    {
      grant_type: 'authorization_code',
      client_id: pending.clientId,
      code,
      code_verifier: pending.verifier,
      redirect_uri: pending.redirectUri,
      ...(options.clientSecret ? { client_secret: options.clientSecret } : {}),
    },
    options.fetch,
  );
}

/** Trades a refresh token for a new pair (POST /api/v1/oauth/token, grant_type=refresh_token). */
export function refreshTokens(
  baseUrl: string,
  refreshToken: string,
  clientId: string,
  options: { clientSecret?: string; fetch?: typeof fetch } = {},
): Promise<TokenSet> {
  return tokenRequest(
    baseUrl,
    {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      ...(options.clientSecret ? { client_secret: options.clientSecret } : {}),
    },
    options.fetch,
  );
}

async function tokenRequest(
  baseUrl: string,
  form: Record<string, string>,
  fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
): Promise<TokenSet> {
  const response = await fetchImpl(`${trimBase(baseUrl)}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  const body = parseJson(text);
  if (!response.ok) {
    const problem = ProblemSchema.safeParse(body);
    if (problem.success) throw PeakformApiError.from(problem.data);
    const oauth = body as { error?: string; error_description?: string } | undefined;
    throw new PeakformResponseError(
      `token endpoint answered ${response.status}: ${oauth?.error ?? ''} ${oauth?.error_description ?? ''}`.trim(),
      response,
    );
  }
  const parsed = TokenAnswerSchema.safeParse(body);
  if (!parsed.success) {
    throw new PeakformResponseError('token endpoint answered no token', response, parsed.error.issues);
  }
  const answer = parsed.data;
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? form.refresh_token,
    expiresAt:
      answer.expires_in !== undefined
        ? Date.now() + answer.expires_in * 1000
        : jwtExpiry(answer.access_token),
    scope: answer.scope,
  };
}

/** The `exp` of a JWT in epoch milliseconds, or undefined when the token is not a JWT. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const padded = payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const claims = JSON.parse(atob(padded)) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
