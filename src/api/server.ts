import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine/engine.ts';
import { buildApp } from './app.ts';

export interface ServeOptions {
  port: number;
  host: string;
  logger?: boolean;
  /** Requests a minute per API key (per address without one). */
  rateLimitPerMinute?: number;
  /** The URL clients reach the server at (the OAuth issuer); default the local URL it listens on. */
  publicUrl?: string;
}

/** Builds the app, listens, and closes the server and the engine on SIGINT/SIGTERM. */
export async function serve(
  engine: Engine,
  options: ServeOptions,
): Promise<{ app: FastifyInstance; url: string }> {
  let url = '';
  const app = await buildApp(engine, {
    logger: options.logger ?? true,
    rateLimitPerMinute: options.rateLimitPerMinute,
    publicUrl: options.publicUrl?.replace(/\/+$/, '') ?? (() => url),
  });
  const address = await app.listen({ port: options.port, host: options.host });
  url = address.replace(/\/\/(\[::1?\]|127\.0\.0\.1|0\.0\.0\.0)(?=:)/, '//localhost');
  const shutdown = async () => {
    await app.close();
    await engine.flush();
    engine.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return { app, url: options.publicUrl?.replace(/\/+$/, '') ?? url };
}
