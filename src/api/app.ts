import { randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { HealthSchema } from '../domain/wire.ts';
import type { Engine } from '../engine/engine.ts';
import { requireAthlete } from './auth.ts';
import { handleError, problem, sendProblem } from './problem.ts';
import { activityRoutes } from './routes/activities.ts';
import { longitudinalRoutes } from './routes/longitudinal.ts';
import { profileRoutes } from './routes/profile.ts';
import { MAX_UPLOAD_FILES, sourceRoutes } from './routes/sources.ts';

export interface AppOptions {
  logger?: boolean;
  /** Largest accepted file in an upload. */
  maxFileBytes?: number;
  version?: string;
}

export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Builds the HTTP API over an engine; never listens (server.ts does). */
export async function buildApp(engine: Engine, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => `req_${randomBytes(8).toString('hex')}`,
    bodyLimit: 1024 * 1024,
    // A client that cancels a streamed download may leave an idle keep-alive socket; close it on shutdown.
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
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
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Peakform API',
        version: options.version ?? '0.1.0',
        description:
          'Activities from any wearable in one canonical per-second shape. Authenticate with a personal API key: `Authorization: Bearer <token>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  api.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Liveness', security: [], response: { 200: HealthSchema } } },
    async () => ({ status: 'ok' as const, version: options.version ?? '0.1.0' }),
  );

  await app.register(async (scoped) => {
    scoped.addHook('onRequest', requireAthlete(engine));
    longitudinalRoutes(scoped, engine);
    activityRoutes(scoped, engine);
    profileRoutes(scoped, engine);
    sourceRoutes(scoped, engine);
  });
  return app;
}
