import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isPeakformError } from '../domain/errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  507: 'Insufficient Storage',
};

/** Fastify's own client errors, given our stable codes and a sentence that says how to fix them. */
const FASTIFY_CODES: Record<string, { code: string; detail: string }> = {
  FST_REQ_FILE_TOO_LARGE: {
    code: 'ERR_UPLOAD_TOO_LARGE',
    detail: 'A file is larger than the upload limit. Split it or compress it.',
  },
  FST_FILES_LIMIT: { code: 'ERR_UPLOAD_TOO_MANY_FILES', detail: 'Send at most 10 files per upload.' },
  FST_PARTS_LIMIT: { code: 'ERR_UPLOAD_TOO_MANY_PARTS', detail: 'Send at most 10 files per upload.' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    code: 'ERR_UPLOAD_NOT_MULTIPART',
    detail: 'Upload files as multipart/form-data (curl -F file=@ride.fit).',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'ERR_REQUEST_MEDIA_TYPE',
    detail: 'This content type is not accepted here; see /docs for what each route takes.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'ERR_REQUEST_TOO_LARGE', detail: 'The request body is too large.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'ERR_REQUEST_INVALID', detail: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'ERR_REQUEST_INVALID', detail: 'The body is not valid JSON.' },
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  request_id: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export function problem(
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): ProblemBody {
  return {
    type: `https://peakform.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    request_id: String(request.id),
    ...extra,
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/**
 * Tells a user's mistake from our bug: the first gets its stable code and a message that says how
 * to fix it; the second is logged in full and reaches the client as an internal error with the
 * request id and nothing else.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((issue) => ({
      path: `${error.validationContext ?? ''}${issue.instancePath.replaceAll('/', '.')}`,
      message: issue.message ?? 'invalid',
    }));
    const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    return sendProblem(
      reply,
      problem(request, 400, 'ERR_REQUEST_INVALID', `Invalid request. ${detail}`, { errors }),
    );
  }
  if (isPeakformError(error)) {
    return sendProblem(reply, problem(request, error.status, error.code, error.message, error.details ?? {}));
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return sendProblem(reply, problem(request, error.statusCode ?? 400, known.code, known.detail));
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return sendProblem(reply, problem(request, error.statusCode, 'ERR_REQUEST_INVALID', error.message));
  }
  if (isDiskFull(error)) {
    request.log.error({ err: error }, 'disk full');
    return sendProblem(
      reply,
      problem(
        request,
        507,
        'ERR_STORE_DISK_FULL',
        'The server’s disk is full; nothing was stored. Try again later.',
      ),
    );
  }
  request.log.error({ err: error }, 'internal error');
  return sendProblem(
    reply,
    problem(
      request,
      500,
      'ERR_INTERNAL',
      `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
    ),
  );
}

/** A write that failed for lack of space, from Node (ENOSPC) or from DuckDB (its message). */
function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC' || /No space left on device/i.test(e.message))
      return true;
  }
  return false;
}
