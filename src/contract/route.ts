import type { z } from 'zod';
import type { ColumnType } from '../domain/column-types.ts';
import type { ErrorCode } from '../domain/error-catalog.ts';

/**
 * A route declared once: path, parameters, body, response (a JSON schema or a table spec), the
 * scope it needs and the errors it may answer. The Fastify routes, the OpenAPI document, the SDK
 * and the contract tests are all derived from these declarations.
 */
export type Scope = 'data:read' | 'data:write' | 'profile';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One column of a tabular response, in the order it is sent. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  unit?: string;
  nullable: boolean;
  /** Present in every response (else only when asked for, e.g. one per requested metric). */
  required: boolean;
  doc: string;
}

export interface TableSpec {
  name: string;
  doc: string;
  columns: readonly ColumnSpec[];
}

export type ResponseSpec =
  | {
      kind: 'json';
      status: 200 | 201 | 202;
      schema: z.ZodType;
      doc: string;
      /** Response headers the route sets (name → meaning), e.g. a 202's `Location`. */
      headers?: Readonly<Record<string, string>>;
    }
  | { kind: 'table'; table: TableSpec }
  | { kind: 'ndjson'; schema: z.ZodType; doc: string }
  | { kind: 'empty'; status: 204; doc: string };

export interface RouteSpec {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI form (`/api/v1/activities/{id}`); served with and without a trailing slash. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The scope the bearer needs; null for a public route. */
  scope: Scope | null;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** `form`: application/x-www-form-urlencoded (JSON is accepted too). */
  bodyType?: 'json' | 'multipart' | 'form';
  response: ResponseSpec;
  errors: readonly ErrorCode[];
  /** Older paths served by the same handler (hidden from the docs). */
  aliases?: readonly string[];
}

export function defineRoute<const R extends RouteSpec>(route: R): R {
  return route;
}

/** Errors every authenticated route may answer. */
export const AUTH_ERRORS = [
  'ERR_RATE_LIMITED',
  'ERR_AUTH_MISSING',
  'ERR_AUTH_INVALID',
  'ERR_AUTH_EXPIRED',
  'ERR_AUTH_REVOKED',
  'ERR_AUTH_SCOPE',
] as const;
/** Errors every table route may answer on top. */
export const TABLE_ERRORS = ['ERR_REQUEST_INVALID', 'ERR_FORMAT_NOT_ACCEPTABLE'] as const;
/** What a multipart upload of activity files can answer (the upload route and import jobs). */
export const UPLOAD_ERRORS = [
  'ERR_UPLOAD_NOT_MULTIPART',
  'ERR_UPLOAD_EMPTY',
  'ERR_UPLOAD_MALFORMED',
  'ERR_UPLOAD_TOO_LARGE',
  'ERR_UPLOAD_TOO_MANY_FILES',
  'ERR_UPLOAD_TOO_MANY_PARTS',
  'ERR_UPLOAD_BUSY',
  'ERR_STORE_DISK_FULL',
] as const;

export type ParamsOf<R extends RouteSpec> = R['params'] extends z.ZodType
  ? z.output<R['params']>
  : Record<string, never>;
export type QueryOf<R extends RouteSpec> = R['query'] extends z.ZodType
  ? z.output<R['query']>
  : Record<string, never>;
export type BodyOf<R extends RouteSpec> = R['body'] extends z.ZodType ? z.output<R['body']> : undefined;
