import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PeakformError } from '../../domain/errors.ts';
import type { SourceRecord } from '../../domain/wire.ts';
import {
  ProblemSchema,
  SourceIdParamsSchema,
  SourceSchema,
  UploadResponseSchema,
} from '../../domain/wire.ts';
import type { Engine } from '../../engine/engine.ts';
import { problem, sendProblem } from '../problem.ts';

export const MAX_UPLOAD_FILES = 10;

export function sourceRoutes(app: FastifyInstance, engine: Engine): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/api/v1/activities/upload',
    {
      schema: {
        tags: ['activities'],
        summary: 'Upload up to 10 activity files (FIT, TCX, GPX, CSV)',
        description:
          'multipart/form-data with one or more file parts (any field name) and optional `tags` fields. Each file becomes a source with its status: `processed`, `duplicate` (the same bytes were stored before; nothing changed) or `failed` (with an error). 201 when at least one file was stored, 422 when none could be read.',
        consumes: ['multipart/form-data'],
        response: {
          201: UploadResponseSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          413: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new PeakformError(
          'ERR_UPLOAD_NOT_MULTIPART',
          'Upload files as multipart/form-data, e.g. curl -F file=@ride.fit …/api/v1/activities/upload.',
          415,
        );
      }
      const files: { name: string; bytes: Buffer }[] = [];
      const tags: string[] = [];
      for await (const part of request.parts()) {
        if (part.type === 'file') files.push({ name: part.filename, bytes: await part.toBuffer() });
        else if (part.fieldname === 'tags' && typeof part.value === 'string' && part.value.trim())
          tags.push(part.value.trim());
      }
      if (files.length === 0) {
        throw new PeakformError(
          'ERR_UPLOAD_EMPTY',
          'The upload holds no file part. Attach files with -F file=@ride.fit.',
        );
      }
      const sources: SourceRecord[] = [];
      for (const file of files) {
        sources.push(await engine.ingest(request.athleteId, file.bytes, { fileName: file.name, tags }));
      }
      if (sources.every((s) => s.status === 'failed')) {
        const reasons = sources.map((s) => `${s.file_name}: ${s.error?.message}`).join('; ');
        return sendProblem(
          reply,
          problem(request, 422, 'ERR_UPLOAD_UNREADABLE', `No file could be read. ${reasons}`, { sources }),
        );
      }
      return reply.code(201).send({ sources });
    },
  );

  api.get(
    '/api/v1/sources/:id',
    {
      schema: {
        tags: ['activities'],
        summary: 'An uploaded file: status, error and the activity ids it produced',
        params: SourceIdParamsSchema,
        response: { 200: SourceSchema, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => engine.getSource(request.athleteId, request.params.id),
  );
}
