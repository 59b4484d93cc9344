import { z } from 'zod';
import { ImportIdParamsSchema, ImportJobSchema, ImportListQuerySchema } from '../domain/wire-imports.ts';
import { AUTH_ERRORS, defineRoute, UPLOAD_ERRORS } from './route.ts';

/**
 * Import jobs (issue 11, a Peakform addition; WIRE.md's upload route is unchanged): the files of a
 * multipart upload are staged under the data dir and ingested in the background through the bulk
 * path, batch by batch; the job reports its progress (files, samples, rate, ETA) and each file's
 * outcome until it ends. Jobs live in the catalog: a restarted server resumes an unfinished one.
 */
export const IMPORT_ROUTES = {
  listImports: defineRoute({
    operationId: 'listImports',
    method: 'GET',
    path: '/api/v1/imports',
    tag: 'imports',
    summary: 'The athlete’s import jobs, newest first (Peakform route)',
    scope: 'data:read',
    query: ImportListQuerySchema,
    response: { kind: 'json', status: 200, schema: z.array(ImportJobSchema), doc: 'Newest first.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID'],
  }),
  createImport: defineRoute({
    operationId: 'createImport',
    method: 'POST',
    path: '/api/v1/imports',
    tag: 'imports',
    summary: 'Import activity files in the background and follow the progress (Peakform route)',
    description:
      'The body is what `POST /api/v1/activities/upload` takes (multipart/form-data, one part per file, at most 10, optional `tags` fields; the same size limits). The files are stored on the server before the answer, 202 with the job and its `Location`; then they are ingested in batches (one catalog transaction per batch). Poll `GET /api/v1/imports/{id}` for `files_done`, `samples`, `samples_per_s`, `eta_s` and each file’s outcome (its source, as the upload route answers it, or the problem of a failed file). One job per athlete runs at a time; the others wait their turn (`queue_position`). When the queue is full the answer is 429 with `Retry-After`.',
    scope: 'data:write',
    bodyType: 'multipart',
    response: {
      kind: 'json',
      status: 202,
      schema: ImportJobSchema,
      doc: 'The job, queued.',
      headers: { Location: 'The job: `/api/v1/imports/{id}`.' },
    },
    errors: [...AUTH_ERRORS, ...UPLOAD_ERRORS],
  }),
  getImport: defineRoute({
    operationId: 'getImport',
    method: 'GET',
    path: '/api/v1/imports/{id}',
    tag: 'imports',
    summary: 'An import job: state, progress, rate, ETA and each file’s outcome (Peakform route)',
    scope: 'data:read',
    params: ImportIdParamsSchema,
    response: { kind: 'json', status: 200, schema: ImportJobSchema, doc: 'The job.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_IMPORT_NOT_FOUND'],
  }),
  cancelImport: defineRoute({
    operationId: 'cancelImport',
    method: 'DELETE',
    path: '/api/v1/imports/{id}',
    tag: 'imports',
    summary: 'Cancel an import job (Peakform route)',
    description:
      'A queued job ends at once; a running one at the end of its current batch (`cancel_requested` is true until then). Batches already committed stay; the files not reached are `skipped`. A job that has ended is answered as it is.',
    scope: 'data:write',
    params: ImportIdParamsSchema,
    response: { kind: 'json', status: 200, schema: ImportJobSchema, doc: 'The job now.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_IMPORT_NOT_FOUND'],
  }),
} as const;
