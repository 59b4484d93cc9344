import { randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { buildOpenApiDocument } from '../contract/openapi.ts';
import type { Engine } from '../engine/engine.ts';
import { createHandlers, MAX_UPLOAD_FILES } from './handlers.ts';
import { handleError, problem, sendProblem } from './problem.ts';
import { registerRoutes } from './register-routes.ts';

export interface AppOptions {
  logger?: boolean;
  /** Largest accepted file in an upload. */
  maxFileBytes?: number;
  version?: string;
}

export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Builds the HTTP API over an engine from the route contract; never listens (server.ts does). */
export async function buildApp(engine: Engine, options: AppOptions = {}): Promise<FastifyInstance> {
  const version = options.version ?? '0.1.0';
  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => `req_${randomBytes(8).toString('hex')}`,
    bodyLimit: 1024 * 1024,
    // The official clients send some paths with a trailing slash and never follow redirects:
    // both spellings reach the same handler.
    routerOptions: { ignoreTrailingSlash: true },
    // A client that cancels a streamed download may leave an idle keep-alive socket; close it on shutdown.
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
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
  const document = buildOpenApiDocument({ version });
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => document);

  registerRoutes(app, engine, createHandlers(engine, { version }));
  return app;
}
