import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { beginSignIn, completeSignIn, type TokenSet } from './auth.ts';
import { PeakformClient } from './client.ts';

/**
 * "Sign in with Peakform" for server-side web apps, whatever the framework (Node only; used by
 * `fastify.ts` and `express.ts`, which only translate requests and replies): the login redirect
 * (authorization code with PKCE and state, as a confidential or a public app), the callback's
 * code exchange, logout, and the session itself — the tokens in an encrypted, authenticated
 * cookie (AES-256-GCM, key derived with HKDF-SHA256 from `sessionSecret`; HttpOnly, SameSite=Lax,
 * Secure on https), turned into a `PeakformClient` per request that refreshes the access token
 * before it expires and writes the new pair back into the cookie.
 */

export interface PeakformAuthOptions {
  /** The Peakform server, e.g. `https://peakform.example.org` (no `/api/v1`). */
  baseUrl: string;
  /** Your application's client id (`peakform app create`, or POST /api/v1/applications). */
  clientId: string;
  /** A confidential app's secret. Without one the app signs in as a public client (PKCE only). */
  clientSecret?: string | undefined;
  /**
   * At least 32 characters of randomness the session cookies are encrypted with. Several rotate:
   * the first seals, every one opens.
   */
  sessionSecret: string | readonly string[];
  /** Scopes to ask for; `data:read profile` (plus `offline_access` for a public app) by default. */
  scope?: string | undefined;
  /** The callback URL registered for the app; default: this request's origin + `paths.callback`. */
  redirectUri?: string | undefined;
  /** Where the routes live; `/login`, `/callback`, `/logout` by default. */
  paths?: { login?: string; callback?: string; logout?: string } | undefined;
  /** Where to go after signing in when the login had no `return_to`; `/` by default. */
  afterSignIn?: string | undefined;
  /** Where to go after signing out; `/` by default. */
  afterSignOut?: string | undefined;
  /** The session cookie's name (`peakform_app_session`); the pending sign-in uses `<name>_signin`. */
  cookieName?: string | undefined;
  /** Force the cookies' Secure flag; by default set when the request came over https. */
  secureCookies?: boolean | undefined;
  /** How long a session lasts without a new sign-in, in seconds; 30 days by default. */
  sessionMaxAgeS?: number | undefined;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch | undefined;
}

/** What the adapters tell the session about a request. */
export interface RequestFacts {
  /** Path and query, e.g. `/callback?code=…`. */
  url: string;
  cookieHeader: string | undefined;
  /** `https://app.example.org` as the framework sees it (its trust-proxy setting applies). */
  origin: string;
}

/** What the adapters send: a status, maybe a redirect or a small HTML page, and cookies to set. */
export interface Outcome {
  status: number;
  location?: string;
  html?: string;
  json?: unknown;
  setCookies: string[];
}

/** The signed-in user, as the session knows them (from the access token). */
export interface PeakformUser {
  /** The athlete's id (the token's `sub`). */
  id: string;
  /** The scopes granted, space-separated, when the server said. */
  scope: string | undefined;
}

/** What the session cookie holds, encrypted. */
export interface StoredSession extends TokenSet {
  sub: string;
  /** Epoch milliseconds of the sign-in. */
  signedInAt: number;
}

interface PendingSignInCookie {
  state: string;
  verifier: string;
  redirectUri: string;
  returnTo: string;
}

const FORMAT = 'v1';
const PENDING_MAX_AGE_S = 10 * 60;

export class WebSession {
  readonly paths: { login: string; callback: string; logout: string };
  readonly cookieName: string;
  readonly #options: PeakformAuthOptions;
  readonly #keys: Buffer[];
  readonly #maxAgeS: number;

