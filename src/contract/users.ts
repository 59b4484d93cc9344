import { z } from 'zod';
import {
  ManagedUserCreateSchema,
  ManagedUserUpdateSchema,
  UserIdParamsSchema,
  UserListQuerySchema,
  UserResponseSchema,
  UserSummarySchema,
} from '../domain/wire-users.ts';
import { AUTH_ERRORS, defineRoute } from './route.ts';

/**
 * Users (WIRE.md §3.9): who the caller can act for, and the managed users (accounts without a
 * login) the caller creates. Reading needs `profile`; creating, renaming and deleting managed
 * users needs `data:write` (a delete takes all their data). Delegated tokens are refused.
 */
export const USER_ROUTES = {
  listUsers: defineRoute({
    operationId: 'listUsers',
    method: 'GET',
    path: '/api/v1/users/',
    tag: 'users',
    summary: 'You, your managed users, and athletes who authorised a team of yours',
    description:
      'The caller first (so that `whoami()` finds the token’s `sub`), then managed users, then athletes who shared access through a team; `scopes` is what you hold for each. Delegated tokens are refused (403): the SDK lists with the principal’s token.',
    scope: 'profile',
    query: UserListQuerySchema,
    response: { kind: 'json', status: 200, schema: z.array(UserSummarySchema), doc: 'The caller first.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_DELEGATED_TOKEN'],
  }),
  createUser: defineRoute({
    operationId: 'createUser',
    method: 'POST',
    path: '/api/v1/users/',
    tag: 'users',
    summary: 'Create a managed user (an athlete without a login whose data you manage)',
    scope: 'data:write',
    body: ManagedUserCreateSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: UserResponseSchema, doc: 'The user, `is_managed: true`.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_DELEGATED_TOKEN'],
  }),
  getUser: defineRoute({
    operationId: 'getUser',
    method: 'GET',
    path: '/api/v1/users/{user_id}',
    tag: 'users',
    summary: 'One of your managed users',
    scope: 'profile',
    params: UserIdParamsSchema,
    response: { kind: 'json', status: 200, schema: UserResponseSchema, doc: 'The user.' },
    errors: [...AUTH_ERRORS, 'ERR_USER_NOT_FOUND', 'ERR_DELEGATED_TOKEN'],
  }),
  updateUser: defineRoute({
    operationId: 'updateUser',
    method: 'PUT',
    path: '/api/v1/users/{user_id}',
    tag: 'users',
    summary: 'Rename a managed user (form fields; only those sent change)',
    description:
      'Form-encoded `first_name`, `last_name` as the SDK sends them (JSON is accepted too); an empty value clears the field.',
    scope: 'data:write',
    params: UserIdParamsSchema,
    body: ManagedUserUpdateSchema,
    bodyType: 'form',
    response: { kind: 'json', status: 200, schema: UserResponseSchema, doc: 'The user.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_USER_NOT_FOUND', 'ERR_DELEGATED_TOKEN'],
  }),
  deleteUser: defineRoute({
    operationId: 'deleteUser',
    method: 'DELETE',
    path: '/api/v1/users/{user_id}',
    tag: 'users',
    summary: 'Delete a managed user and all their data',
    description:
      'Activities with their lake files and originals, dailies, thresholds, keys, delegations, team memberships and grants: gone in one commit; their tokens stop working at once.',
    scope: 'data:write',
    params: UserIdParamsSchema,
    response: { kind: 'empty', status: 204, doc: 'Deleted.' },
    errors: [...AUTH_ERRORS, 'ERR_USER_NOT_FOUND', 'ERR_DELEGATED_TOKEN'],
  }),
};
