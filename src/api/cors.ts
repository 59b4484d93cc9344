import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Cross-origin access to the API for browser apps on other origins (a dev server on
 * localhost:5173, a page hosted elsewhere). The API authenticates by the Authorization header
 * only, never by cookie, so any origin may call it: a foreign page gets nothing it could not get
 * with its own token. Credentials mode is never allowed, so the cookie-based sign-in and account
 * pages stay same-origin. Preflights are answered before routing, rate limiting or auth.
 */

const CORS_PATHS = ['/api/v1/', '/.well-known/', '/openapi.json', '/llms.txt', '/llms-full.txt'];
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, accept, accept-encoding, x-request-id';
/** What a client reads besides the CORS-safelisted headers: ids, back-off and pagination. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'content-disposition',
  'etag',
  'location',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
].join(', ');
const PREFLIGHT_MAX_AGE_S = '600';

const isCorsPath = (url: string) => CORS_PATHS.some((prefix) => url.startsWith(prefix));

export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.headers.origin || !isCorsPath(request.url)) return;
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      return reply
        .code(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', PREFLIGHT_MAX_AGE_S)
        .header('vary', 'origin, access-control-request-method, access-control-request-headers')
        .send();
    }
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
  });
}
