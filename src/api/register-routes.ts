import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROUTES, type RouteSpec } from '../contract/index.ts';
import type { Engine, TabularResult } from '../engine/engine.ts';
import { writeArrowIpcStream } from '../query/formats/arrow-ipc-stream.ts';
import { writeCsv } from '../query/formats/csv.ts';
import { writeJsonRows } from '../query/formats/json-rows.ts';
import {
  type LakePlan,
  streamLakeArrow,
  streamLakeCsv,
  streamLakeJson,
} from '../query/formats/lake-arrow-stream.ts';
import { authenticate } from './auth.ts';
import type { HandlerContext, Handlers } from './handlers.ts';
import { SharedJsonArray, sharedJsonArrayBody } from './shared-json.ts';
import { MEDIA_TYPES, negotiateFormat } from './tabular-reply.ts';

/**
 * Registers every route of the contract with its handler: the path (and its aliases) as Fastify
 * spells it, the zod schemas that validate the request and the JSON response, the scope check,
 * and the reply for the route's kind of response.
 */
export function registerRoutes(app: FastifyInstance, engine: Engine, handlers: Handlers): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  for (const [operationId, route] of Object.entries(ROUTES) as [keyof Handlers, RouteSpec][]) {
    const handler = handlers[operationId] as unknown as (
      context: HandlerContext<RouteSpec>,
    ) => Promise<unknown>;
    const schema = {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { querystring: route.query } : {}),
      ...(route.body ? { body: route.body } : {}),
      ...(route.response.kind === 'json'
        ? { response: { [route.response.status]: route.response.schema } }
        : {}),
    };
    for (const path of [route.path, ...(route.aliases ?? [])]) {
      api.route({
        method: route.method,
        url: path.replace(/\{(\w+)\}/g, ':$1'),
        schema,
        onRequest: route.scope ? authenticate(engine, route.scope) : undefined,
        handler: async (request, reply) => {
          const result = await handler({
            params: request.params as never,
            query: request.query as never,
            body: request.body as never,
            athleteId: request.athleteId ?? '',
            request,
            reply,
          });
          return sendResult(route, request, reply, engine, result, operationId);
        },
      });
    }
  }
}

async function sendResult(
  route: RouteSpec,
  request: FastifyRequest,
  reply: FastifyReply,
  engine: Engine,
  result: unknown,
  operationId: string,
): Promise<FastifyReply> {
  const response = route.response;
  switch (response.kind) {
    case 'json':
      if (result instanceof SharedJsonArray) {
        if (!(response.schema instanceof z.ZodArray))
          throw new Error(`${operationId} does not answer an array`);
        // The bytes the route's serializer would write, from items encoded once (shared-json.ts).
        return reply
          .code(response.status)
          .header('content-type', 'application/json; charset=utf-8')
          .send(
            sharedJsonArrayBody(result.items, response.schema.element, {
              method: request.method,
              url: request.url,
            }),
          );
      }
      return reply.code(response.status).send(result);
    case 'empty':
      return reply.code(response.status).send();
    case 'ndjson':
      reply.header('content-type', 'application/x-ndjson; charset=utf-8');
      return reply.send(Readable.from(ndjson(result as AsyncIterable<unknown>), { objectMode: false }));
    case 'table': {
      const query = request.query as { format?: Parameters<typeof negotiateFormat>[1] };
      return sendTable(
        reply,
        engine,
        negotiateFormat(request, query.format),
        result as TabularResult,
        operationId,
      );
    }
  }
}

async function* ndjson(lines: AsyncIterable<unknown>): AsyncGenerator<string> {
  for await (const line of lines) yield `${JSON.stringify(line)}\n`;
}

/**
 * Sends a table in the negotiated format. Arrow, CSV and JSON are written batch by batch as the
 * batches arrive (or, for lake samples, as the workers make them); Parquet as it is made
 * (`streamParquet`). The first bytes are read before the status is sent, so a failing query is a
 * clean error rather than a truncated 200; a small table goes out whole with its length.
 */
async function sendTable(
  reply: FastifyReply,
  engine: Engine,
  format: ReturnType<typeof negotiateFormat>,
  result: TabularResult,
  fileName: string,
): Promise<FastifyReply> {
  const chunks: AsyncGenerator<string | Uint8Array> =
    format === 'parquet'
      ? engine.streamParquet(result)
      : result.lake
        ? await lakeChunks(format, result, result.lake)
        : await tableChunks(format, result);
  // A small table (a curve, a summary) goes out in one write with its length; a larger one streams.
  const head: (string | Uint8Array)[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < SMALL_BODY_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  reply.header('content-type', MEDIA_TYPES[format]);
  if (format !== 'json') reply.header('content-disposition', `attachment; filename="${fileName}.${format}"`);
  // One Buffer (its content type kept as set, a length sent): text joined first, bytes concatenated.
  if (done)
    return reply.send(
      head.every((chunk) => typeof chunk === 'string')
        ? Buffer.from(head.join(''))
        : Buffer.concat(head.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk))),
    );
  const rest = (async function* () {
    yield* head;
    yield* chunks;
  })();
  return reply.send(Readable.from(rest, { objectMode: false }));
}

/** The body of a table read straight from the lake's files by the worker pool (its batches unread). */
async function lakeChunks(
  format: 'arrow' | 'csv' | 'json',
  result: TabularResult,
  plan: LakePlan,
): Promise<AsyncGenerator<Uint8Array>> {
  await result.batches.return(undefined);
  return format === 'arrow'
    ? streamLakeArrow(plan)
    : format === 'csv'
      ? streamLakeCsv(plan)
      : streamLakeJson(plan);
}

/** The body of a table in a format written batch by batch, its first batch read already. */
async function tableChunks(
  format: 'arrow' | 'csv' | 'json',
  result: TabularResult,
): Promise<AsyncGenerator<string | Uint8Array>> {
  const first = await result.batches.next();
  const batches = (async function* () {
    if (!first.done) yield first.value;
    yield* result.batches;
  })();
  return format === 'arrow'
    ? writeArrowIpcStream(batches, result.columns)
    : format === 'csv'
      ? writeCsv(batches)
      : writeJsonRows(batches);
}

/** Bodies of tables up to this size are sent whole (with a content length) rather than streamed. */
const SMALL_BODY_BYTES = 64 * 1024;
