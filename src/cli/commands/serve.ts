import { parseArgs } from 'node:util';
import type { Engine } from '../../engine/engine.ts';
import { UsageError } from '../cli-error.ts';
import { openEngine } from '../open-engine.ts';
import { USAGE } from '../usage.ts';

export const SERVE_USAGE = USAGE.serve;

/** The flags of every command that serves the API (`serve`, `demo`). */
export const SERVE_OPTIONS = {
  data: { type: 'string' },
  port: { type: 'string', default: process.env.PORT ?? '8787' },
  host: { type: 'string', default: '127.0.0.1' },
  'rate-limit': { type: 'string', default: process.env.PEAKFORM_RATE_LIMIT ?? '1200' },
  // The URL browsers and apps reach the server at (behind a proxy: its https URL); the OAuth issuer.
  'public-url': { type: 'string', default: process.env.PEAKFORM_PUBLIC_URL },
} as const;

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: SERVE_OPTIONS });
  const port = parsePort(values.port);
  const engine = await openEngine(values.data);
  engine.warmUp();
  const { app, url } = await (await import('../../api/server.ts')).serve(engine, {
    port,
    host: values.host,
    logger: true,
    rateLimitPerMinute: parseRateLimit(values['rate-limit']),
    publicUrl: parsePublicUrl(values['public-url']),
  });
  await openAdminChannel(engine, (error) => app.log.error({ err: error }, 'admin request failed'));
  process.stdout.write(`Peakform API on ${url} (docs: ${url}/docs, data: ${engine.dataDir})\n`);
  await new Promise(() => {});
  return 0;
}

/**
 * Opens the admin socket of a serving engine (after the API listens), so that CLI commands on the
 * same data dir run inside this process instead of failing on DuckDB's lock; closed on
 * SIGINT/SIGTERM, and its file removed on exit. A server that cannot open it still serves.
 */
export async function openAdminChannel(engine: Engine, logError?: (error: unknown) => void): Promise<void> {
  const { openAdminSocket } = await import('../admin/admin-socket.ts');
  try {
    const socket = await openAdminSocket(engine, engine.dataDir, { logError });
    process.once('SIGINT', () => socket.close());
    process.once('SIGTERM', () => socket.close());
  } catch (error) {
    process.stderr.write(
      `peakform: no admin socket (${error instanceof Error ? error.message : String(error)}); CLI commands on ${engine.dataDir} will fail while this server runs.\n`,
    );
  }
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${value} is not a port number (0–65535).`);
  return port;
}

export function parsePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const url = URL.parse(value);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash) {
    throw new UsageError(`--public-url ${value} is not an http(s) URL without query or fragment.`);
  }
  return value.replace(/\/+$/, '');
}

export function parseRateLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--rate-limit ${value} is not a positive number of requests a minute.`);
  return limit;
}
