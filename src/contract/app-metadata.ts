import type { z } from 'zod';
import type { ErrorCode } from '../domain/error-catalog.ts';
import { ActivityIdParamsSchema } from '../domain/wire.ts';
import {
  AppMetadataBodySchema,
  MessageSchema,
  ProfileAppMetadataSchema,
  TestIdParamsSchema,
  TraceIdParamsSchema,
} from '../domain/wire-tests.ts';
import { AUTH_ERRORS, defineRoute } from './route.ts';

const WRITE_ERRORS = [
  ...AUTH_ERRORS,
  'ERR_APP_METADATA_APP_TOKEN',
  'ERR_APP_METADATA_INVALID',
  'ERR_APP_METADATA_TOO_DEEP',
  'ERR_APP_METADATA_TOO_LARGE',
  'ERR_REQUEST_INVALID',
] as const satisfies readonly ErrorCode[];
const DELETE_ERRORS = [
  ...AUTH_ERRORS,
  'ERR_APP_METADATA_APP_TOKEN',
  'ERR_APP_METADATA_NOT_FOUND',
  'ERR_REQUEST_INVALID',
] as const satisfies readonly ErrorCode[];

const PUT_DOC =
  'Replaces the calling application’s object on this record (no merge). Only application tokens (an `aud`) qualify: a personal key gets 403. At most 1024 bytes as compact UTF-8 JSON (413) and 32 levels (422); only this application ever sees it, as `app_metadata` on the record.';
const DELETE_DOC = 'Removes the calling application’s object; 404 when it stored none.';

const put = <P extends z.ZodObject>(
  operationId: string,
  record: string,
  path: string,
  params: P,
  notFound: ErrorCode,
) =>
  defineRoute({
    operationId,
    method: 'PUT',
    path,
    tag: 'app metadata',
    summary: `Store your application’s metadata on ${record}`,
    description: PUT_DOC,
    scope: 'data:write',
    params,
    body: AppMetadataBodySchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: MessageSchema, doc: '`{"message"}`.' },
    errors: [...WRITE_ERRORS, notFound],
  });
const remove = <P extends z.ZodObject>(
  operationId: string,
  record: string,
  path: string,
  params: P,
  notFound: ErrorCode,
) =>
  defineRoute({
    operationId,
    method: 'DELETE',
    path,
    tag: 'app metadata',
    summary: `Delete your application’s metadata on ${record}`,
    description: DELETE_DOC,
    scope: 'data:write',
    params,
    response: { kind: 'empty', status: 204, doc: 'Deleted.' },
    errors: [...DELETE_ERRORS, notFound],
  });

/** App metadata on activities, tests, traces and the profile (WIRE.md §3.4, §7.8). */
export const APP_METADATA_ROUTES = {
  setActivityAppMetadata: put(
    'setActivityAppMetadata',
    'an activity',
    '/api/v1/activities/{id}/app-metadata',
    ActivityIdParamsSchema,
    'ERR_ACTIVITY_NOT_FOUND',
  ),
  deleteActivityAppMetadata: remove(
    'deleteActivityAppMetadata',
    'an activity',
    '/api/v1/activities/{id}/app-metadata',
    ActivityIdParamsSchema,
    'ERR_ACTIVITY_NOT_FOUND',
  ),
  setTestAppMetadata: put(
    'setTestAppMetadata',
    'a test',
    '/api/v1/tests/{id}/app-metadata',
    TestIdParamsSchema,
    'ERR_TEST_NOT_FOUND',
  ),
  deleteTestAppMetadata: remove(
    'deleteTestAppMetadata',
    'a test',
    '/api/v1/tests/{id}/app-metadata',
    TestIdParamsSchema,
    'ERR_TEST_NOT_FOUND',
  ),
  setTraceAppMetadata: put(
    'setTraceAppMetadata',
    'a trace',
    '/api/v1/traces/{id}/app-metadata',
    TraceIdParamsSchema,
    'ERR_TRACE_NOT_FOUND',
  ),
  deleteTraceAppMetadata: remove(
    'deleteTraceAppMetadata',
    'a trace',
    '/api/v1/traces/{id}/app-metadata',
    TraceIdParamsSchema,
    'ERR_TRACE_NOT_FOUND',
  ),
  getProfileAppMetadata: defineRoute({
    operationId: 'getProfileAppMetadata',
    method: 'GET',
    path: '/api/v1/profile/app-metadata',
    tag: 'app metadata',
    summary: 'Your application’s metadata on the profile, or null (Peakform addition)',
    scope: 'data:read',
    response: { kind: 'json', status: 200, schema: ProfileAppMetadataSchema, doc: 'The object, or `null`.' },
    errors: [...AUTH_ERRORS, 'ERR_APP_METADATA_APP_TOKEN'],
  }),
  setProfileAppMetadata: defineRoute({
    operationId: 'setProfileAppMetadata',
    method: 'PUT',
    path: '/api/v1/profile/app-metadata',
    tag: 'app metadata',
    summary: 'Store your application’s metadata on the profile',
    description: PUT_DOC.replace('1024 bytes', '4096 bytes'),
    scope: 'data:write',
    body: AppMetadataBodySchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: MessageSchema, doc: '`{"message"}`.' },
    errors: WRITE_ERRORS,
  }),
  deleteProfileAppMetadata: defineRoute({
    operationId: 'deleteProfileAppMetadata',
    method: 'DELETE',
    path: '/api/v1/profile/app-metadata',
    tag: 'app metadata',
    summary: 'Delete your application’s metadata on the profile',
    description: DELETE_DOC,
    scope: 'data:write',
    response: { kind: 'empty', status: 204, doc: 'Deleted.' },
    errors: DELETE_ERRORS,
  }),
} as const;
