import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { BodyOf, OperationId, ParamsOf, QueryOf, RouteSpec, Routes } from '../contract/index.ts';
import type { TabularResult } from '../engine/engine.ts';
import type { SharedJsonArray } from './shared-json.ts';

/** The types of handlers, apart from handlers.ts so that the per-resource handler files import no circle. */
export interface HandlerContext<R extends RouteSpec> {
  params: ParamsOf<R>;
  query: QueryOf<R>;
  body: BodyOf<R>;
  /** The athlete the bearer acts for (empty on public routes). */
  athleteId: string;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** What a handler returns, by the kind of response its route declares. */
export type HandlerResult<R extends RouteSpec> = R['response'] extends {
  kind: 'json';
  schema: infer S extends z.ZodType;
}
  ? z.input<S> | (z.input<S> extends readonly (infer I)[] ? SharedJsonArray<I> : never)
  : R['response'] extends { kind: 'table' }
    ? TabularResult
    : R['response'] extends { kind: 'ndjson'; schema: infer S extends z.ZodType }
      ? AsyncIterable<z.input<S>>
      : undefined;

export type Handler<R extends RouteSpec> = (context: HandlerContext<R>) => Promise<HandlerResult<R>>;
export type Handlers = { [K in OperationId]: Handler<Routes[K]> };
