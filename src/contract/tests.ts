import {
  MessageSchema,
  TestCreateSchema,
  TestDetailQuerySchema,
  TestDetailSchema,
  TestIdParamsSchema,
  TestListQuerySchema,
  TestSummarySchema,
  TestUpdateSchema,
  TraceIdParamsSchema,
  TraceListQuerySchema,
  TraceSchema,
  TraceWriteSchema,
} from '../domain/wire-tests.ts';
import { AUTH_ERRORS, defineRoute } from './route.ts';

const LIST_ERRORS = [
  ...AUTH_ERRORS,
  'ERR_REQUEST_INVALID',
  'ERR_DATE_RANGE_INVALID',
  'ERR_DATE_RANGE_TOO_LONG',
] as const;
const TIME_ERRORS = ['ERR_REQUEST_INVALID', 'ERR_TIMESTAMP_NAIVE', 'ERR_TIMESTAMP_INVALID'] as const;

/** Tests: lab and field tests with their results, traces and overlapping activities (WIRE.md §2.3, §3.6, §7.5). */
export const TEST_ROUTES = {
  listTests: defineRoute({
    operationId: 'listTests',
    method: 'GET',
    path: '/api/v1/tests/',
    tag: 'tests',
    summary: 'List tests, newest first',
    description:
      'A bare array; page with `limit` (at most 50) and `offset` (stable order: start, then id). Dates are the local date of the start, inclusive; `sport` repeats (any of) and matches sub-sports; `tags` repeat (all of); `created_by` keeps the tests an application (by client id) created.',
    scope: 'data:read',
    query: TestListQuerySchema,
    response: {
      kind: 'json',
      status: 200,
      schema: TestSummarySchema.array().describe('Newest first.'),
      doc: 'Tests, newest first.',
    },
    errors: LIST_ERRORS,
  }),
  createTest: defineRoute({
    operationId: 'createTest',
    method: 'POST',
    path: '/api/v1/tests/',
    tag: 'tests',
    summary: 'Store a test',
    description:
      '`start` and `end` need an offset (their wall-clock twins use it); without `end` the test lasts 3 h. A test created with an application’s token records the app as `created_by`, and only that app may change or delete it.',
    scope: 'data:write',
    body: TestCreateSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: TestSummarySchema, doc: 'The test as stored.' },
    errors: [...AUTH_ERRORS, ...TIME_ERRORS, 'ERR_TEST_WINDOW_INVALID'],
  }),
  getTest: defineRoute({
    operationId: 'getTest',
    method: 'GET',
    path: '/api/v1/tests/{id}',
    tag: 'tests',
    summary: 'One test with its traces and the activities overlapping it',
    description:
      '`traces=auto` (default): the traces linked to this test plus the unlinked traces inside [start, end]; `traces=linked`: only the linked ones. Each trace says how it matched (`test_match`). `activities`: every activity overlapping the test in time.',
    scope: 'data:read',
    params: TestIdParamsSchema,
    query: TestDetailQuerySchema,
    response: { kind: 'json', status: 200, schema: TestDetailSchema, doc: 'The test.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_TEST_NOT_FOUND'],
  }),
  replaceTest: defineRoute({
    operationId: 'replaceTest',
    method: 'PUT',
    path: '/api/v1/tests/{id}',
    tag: 'tests',
    summary: 'Replace a test (a full replace)',
    description:
      'Every field is set from the body: one left out or null is cleared (`end` returns to start + 3 h). 403 when an application created the test and the caller is not that application.',
    scope: 'data:write',
    params: TestIdParamsSchema,
    body: TestUpdateSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: MessageSchema, doc: '`{"message"}`.' },
    errors: [
      ...AUTH_ERRORS,
      ...TIME_ERRORS,
      'ERR_TEST_WINDOW_INVALID',
      'ERR_TEST_NOT_FOUND',
      'ERR_TEST_OWNED_BY_APP',
    ],
  }),
  deleteTest: defineRoute({
    operationId: 'deleteTest',
    method: 'DELETE',
    path: '/api/v1/tests/{id}',
    tag: 'tests',
    summary: 'Delete a test',
    description:
      'Its traces stay, unlinked; every application’s metadata of it goes. 403 when an application created the test and the caller is not that application.',
    scope: 'data:write',
    params: TestIdParamsSchema,
    response: { kind: 'json', status: 200, schema: MessageSchema, doc: '`{"message"}`.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_TEST_NOT_FOUND', 'ERR_TEST_OWNED_BY_APP'],
  }),
} as const;

/** Traces: single measurements in time (WIRE.md §2.2, §3.5). */
export const TRACE_ROUTES = {
  listTraces: defineRoute({
    operationId: 'listTraces',
    method: 'GET',
    path: '/api/v1/traces/',
    tag: 'traces',
    summary: 'List traces, newest first',
    description:
      'A bare array; page with `limit` and `offset` (stable order: timestamp, then id). Dates are the local date of the timestamp, inclusive; `sport` repeats (any of); `tags` repeat (all of). Each trace carries the activity and lap it falls in and its test.',
    scope: 'data:read',
    query: TraceListQuerySchema,
    response: {
      kind: 'json',
      status: 200,
      schema: TraceSchema.array().describe('Newest first.'),
      doc: 'Traces, newest first.',
    },
    errors: LIST_ERRORS,
  }),
  createTrace: defineRoute({
    operationId: 'createTrace',
    method: 'POST',
    path: '/api/v1/traces/',
    tag: 'traces',
    summary: 'Store a trace',
    description:
      '`timestamp` needs an offset (`timestamp_local` uses it). 404 when `test_id` names no test of yours.',
    scope: 'data:write',
    body: TraceWriteSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: TraceSchema, doc: 'The trace as stored.' },
    errors: [...AUTH_ERRORS, ...TIME_ERRORS, 'ERR_TEST_NOT_FOUND'],
  }),
  getTrace: defineRoute({
    operationId: 'getTrace',
    method: 'GET',
    path: '/api/v1/traces/{id}',
    tag: 'traces',
    summary: 'One trace (Peakform addition)',
    scope: 'data:read',
    params: TraceIdParamsSchema,
    response: { kind: 'json', status: 200, schema: TraceSchema, doc: 'The trace.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_TRACE_NOT_FOUND'],
  }),
  replaceTrace: defineRoute({
    operationId: 'replaceTrace',
    method: 'PUT',
    path: '/api/v1/traces/{id}',
    tag: 'traces',
    summary: 'Replace a trace (a full replace)',
    description:
      'Every field is set from the body: one left out or null is cleared; a null `test_id` unlinks the trace.',
    scope: 'data:write',
    params: TraceIdParamsSchema,
    body: TraceWriteSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: MessageSchema, doc: '`{"message"}`.' },
    errors: [...AUTH_ERRORS, ...TIME_ERRORS, 'ERR_TRACE_NOT_FOUND', 'ERR_TEST_NOT_FOUND'],
  }),
  deleteTrace: defineRoute({
    operationId: 'deleteTrace',
    method: 'DELETE',
    path: '/api/v1/traces/{id}',
    tag: 'traces',
    summary: 'Delete a trace',
    scope: 'data:write',
    params: TraceIdParamsSchema,
    response: { kind: 'empty', status: 204, doc: 'Deleted.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_TRACE_NOT_FOUND'],
  }),
} as const;
