import {
  DelegatedTokenRequestSchema,
  PortalSessionRequestSchema,
  PortalSessionResponseSchema,
  TokenResponseSchema,
} from '../domain/wire-users.ts';
import { AUTH_ERRORS, defineRoute } from './route.ts';

/** Delegated and principal tokens (WIRE.md §3.11, §5.5) and Portal sessions (§3.12). */
export const DELEGATION_ROUTES = {
  createDelegatedToken: defineRoute({
    operationId: 'createDelegatedToken',
    method: 'POST',
    path: '/api/v1/oauth/delegated-token',
    tag: 'oauth',
    summary: 'A token pair acting as a user you manage, or who authorised a team of yours',
    description:
      'The access token (15 minutes) has `sub` = the user, `act.sub` = you, your token’s `aud`; its scopes are at most what was granted and what your token holds (`scopes` narrows them). Refresh it at POST /api/v1/oauth/token with `grant_type=refresh_token`. It stops working at once when the grant is withdrawn, you leave the team or the managed user is deleted.',
    scope: 'data:read',
    body: DelegatedTokenRequestSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: TokenResponseSchema, doc: 'The pair.' },
    errors: [
      ...AUTH_ERRORS,
      'ERR_REQUEST_INVALID',
      'ERR_USER_NOT_FOUND',
      'ERR_DELEGATION_FORBIDDEN',
      'ERR_DELEGATED_TOKEN',
    ],
  }),
  getPrincipalToken: defineRoute({
    operationId: 'getPrincipalToken',
    method: 'GET',
    path: '/api/v1/oauth/principal-token',
    tag: 'oauth',
    summary: 'A token pair for the principal (the signed-in user) again',
    description:
      'With a delegated token: a pair for the user who delegated, with the scopes their token had. With your own token: a pair for you.',
    scope: 'data:read',
    response: { kind: 'json', status: 200, schema: TokenResponseSchema, doc: 'The pair.' },
    errors: [...AUTH_ERRORS],
  }),
  createPortalSession: defineRoute({
    operationId: 'createPortalSession',
    method: 'POST',
    path: '/api/v1/portal/sessions',
    tag: 'portal',
    summary: 'A one-time link into the athlete’s account pages (connected apps, teams)',
    description:
      'Called with the athlete’s token of your application. The link is valid once, for ten minutes. `return_url` must equal or sit under one of the app’s redirect URIs; the page then shows a link back.',
    scope: 'profile',
    body: PortalSessionRequestSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: PortalSessionResponseSchema, doc: 'The link.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_PORTAL_INVALID', 'ERR_DELEGATED_TOKEN'],
  }),
};
