import { createServer, type Server } from 'node:http';

/**
 * A native app's loopback redirect listener, as the SweatStack SDK opens one (WIRE.md §5.2): it
 * reads `code` (or `error`) from whatever path the browser lands on and answers a short page.
 */
export interface LoopbackListener {
  port: number;
  /** Resolves with the query of the first redirect that reaches the listener. */
  redirect: Promise<URLSearchParams>;
  close(): Promise<void>;
}

export async function openLoopbackListener(portRange?: [number, number]): Promise<LoopbackListener> {
  let deliver!: (query: URLSearchParams) => void;
  const redirect = new Promise<URLSearchParams>((resolve) => {
    deliver = resolve;
  });
  const server: Server = createServer((request, response) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Signed in</title><p>You can close this window.</p>');
    deliver(query);
  });
  for (let attempt = 0; ; attempt++) {
    const port = portRange ? portRange[0] + Math.floor(Math.random() * (portRange[1] - portRange[0])) : 0;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      break;
    } catch (error) {
      if (attempt > 20) throw error;
    }
  }
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('listener has no port');
  return {
    port: address.port,
    redirect,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
