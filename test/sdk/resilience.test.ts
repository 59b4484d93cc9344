import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  beginSignIn,
  PeakformClient,
  PeakformNotFoundError,
  PeakformRateLimitError,
  PeakformServerError,
  PUBLIC_SDK_CLIENT_ID,
  parseRetryAfter,
  retryDelay,
  type TokenSet,
} from '../../src/sdk/index.ts';
import { signInWithLoopback } from '../../src/sdk/node.ts';
import { SDK_CLIENT_ID } from '../../src/services/identity/application-service.ts';
import { FormBrowser } from '../helpers/form-browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const problem = (status: number, code: string) =>
  JSON.stringify({ type: 'about:blank', title: 't', status, code, detail: 'd', request_id: 'req_x' });

/** A fetch that answers from a script and records what it was asked. */
function scripted(answers: (() => Response)[]) {
  const calls: { method: string; url: string; auth: string | null }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    calls.push({
      method: init?.method ?? 'GET',
      url: String(input),
      auth: new Headers(init?.headers).get('authorization'),
    });
    const next = answers.shift();
    if (!next) throw new TypeError('fetch failed');
    return next();
  };
  return { calls, fetchImpl };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const problemResponse = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(problem(status, code), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

describe('retries', () => {
  it('retries a GET after 503 and 429, waiting what Retry-After says', async () => {
    const { calls, fetchImpl } = scripted([
      () => problemResponse(503, 'ERR_X'),
      () => problemResponse(429, 'ERR_RATE', { 'retry-after': '1' }),
      () => json([]),
    ]);
    const client = new PeakformClient({
      baseUrl: 'http://api',
      token: 't',
      fetch: fetchImpl,
      retry: { baseDelayMs: 1 },
    });
    const started = Date.now();
    expect(await client.listProfileTags()).toEqual([]);
    expect(calls).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('retries network errors of GET; gives up with a typed error carrying the request id', async () => {
    const { calls, fetchImpl } = scripted([
      () => {
        throw new TypeError('fetch failed');
      },
      () => problemResponse(500, 'ERR_INTERNAL'),
      () => problemResponse(500, 'ERR_INTERNAL'),
    ]);
    const client = new PeakformClient({
      baseUrl: 'http://api',
      token: 't',
      fetch: fetchImpl,
      retry: { retries: 2, baseDelayMs: 1 },
    });
    const error = await client.listProfileTags().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeakformServerError);
    expect((error as PeakformServerError).requestId).toBe('req_x');
    expect(calls).toHaveLength(3);
  });

  it('never retries a POST, and a 429 it gives up on says when to come back', async () => {
    const { calls, fetchImpl } = scripted([() => problemResponse(503, 'ERR_X'), () => json({})]);
    const client = new PeakformClient({ baseUrl: 'http://api', token: 't', fetch: fetchImpl });
    await expect(client.uploadActivities({ files: [] })).rejects.toBeInstanceOf(PeakformServerError);
    expect(calls).toHaveLength(1);
    const limited = scripted([() => problemResponse(429, 'ERR_RATE', { 'retry-after': '3600' })]);
    const impatient = new PeakformClient({ baseUrl: 'http://api', token: 't', fetch: limited.fetchImpl });
    const error = await impatient.listProfileTags().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeakformRateLimitError);
    expect((error as PeakformRateLimitError).retryAfterS).toBe(3600);
  });

  it('reads Retry-After as seconds or a date, and backs off with full jitter under a cap', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(retryDelay({}, 0, undefined, () => 1)).toBe(250);
    expect(retryDelay({}, 2, undefined, () => 1)).toBe(1000);
    expect(retryDelay({ maxDelayMs: 500 }, 5, undefined, () => 1)).toBeUndefined();
    expect(retryDelay({ retries: 9, maxDelayMs: 500 }, 5, undefined, () => 1)).toBe(500);
    expect(retryDelay({}, 0, 40_000)).toBeUndefined();
  });
});

describe('sign-in and token refresh against a server', () => {
  let server: TestServer;
  const browser = () => new FormBrowser(() => false);

  beforeAll(async () => {
    server = await startTestServer();
    await server.engine.identity.accounts.signUp({ email: 'dev@example.org', password: 'dev passphrase 1' });
  });
  afterAll(() => server.close());

  async function signIn(): Promise<TokenSet> {
    return signInWithLoopback({
      baseUrl: server.url,
      scope: 'data:read profile offline_access',
      openBrowser: async (url) => {
        const agent = browser();
        let page = await agent.open(url);
        page = await agent.submit(page, '/login', { email: 'dev@example.org', password: 'dev passphrase 1' });
        await agent.submit(page, '/consent', { decision: 'allow' });
      },
    });
  }

  it('builds an S256 authorize URL for browsers', async () => {
    const pending = await beginSignIn({ baseUrl: server.url, redirectUri: 'http://127.0.0.1:9/cb' });
    const url = new URL(pending.url);
    expect(url.pathname).toBe('/oauth/authorize');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toBe(pending.state);
    expect(pending.verifier).toMatch(/^[\w-]{43}$/);
    expect(PUBLIC_SDK_CLIENT_ID).toBe(SDK_CLIENT_ID);
  });

  it('signs in through a loopback listener with PKCE and refreshes before expiry and after a 401', async () => {
    const tokens = await signIn();
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());

    const refreshed: TokenSet[] = [];
    const client = new PeakformClient({
      baseUrl: server.url,
      oauth: {
        ...tokens,
        clientId: PUBLIC_SDK_CLIENT_ID,
        expiresAt: Date.now() + 30_000, // inside the refresh margin
        onRefresh: (next) => void refreshed.push(next),
      },
    });
    expect(await client.listActivities()).toEqual([]);
    expect(refreshed).toHaveLength(1);
    expect(client.tokens.accessToken).toBe(refreshed[0]!.accessToken);
    expect(client.tokens.accessToken).not.toBe(tokens.accessToken);

    const stale = new PeakformClient({
      baseUrl: server.url,
      oauth: {
        accessToken: 'not-a-token',
        refreshToken: refreshed[0]!.refreshToken,
        clientId: PUBLIC_SDK_CLIENT_ID,
        expiresAt: Date.now() + 3_600_000,
      },
    });
    expect(await stale.listActivities()).toEqual([]);
    expect(stale.tokens.accessToken).not.toBe('not-a-token');
    await expect(stale.getActivity({ id: 'act_000000' })).rejects.toBeInstanceOf(PeakformNotFoundError);
  });
});
