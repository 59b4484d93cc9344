import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The account area's session: `<user id>.<expiry s>.<HMAC>`; stateless, so a restart keeps it. */
export const SESSION_COOKIE = 'pf_session';
/** Double-submit CSRF: a random cookie, and forms carry its HMAC. */
export const CSRF_COOKIE = 'pf_csrf';
/** Where a Portal session came from (signed, bound to the user): the pages show a link back. */
export const RETURN_COOKIE = 'pf_return';
const SESSION_TTL_S = 14 * 86_400;
const RETURN_TTL_S = 60 * 60;

export function readCookies(request: FastifyRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    try {
      if (!cookies.has(name)) cookies.set(name, decodeURIComponent(value));
    } catch {
      // A malformed cookie is ignored, as if absent.
    }
  }
  return cookies;
}

function cookieHeader(name: string, value: string, options: { maxAgeS: number; secure: boolean }): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${options.maxAgeS}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

function appendCookie(reply: FastifyReply, header: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, header]);
}

/** Signs and checks the session and CSRF values with the data dir's key. */
export class CookieSigner {
  constructor(
    private readonly key: Buffer,
    private readonly secure: boolean,
  ) {}

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${value}`).digest('base64url');
  }

  startSession(reply: FastifyReply, userId: string): void {
    const expiresS = Math.floor(Date.now() / 1000) + SESSION_TTL_S;
    const value = `${userId}.${expiresS}.${this.mac('session', `${userId}.${expiresS}`)}`;
    appendCookie(reply, cookieHeader(SESSION_COOKIE, value, { maxAgeS: SESSION_TTL_S, secure: this.secure }));
  }

  endSession(reply: FastifyReply): void {
    appendCookie(reply, cookieHeader(SESSION_COOKIE, '', { maxAgeS: 0, secure: this.secure }));
  }

  /** The signed-in user, or undefined for no, a forged or an expired session. */
  sessionUser(request: FastifyRequest): string | undefined {
    const value = readCookies(request).get(SESSION_COOKIE);
    const [userId, expiresText, mac] = value?.split('.') ?? [];
    if (!userId || !expiresText || !mac) return undefined;
    if (!equal(mac, this.mac('session', `${userId}.${expiresText}`))) return undefined;
    return Number(expiresText) * 1000 > Date.now() ? userId : undefined;
  }

  /** Remembers the app a Portal session came from (or forgets it, for null). */
  setReturnUrl(reply: FastifyReply, userId: string, url: string | null): void {
    if (url === null) {
      appendCookie(reply, cookieHeader(RETURN_COOKIE, '', { maxAgeS: 0, secure: this.secure }));
      return;
    }
    const encoded = Buffer.from(url).toString('base64url');
    const value = `${encoded}.${this.mac('return', `${userId}.${encoded}`)}`;
    appendCookie(reply, cookieHeader(RETURN_COOKIE, value, { maxAgeS: RETURN_TTL_S, secure: this.secure }));
  }

  /** The return URL a Portal session left for this user, if its signature holds. */
  returnUrl(request: FastifyRequest, userId: string): string | undefined {
    const [encoded, mac] = readCookies(request).get(RETURN_COOKIE)?.split('.') ?? [];
    if (!encoded || !mac || !equal(mac, this.mac('return', `${userId}.${encoded}`))) return undefined;
    return Buffer.from(encoded, 'base64url').toString('utf8');
  }

  /** The CSRF token for this browser's forms; sets the cookie it is bound to when missing. */
  csrfToken(request: FastifyRequest, reply: FastifyReply): string {
    let seed = readCookies(request).get(CSRF_COOKIE);
    if (!seed || seed.length < 16) {
      seed = randomBytes(18).toString('base64url');
      appendCookie(reply, cookieHeader(CSRF_COOKIE, seed, { maxAgeS: SESSION_TTL_S, secure: this.secure }));
    }
    return this.mac('csrf', seed);
  }

  /** Whether a form's token matches this browser's CSRF cookie. */
  checkCsrf(request: FastifyRequest, token: string | undefined): boolean {
    const seed = readCookies(request).get(CSRF_COOKIE);
    return Boolean(seed && token && equal(token, this.mac('csrf', seed)));
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
