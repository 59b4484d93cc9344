import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PeakformError } from '../../domain/errors.ts';
import {
  ActivityDataQuerySchema,
  ActivityDetailSchema,
  ActivityIdParamsSchema,
  ActivityListQuerySchema,
  ActivityListSchema,
  ActivitySchema,
  LatestActivityQuerySchema,
  ProblemSchema,
} from '../../domain/wire.ts';
import type { Engine } from '../../engine/engine.ts';
import { negotiateFormat, sendTabular } from '../tabular-reply.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema };

export function activityRoutes(app: FastifyInstance, engine: Engine): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/activities',
    {
      schema: {
        tags: ['activities'],
        summary: 'List activities, newest first',
        querystring: ActivityListQuerySchema,
        response: { 200: ActivityListSchema, ...problems },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.start && q.end && q.start > q.end) {
        throw new PeakformError(
          'ERR_DATE_RANGE_INVALID',
          `start (${q.start}) is after end (${q.end}); swap them.`,
        );
      }
      const data = await engine.listActivities(request.athleteId, q);
      return { data, limit: q.limit, offset: q.offset };
    },
  );

  api.get(
    '/api/v1/activities/latest',
    {
      schema: {
        tags: ['activities'],
        summary: 'The most recent activity, optionally of one sport',
        querystring: LatestActivityQuerySchema,
        response: { 200: ActivitySchema, ...problems },
      },
    },
    async (request) => {
      const latest = await engine.findLatestActivity(request.athleteId, request.query.sport);
      if (!latest) {
        throw new PeakformError(
          'ERR_ACTIVITY_NOT_FOUND',
          `No activities${request.query.sport ? ` of sport ${request.query.sport}` : ''} yet. Upload one with POST /api/v1/activities/upload.`,
          404,
        );
      }
      return latest;
    },
  );

  api.get(
    '/api/v1/activities/:id',
    {
      schema: {
        tags: ['activities'],
        summary: 'One activity with its summary and laps',
        params: ActivityIdParamsSchema,
        response: { 200: ActivityDetailSchema, ...problems },
      },
    },
    async (request) => engine.getActivity(request.athleteId, request.params.id),
  );

  api.get(
    '/api/v1/activities/:id/data',
    {
      schema: {
        tags: ['activities'],
        summary: 'The per-second samples of an activity',
        description:
          'Arrow IPC stream, Parquet, CSV or JSON, by `Accept` (application/vnd.apache.arrow.stream, application/vnd.apache.parquet, text/csv, application/json) or `?format=`. Columns: `timestamp` (UTC) and the chosen metrics; missing readings are null.',
        params: ActivityIdParamsSchema,
        querystring: ActivityDataQuerySchema,
        response: {
          200: z.any().describe('A table in the negotiated format.'),
          ...problems,
          406: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const format = negotiateFormat(request, request.query.format);
      const { id } = request.params;
      const result = await engine.streamActivityData(request.athleteId, id, request.query.metrics);
      return sendTabular(reply, engine, format, result, id);
    },
  );

  api.delete(
    '/api/v1/activities/:id',
    {
      schema: {
        tags: ['activities'],
        summary: 'Delete an activity (its samples and catalog rows; the original file is kept)',
        params: ActivityIdParamsSchema,
        response: { 204: z.null().describe('Deleted.'), ...problems },
      },
    },
    async (request, reply) => {
      await engine.deleteActivity(request.athleteId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
