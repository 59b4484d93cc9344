import { createServer } from 'node:http';
import { beginSignIn, completeSignIn, PUBLIC_SDK_CLIENT_ID, type TokenSet } from './auth.ts';

/**
 * Sign-in for Node programs (CLIs, notebooks, scripts): a loopback redirect listener on a free
 * port of 127.0.0.1, the authorize URL handed to `openBrowser` (print it, or open it with your
 * platform's opener), and the code exchanged with PKCE when the browser comes back. The only file
 * of the SDK that uses Node APIs; it is its own entry (`@peakform/sdk/node`), never reached from
 * the browser-safe `index.ts`.
 */
export interface LoopbackSignInOptions {
  baseUrl: string;
  /** A public client that allows loopback redirects; the official SDKs' client by default. */
  clientId?: string;
  scope?: string;
  /** Called with the URL the user must open; prints it to stderr by default. */
  openBrowser?: (url: string) => void | Promise<void>;
  /** Give up after this long; 5 minutes by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export async function signInWithLoopback(options: LoopbackSignInOptions): Promise<TokenSet> {
  let deliver!: (query: URLSearchParams) => void;
  const redirected = new Promise<URLSearchParams>((resolve) => {
    deliver = resolve;
  });
  const server = createServer((request, response) => {
    const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
    if (!query.has('code') && !query.has('error')) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Signed in</title><p>You can close this window.</p>');
    deliver(query);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('the loopback listener has no port');
    const pending = await beginSignIn({
      baseUrl: options.baseUrl,
      clientId: options.clientId ?? PUBLIC_SDK_CLIENT_ID,
      redirectUri: `http://127.0.0.1:${address.port}`,
      ...(options.scope ? { scope: options.scope } : {}),
    });
    await (
      options.openBrowser ?? ((url) => void process.stderr.write(`Open this URL to sign in:\n${url}\n`))
    )(pending.url);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('sign-in timed out')), options.timeoutMs ?? 300_000);
    });
    const query = await Promise.race([redirected, timeout]);
    return await completeSignIn(
      options.baseUrl,
      pending,
      query,
      options.fetch ? { fetch: options.fetch } : {},
    );
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export * from './index.ts';