  constructor(options: PeakformAuthOptions) {
    if (!options.baseUrl || !options.clientId) throw new TypeError('peakformAuth needs baseUrl and clientId');
    const secrets =
      typeof options.sessionSecret === 'string' ? [options.sessionSecret] : [...options.sessionSecret];
    if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 32)) {
      throw new TypeError(
        'peakformAuth needs sessionSecret: at least 32 random characters (e.g. `openssl rand -base64 32`)',
      );
    }
    this.#options = options;
    this.#keys = secrets.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, 'peakform-sdk', 'session cookie v1', 32)),
    );
    this.#maxAgeS = options.sessionMaxAgeS ?? 30 * 86_400;
    this.cookieName = options.cookieName ?? 'peakform_app_session';
    this.paths = {
      login: options.paths?.login ?? '/login',
      callback: options.paths?.callback ?? '/callback',
      logout: options.paths?.logout ?? '/logout',
    };
  }

  get #pendingName(): string {
    return `${this.cookieName}_signin`;
  }

  /** The session a request carries; `invalid` when a cookie is there but does not open (tampered, expired, old key). */
  read(facts: RequestFacts): { session: StoredSession | undefined; invalid: boolean } {
    const text = readCookie(facts.cookieHeader, this.cookieName);
    if (text === undefined) return { session: undefined, invalid: false };
    const session = this.#open<StoredSession>(this.cookieName, text);
    return session && typeof session.accessToken === 'string' && typeof session.sub === 'string'
      ? { session, invalid: false }
      : { session: undefined, invalid: true };
  }

  /** GET login: a fresh PKCE pair and state in a short-lived cookie, and a redirect to Peakform. */
  async login(facts: RequestFacts): Promise<Outcome> {
    const query = new URL(facts.url, 'http://x').searchParams;
    const redirectUri = this.#options.redirectUri ?? `${facts.origin}${this.paths.callback}`;
    const pending = await beginSignIn({
      baseUrl: this.#options.baseUrl,
      clientId: this.#options.clientId,
      redirectUri,
      scope:
        this.#options.scope ??
        (this.#options.clientSecret ? 'data:read profile' : 'data:read profile offline_access'),
    });
    const cookie: PendingSignInCookie = {
      state: pending.state,
      verifier: pending.verifier,
      redirectUri,
      returnTo: safeReturnPath(query.get('return_to')) ?? this.#options.afterSignIn ?? '/',
    };
    return {
      status: 302,
      location: pending.url,
      setCookies: [
        this.#cookie(
          facts,
          this.#pendingName,
          this.#seal(this.#pendingName, cookie, PENDING_MAX_AGE_S),
          PENDING_MAX_AGE_S,
        ),
      ],
    };
  }

  /** GET callback: the state checked against the pending cookie, the code exchanged, the session set. */
  async callback(facts: RequestFacts): Promise<Outcome> {
    const clearPending = this.#cookie(facts, this.#pendingName, '', 0);
    const text = readCookie(facts.cookieHeader, this.#pendingName);
    const pending = text === undefined ? undefined : this.#open<PendingSignInCookie>(this.#pendingName, text);
    if (!pending) {
      return this.#failure('This sign-in has expired or was started in another browser.', [clearPending]);
    }
    let tokens: TokenSet;
    try {
      tokens = await completeSignIn(
        this.#options.baseUrl,
        {
          state: pending.state,
          verifier: pending.verifier,
          redirectUri: pending.redirectUri,
          clientId: this.#options.clientId,
        },
        new URL(facts.url, 'http://x').searchParams,
        {
          clientSecret: this.#options.clientSecret,
          ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
        },
      );
    } catch (error) {
      return this.#failure(`Peakform did not sign you in: ${(error as Error).message}`, [clearPending]);
    }
    const sub = jwtSubject(tokens.accessToken);
    if (!sub) return this.#failure('Peakform answered a token without a subject.', [clearPending]);
    const session: StoredSession = { ...tokens, sub, signedInAt: Date.now() };
    return {
      status: 302,
      location: pending.returnTo,
      setCookies: [clearPending, this.sessionCookie(facts, session)],
    };
  }

  /** POST logout: the session cookie cleared. */
  logout(facts: RequestFacts): Outcome {
    return {
      status: 303,
      location: this.#options.afterSignOut ?? '/',
      setCookies: [this.clearSessionCookie(facts)],
    };
  }

  /** For a signed-out request to a page that needs a user: to login (GET pages) or 401. */
  guard(facts: RequestFacts, method: string, accept: string | undefined): Outcome {
    if (method === 'GET' && (accept ?? '').includes('text/html')) {
      return {
        status: 302,
        location: `${this.paths.login}?${new URLSearchParams({ return_to: facts.url })}`,
        setCookies: [],
      };
    }
    return {
      status: 401,
      json: { code: 'ERR_SIGNED_OUT', detail: `Sign in first: GET ${this.paths.login}` },
      setCookies: [],
    };
  }

  /** The Set-Cookie header that stores this session. */
  sessionCookie(facts: RequestFacts, session: StoredSession): string {
    const maxAgeS = Math.max(0, Math.floor((session.signedInAt + this.#maxAgeS * 1000 - Date.now()) / 1000));
    return this.#cookie(facts, this.cookieName, this.#seal(this.cookieName, session, maxAgeS), maxAgeS);
  }

  clearSessionCookie(facts: RequestFacts): string {
    return this.#cookie(facts, this.cookieName, '', 0);
  }

  /**
   * A client acting as the session's user. When it refreshes the access token, `write` receives the
   * Set-Cookie header of the updated session (the adapters set it unless the reply has started).
   */
  clientFor(facts: RequestFacts, session: StoredSession, write: (setCookie: string) => void): PeakformClient {
    let current = session;
    return new PeakformClient({
      baseUrl: this.#options.baseUrl,
      oauth: {
        accessToken: session.accessToken,
        refreshToken: session.refreshToken,
        expiresAt: session.expiresAt,
        scope: session.scope,
        clientId: this.#options.clientId,
        clientSecret: this.#options.clientSecret,
        onRefresh: (next) => {
          current = { ...current, ...next, refreshToken: next.refreshToken ?? current.refreshToken };
          write(this.sessionCookie(facts, current));
        },
      },
      fetch: this.#options.fetch,
    });
  }

  /**
   * A client acting for one of the signed-in coach's athletes (a managed user, or one who authorised
   * a team of the coach's: then give `teamId`), from POST /api/v1/oauth/delegated-token. It
   * refreshes its own pair with the app's credentials; nothing of it is stored in the cookie.
   */
  async delegate(
    client: PeakformClient,
    athleteId: string,
    options: { teamId?: string; scopes?: string[] } = {},
  ): Promise<PeakformClient> {
    const pair = await client.createDelegatedToken({
      body: {
        sub: athleteId,
        ...(options.teamId ? { team_id: options.teamId } : {}),
        ...(options.scopes ? { scopes: options.scopes as never } : {}),
      },
    });
    return new PeakformClient({
      baseUrl: this.#options.baseUrl,
      oauth: {
        accessToken: pair.access_token,
        refreshToken: pair.refresh_token ?? undefined,
        expiresAt: Date.now() + pair.expires_in * 1000,
        clientId: this.#options.clientId,
        clientSecret: this.#options.clientSecret,
      },
      fetch: this.#options.fetch,
    });
  }

  #failure(message: string, setCookies: string[]): Outcome {
    return {
      status: 400,
      html: `<!doctype html><meta charset="utf-8"><title>Sign-in failed</title><h1>Sign-in failed</h1><p>${escapeHtml(message)}</p><p><a href="${escapeHtml(this.paths.login)}">Try again</a></p>`,
      setCookies,
    };
  }

  #cookie(facts: RequestFacts, name: string, value: string, maxAgeS: number): string {
    const secure = this.#options.secureCookies ?? facts.origin.startsWith('https:');
    return `${name}=${value}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  /** `v1.` + base64url(iv ‖ ciphertext ‖ tag), the cookie's name as associated data, expiry inside. */
  #seal(name: string, value: object, maxAgeS: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0]!, iv);
    cipher.setAAD(Buffer.from(`${FORMAT}:${name}`));
    const plain = Buffer.from(JSON.stringify({ exp: Date.now() + maxAgeS * 1000, value }));
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT}.${sealed.toString('base64url')}`;
  }

  #open<T>(name: string, text: string): T | undefined {
    if (!text.startsWith(`${FORMAT}.`)) return undefined;
    const sealed = Buffer.from(text.slice(FORMAT.length + 1), 'base64url');
    if (sealed.length < 12 + 16 + 1) return undefined;
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
        decipher.setAAD(Buffer.from(`${FORMAT}:${name}`));
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        const plain = Buffer.concat([
          decipher.update(sealed.subarray(12, sealed.length - 16)),
          decipher.final(),
        ]);
        const { exp, value } = JSON.parse(plain.toString('utf8')) as { exp: number; value: T };
        return typeof exp === 'number' && exp > Date.now() ? value : undefined;
      } catch {
        // Not sealed with this key (or altered): try the next one.
      }
    }
    return undefined;
  }
}

/** One cookie's value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** A same-origin path to return to, or undefined: no scheme, no `//host`, no backslashes. */
function safeReturnPath(path: string | null): string | undefined {
  if (!path?.startsWith('/') || path.startsWith('//') || path.includes('\\')) return undefined;
  return path;
}

function jwtSubject(token: string): string | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    return typeof claims.sub === 'string' && claims.sub.length > 0 ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
