import { ApplicationIdParamsSchema } from '../domain/wire-identity.ts';
import {
  PageCreateSchema,
  PageEnsureSchema,
  PageResponseSchema,
  PageSlugParamsSchema,
} from '../domain/wire-pages.ts';
import { AUTH_ERRORS, defineRoute } from './route.ts';

const PAGE_RESPONSE = { kind: 'json', status: 200, schema: PageResponseSchema, doc: 'The page.' } as const;

/**
 * Pages: one static site per application, served at `/pages/<slug>/` (WIRE.md §3.13). The first
 * three are the platform's CLI routes; get, rollback and delete are Peakform's.
 */
export const PAGE_ROUTES = {
  ensureApplicationPage: defineRoute({
    operationId: 'ensureApplicationPage',
    method: 'PUT',
    path: '/api/v1/applications/{id}/page',
    tag: 'pages',
    summary: 'Give an application its page (or answer the one it has under this slug)',
    description:
      'JSON or form-encoded `{slug}`. The application gains `<server>/pages/<slug>/` as a redirect URI, so the page signs users in with PKCE as the application (a public client). An application has one page; a slug is one application’s.',
    scope: 'profile',
    params: ApplicationIdParamsSchema,
    body: PageEnsureSchema,
    bodyType: 'form',
    response: PAGE_RESPONSE,
    errors: [
      ...AUTH_ERRORS,
      'ERR_REQUEST_INVALID',
      'ERR_APPLICATION_NOT_FOUND',
      'ERR_APPLICATION_INVALID',
      'ERR_PAGE_SLUG_INVALID',
      'ERR_PAGE_SLUG_TAKEN',
    ],
  }),
  createPage: defineRoute({
    operationId: 'createPage',
    method: 'POST',
    path: '/api/v1/pages',
    tag: 'pages',
    summary: 'Create the page of an application',
    description:
      'JSON or form-encoded `{application_id, slug}`; the same as PUT /api/v1/applications/{id}/page.',
    scope: 'profile',
    body: PageCreateSchema,
    bodyType: 'form',
    response: PAGE_RESPONSE,
    errors: [
      ...AUTH_ERRORS,
      'ERR_REQUEST_INVALID',
      'ERR_APPLICATION_NOT_FOUND',
      'ERR_APPLICATION_INVALID',
      'ERR_PAGE_SLUG_INVALID',
      'ERR_PAGE_SLUG_TAKEN',
    ],
  }),
  getPage: defineRoute({
    operationId: 'getPage',
    method: 'GET',
    path: '/api/v1/pages/{slug}',
    tag: 'pages',
    summary: 'One of your pages: its URL, the served version and its files',
    scope: 'profile',
    params: PageSlugParamsSchema,
    response: PAGE_RESPONSE,
    errors: [...AUTH_ERRORS, 'ERR_PAGE_NOT_FOUND'],
  }),
  deployPage: defineRoute({
    operationId: 'deployPage',
    method: 'PUT',
    path: '/api/v1/pages/{slug}/deploy',
    tag: 'pages',
    summary: 'Deploy a static site (at most 10 MB and 1,000 files) as the page’s new version',
    description:
      'multipart/form-data, one part named `files` per file whose filename is its path relative to the site folder (`index.html`, `assets/app.js`). The new version is written to its own folder and served from one switch; the version it replaces is kept for rollback, older ones are removed. A refused deploy (a path that is absolute or has `..`, a backslash or a control character, a duplicate path, too many files or bytes, no file) changes nothing.',
    scope: 'profile',
    params: PageSlugParamsSchema,
    bodyType: 'multipart',
    response: PAGE_RESPONSE,
    errors: [
      ...AUTH_ERRORS,
      'ERR_PAGE_NOT_FOUND',
      'ERR_UPLOAD_NOT_MULTIPART',
      'ERR_UPLOAD_MALFORMED',
      'ERR_PAGE_EMPTY',
      'ERR_PAGE_PATH_INVALID',
      'ERR_PAGE_PATH_DUPLICATE',
      'ERR_PAGE_TOO_LARGE',
      'ERR_PAGE_TOO_MANY_FILES',
      'ERR_STORE_DISK_FULL',
    ],
  }),
  rollbackPage: defineRoute({
    operationId: 'rollbackPage',
    method: 'POST',
    path: '/api/v1/pages/{slug}/rollback',
    tag: 'pages',
    summary: 'Serve the previous version again (a second rollback undoes the first)',
    scope: 'profile',
    params: PageSlugParamsSchema,
    response: PAGE_RESPONSE,
    errors: [...AUTH_ERRORS, 'ERR_PAGE_NOT_FOUND', 'ERR_PAGE_NO_PREVIOUS'],
  }),
  deletePage: defineRoute({
    operationId: 'deletePage',
    method: 'DELETE',
    path: '/api/v1/pages/{slug}',
    tag: 'pages',
    summary: 'Delete a page: its files, and its redirect URI from the application',
    scope: 'profile',
    params: PageSlugParamsSchema,
    response: { kind: 'empty', status: 204, doc: 'Deleted.' },
    errors: [...AUTH_ERRORS, 'ERR_PAGE_NOT_FOUND'],
  }),
};
