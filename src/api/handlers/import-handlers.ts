import type { FastifyRequest } from 'fastify';
import { isPeakformError, PeakformError } from '../../domain/errors.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Handlers } from '../handler-types.ts';

type ImportOperation = 'listImports' | 'createImport' | 'getImport' | 'cancelImport';

/** Seconds a client is asked to wait when the import queue is full. */
const QUEUE_FULL_RETRY_AFTER_S = 5;

/**
 * Import jobs (issue 11): the body is read as the upload route reads it (same parts, limits and
 * errors), the files staged on disk, and the job answered 202 with its Location while it runs.
 */
export function createImportHandlers(engine: Engine): Pick<Handlers, ImportOperation> {
  const { imports } = engine;
  return {
    listImports: async ({ athleteId, query }) => imports.list(athleteId, query),
    getImport: async ({ athleteId, params }) => imports.get(athleteId, params.id),
    cancelImport: async ({ athleteId, params }) => imports.cancel(athleteId, params.id),
    createImport: async ({ athleteId, request, reply }) => {
      if (!request.isMultipart()) {
        throw new PeakformError(
          'ERR_UPLOAD_NOT_MULTIPART',
          'Send the files as multipart/form-data, e.g. curl -F files=@ride.fit …/api/v1/imports.',
        );
      }
      let draft: ReturnType<typeof imports.draft>;
      try {
        draft = imports.draft(athleteId);
      } catch (error) {
        if (isPeakformError(error) && error.code === 'ERR_UPLOAD_BUSY')
          reply.header('retry-after', String(QUEUE_FULL_RETRY_AFTER_S));
        throw error;
      }
      try {
        const tags = await receiveParts(request, draft);
        if (draft.fileCount === 0) {
          throw new PeakformError(
            'ERR_UPLOAD_EMPTY',
            'The upload holds no file part. Attach files with -F files=@ride.fit.',
          );
        }
        const job = await draft.submit(tags);
        reply.header('location', `/api/v1/imports/${job.id}`);
        return job;
      } finally {
        await draft.discard();
      }
    },
  };
}

/** Stages each file part (any part name) and collects the `tags` fields; a body that breaks off is a 400. */
async function receiveParts(
  request: FastifyRequest,
  draft: { stage(name: string, stream: NodeJS.ReadableStream): Promise<void> },
): Promise<string[]> {
  const tags: string[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') await draft.stage(part.filename, part.file);
      else if (part.fieldname === 'tags' && typeof part.value === 'string' && part.value.trim())
        tags.push(part.value.trim());
    }
  } catch (error) {
    // Limits come as Fastify's coded errors (413s); anything else is a body the parser could not read.
    if ((error as { code?: string }).code?.startsWith('FST_')) throw error;
    throw new PeakformError(
      'ERR_UPLOAD_MALFORMED',
      `The multipart body could not be read (${(error as Error).message}). Send multipart/form-data with a boundary and complete parts.`,
    );
  }
  return tags;
}
