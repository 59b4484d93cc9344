import { hash, randomFillSync } from 'node:crypto';
import type { Socket } from 'node:net';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { buildOpenApiDocument } from '../contract/openapi.ts';
import { PeakformError } from '../domain/errors.ts';
import type { Engine } from '../engine/engine.ts';
import { registerCors } from './cors.ts';
import { createHandlers, MAX_UPLOAD_FILES } from './handlers.ts';
import { registerIdentity } from './identity/register-identity.ts';
import { registerTeamPages } from './identity/team-pages.ts';
import { registerLlmsTxt } from './llms-txt.ts';
import { registerPagesSite } from './pages-site.ts';
import { handleError, problem, sendProblem } from './problem.ts';
import { registerRoutes } from './register-routes.ts';
import { registerWebApp } from './web-app.ts';

export interface AppOptions {
  logger?: boolean;
  /** Where the log goes when logging (default standard output); tests read it. */
  logStream?: NodeJS.WritableStream;
  /** Requests per minute per API key (per address for requests without one); default 1,200. */
  rateLimitPerMinute?: number;
  /** Uploads processed at once; more answer 429 with Retry-After. Default 4. */
  maxConcurrentUploads?: number;
  /** Largest accepted file in an upload. */
  maxFileBytes?: number;
  version?: string;
  /** The public URL clients reach the server at: the OAuth issuer. Default: the address it listens on. */
  publicUrl?: string | (() => string);
  /** Runs the webhook delivery worker while the app is open (default true). */
  webhookDelivery?: boolean;
  /** Where the web app's build is (default dist/web/ of the project); served at /app/. */
  webAppDir?: string;
}

export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_URL_LENGTH = 8 * 1024;

/** Builds the HTTP API over an engine from the route contract; never listens (server.ts does). */
export async function buildApp(engine: Engine, options: AppOptions = {}): Promise<FastifyInstance> {
  const version = options.version ?? '0.1.0';
  const app = Fastify({
    logger: options.logger
      ? {
          ...(options.logStream ? { stream: options.logStream } : {}),
          // One-time codes and tokens can travel in URLs (authorization codes, portal links): never logged.
          serializers: {
            req: (request) => ({
              method: request.method,
              url: redactUrl(request.url),
              host: request.host,
              remoteAddress: request.ip,
            }),
          },
        }
      : false,
    genReqId: nextRequestId,
    // One log line per request, written when it is answered (below), rather than two. Our error
    // and not-found handlers log for themselves, so nothing else Fastify would log is lost.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // The official clients send some paths with a trailing slash and never follow redirects:
    // both spellings reach the same handler.
    routerOptions: { ignoreTrailingSlash: true },
    // A client that cancels a streamed download may leave an idle keep-alive socket; close it on shutdown.
    forceCloseConnections: true,
    // Errors Node's HTTP parser finds before Fastify sees a request still answer problem+json.
    clientErrorHandler: answerClientError,
  });
  if (options.logger) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    });
  }
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.url.length > MAX_URL_LENGTH) {
      return sendProblem(
        reply,
        problem(
          request,
          414,
          'ERR_URI_TOO_LONG',
          `The URL has ${request.url.length} characters; at most ${MAX_URL_LENGTH} are read.`,
        ),
      );
    }
  });
  registerCors(app);
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute ?? 1200,
    timeWindow: 60_000,
    enableDraftSpec: true,
    // One budget per API key (a hash of it: the token itself is never kept), else per address.
    keyGenerator: (request) => {
      const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
      return bearer ? `key:${hash('sha256', bearer)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new PeakformError(
        'ERR_RATE_LIMITED',
        `Too many requests: at most ${context.max} a minute. Retry after ${context.after}.`,
      ),
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(
        request,
        404,
        'ERR_ROUTE_NOT_FOUND',
        `No route ${request.method} ${request.url}. See /docs for the API.`,
      ),
    ),
  );

  await app.register(multipart, {
    limits: { fileSize: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, files: MAX_UPLOAD_FILES, fields: 20 },
    throwFileSizeLimit: true,
  });
  // Form bodies (PUT /users/{id} as the SDK sends it, the account pages' forms) parse to an object
  // for the route's zod schema; the identity routes keep their own raw-string parser in their scope.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  const document = buildOpenApiDocument({ version });
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => document);
  registerLlmsTxt(app, { version, document });

  await registerIdentity(app, engine, { publicUrl: options.publicUrl });
  // A configured public URL; otherwise the team routes derive it from the request.
  const fixedPublicUrl = typeof options.publicUrl === 'string' ? options.publicUrl : undefined;
  registerTeamPages(app, engine, { publicUrl: fixedPublicUrl });
  registerRoutes(
    app,
    engine,
    createHandlers(engine, {
      version,
      maxConcurrentUploads: options.maxConcurrentUploads ?? 4,
      publicUrl: fixedPublicUrl,
    }),
  );
  registerWebApp(app, { dir: options.webAppDir });
  // Applications' static sites at /pages/<slug>/ (issue 13).
  registerPagesSite(app, engine);
  // Webhook deliveries run while the server does (issue 10); the outbox keeps them otherwise.
  if (options.webhookDelivery !== false) {
    engine.webhooks.startDelivery();
    app.addHook('onClose', async () => engine.webhooks.stopDelivery());
  }
  // Import jobs run while the server does (issue 11); one that is stopped resumes on the next start.
  await engine.imports.start();
  app.addHook('onClose', async () => engine.imports.stop());
  return app;
}

/**
 * Request ids (`req_` and 16 random hex digits), cut from a pool of randomness filled 512 ids at a
 * time: one call into the kernel per id cost a few per cent of a busy server's CPU.
 */
const REQUEST_ID_POOL = Buffer.alloc(8 * 512);
let requestIdOffset = REQUEST_ID_POOL.length;
function nextRequestId(): string {
  if (requestIdOffset === REQUEST_ID_POOL.length) {
    randomFillSync(REQUEST_ID_POOL);
    requestIdOffset = 0;
  }
  requestIdOffset += 8;
  return `req_${REQUEST_ID_POOL.toString('hex', requestIdOffset - 8, requestIdOffset)}`;
}

const SECRET_PARAMETERS = [
  'code',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'password',
  'id_token_hint',
];

/**
 * Could a URL hold a secret? A cheap, conservative first look: "portal" anywhere, or a query that
 * names a secret parameter anywhere or holds an escape (a name can be percent-encoded).
 */
const MAYBE_SECRET = new RegExp(`portal|\\?.*(%|${SECRET_PARAMETERS.join('|')})`);

/** A URL as logged: secret-bearing query parameters and one-time path tokens masked. */
export function redactUrl(url: string): string {
  if (!MAYBE_SECRET.test(url)) return url;
  const parsed = new URL(url, 'http://peakform.invalid');
  for (const name of SECRET_PARAMETERS)
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '[redacted]');
  const path = parsed.pathname.replace(/^\/portal\/[^/]+/, '/portal/[redacted]');
  return `${path}${parsed.search}`;
}

/** Node's parser errors (headers or URL too large, malformed requests) as problem+json, then close. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'ERR_HEADERS_TOO_LARGE',
          'The request line and headers are larger than the server reads (16 KiB).',
        ]
      : [400, 'ERR_REQUEST_INVALID', 'The request is not valid HTTP.'];
  const body = JSON.stringify({
    type: `https://peakform.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request',
    status,
    code,
    detail,
  });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
