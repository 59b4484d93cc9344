import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../engine/engine.ts';

/**
 * Serves each application's deployed site at `/pages/<slug>/` from the version the catalog names
 * (outside /api/v1 and the contract, like the web app at /app/). A folder answers its index.html,
 * `/pages/<slug>` and folders without their slash redirect to it, and nothing outside the version
 * folder is ever read (decoded `..`, slashes or NULs in a segment, symbolic links: 404).
 */

/**
 * The Content-Security-Policy of a page: everything from this origin only, no inline script, no
 * framing either way. A page shares the origin of the server's cookie-authenticated sign-in and
 * account pages, so it may connect only to the bearer-token API and its own files (not to
 * /account or /oauth/authorize), may not frame anything, and is opened in its own browsing context
 * group (COOP), so a window it opens on the account pages is out of its reach.
 */
export function pagesCsp(origin: string, slug: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${origin}/api/ ${origin}/pages/${slug}/`,
    "frame-src 'none'",
    "worker-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** HTML is revalidated on every load; other files for a minute, since their names are not hashed. */
const HTML_CACHE = 'no-cache';
const ASSET_CACHE = 'public, max-age=60, must-revalidate';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.parquet': 'application/vnd.apache.parquet',
  '.arrow': 'application/vnd.apache.arrow.file',
};

const SLUG = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

export function registerPagesSite(app: FastifyInstance, engine: Engine): void {
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const [rawPath = '', search] = splitOnce(request.url, '?');
    const match = /^\/pages\/([^/]*)(\/.*)?$/.exec(rawPath);
    const slug = match?.[1] ?? '';
    // The origin pages are reached at: the OAuth issuer's (set at the first request), else the request's.
    const origin = new URL(engine.identity.issuer ?? `${request.protocol}://${request.host}`).origin;
    secure(reply, pagesCsp(origin, SLUG.test(slug) ? slug : 'none'));
    if (!match || !SLUG.test(slug)) return notFound(reply, 'No such page.');
    const query = search === undefined ? '' : `?${search}`;
    if (match[2] === undefined) return reply.redirect(`/pages/${slug}/${query}`, 301);
    const segments = decodeSegments(match[2].slice(1));
    if (!segments) return notFound(reply, 'No such file.');
    const relative = segments.join('/');
    if (!rawPath.endsWith('/') && (await engine.pages.isServedFolder(slug, relative))) {
      return reply.redirect(`${rawPath}/${query}`, 301);
    }
    const file = await engine.pages.findServedFile(slug, relative);
    if (!file) return notFound(reply, `No file ${relative || 'index.html'} on page ${slug}.`);
    const etag = `"v${file.version}-${file.sizeBytes.toString(36)}-${Math.floor(file.mtimeMs).toString(36)}"`;
    const type = CONTENT_TYPES[extname(file.relativePath).toLowerCase()] ?? 'application/octet-stream';
    reply
      .header('etag', etag)
      .header('cache-control', type.startsWith('text/html') ? HTML_CACHE : ASSET_CACHE)
      .header('content-type', type);
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
    reply.header('content-length', file.sizeBytes);
    if (request.method === 'HEAD') return reply.send();
    return reply.send(createReadStream(file.path));
  };
  app.get('/pages/:slug', { schema: { hide: true } }, serve);
  app.get('/pages/:slug/*', { schema: { hide: true } }, serve);
}

function secure(reply: FastifyReply, csp: string): FastifyReply {
  return reply
    .header('content-security-policy', csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin');
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(404)
    .header('content-type', 'text/plain; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`${message}\n`);
}

/** Percent-decoded path segments, or undefined when one is malformed or could leave its folder. */
function decodeSegments(path: string): string[] | undefined {
  const segments: string[] = [];
  for (const encoded of path.split('/')) {
    if (encoded === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
    if (segment === '.' || segment === '..' || /[/\\]/.test(segment) || hasControl(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}
