import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Serves the web app's build (`dist/web/`, made by scripts/build-web.ts) at /app/: hashed assets
 * with a year of immutable caching, index.html for every other /app/ path (the OAuth callback and
 * deep links) without caching, all under a strict Content-Security-Policy. Without a build, /app/
 * answers a 503 page that says how to make one. The app is a client of the public API only.
 */
export const DEFAULT_WEB_APP_DIR = resolve(import.meta.dirname, '../../dist/web');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * Scripts only from this origin; no inline script, eval, plugins, frames or foreign connections.
 * Styles allow inline because Observable Plot writes a <style> element and style attributes into
 * each chart's SVG.
 */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_NAME = /^[\w-]+\.(?:js|css|txt|svg|png|woff2)$/;

export function registerWebApp(app: FastifyInstance, options: { dir?: string } = {}): void {
  const dir = options.dir ?? DEFAULT_WEB_APP_DIR;
  const secure = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', WEB_APP_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');

  const page = async (_request: FastifyRequest, reply: FastifyReply) => {
    secure(reply);
    let html: string;
    try {
      html = await readFile(join(dir, 'index.html'), 'utf8');
    } catch {
      return reply
        .code(503)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('retry-after', '60')
        .send(NOT_BUILT);
    }
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(html);
  };

  app.get('/app/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = request.params as { name: string };
    secure(reply);
    const body = ASSET_NAME.test(name) ? await readFile(join(dir, 'assets', name)).catch(() => null) : null;
    if (!body) {
      return reply
        .code(404)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(`No asset ${name}: rebuild the web app (npm run build:web) and reload.`);
    }
    // Names carry the content hash (esbuild [name]-[hash]): a new build gives new names.
    return reply
      .header('content-type', CONTENT_TYPES[extname(name)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(body);
  });
  app.get('/app', { schema: { hide: true } }, page);
  app.get('/app/*', { schema: { hide: true } }, page);
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Web app not built · Peakform</title></head>
<body><main>
<h1>The web app is not built</h1>
<p>This server has no build of the Peakform web app. From the project folder run
<code>npm run build:web</code> (it runs on <code>npm ci</code> too, when dev dependencies are
installed), then reload this page.</p>
<p>The API itself works: see <a href="/docs">/docs</a>.</p>
</main></body></html>
`;
