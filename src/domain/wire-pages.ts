import { z } from 'zod';

/** Wire shapes of Pages, static sites hosted per application (WIRE.md §2.9, §3.13). */

/** At most this many bytes in one deployed version of a site (WIRE.md §3.13: 10 MB per app). */
export const MAX_PAGE_BYTES = 10 * 1024 * 1024;
/** At most this many files in one deploy. */
export const MAX_PAGE_FILES = 1000;
/** At most this many characters in a file's relative path. */
export const MAX_PAGE_PATH_LENGTH = 255;

export const PageSlugParamsSchema = z.object({ slug: z.string().min(1).max(100) });

export const PageEnsureSchema = z
  .object({
    slug: z.string().max(100).describe('3–40 lowercase letters, digits and hyphens; not a reserved word.'),
  })
  .meta({ id: 'EnsureApplicationPage' });

export const PageCreateSchema = z
  .object({
    application_id: z.string().min(1).max(64),
    slug: z.string().max(100).describe('3–40 lowercase letters, digits and hyphens; not a reserved word.'),
  })
  .meta({ id: 'PageCreate' });

export const PageResponseSchema = z
  .object({
    slug: z.string(),
    published: z.boolean().describe('True while a version of the site is being served.'),
    application: z.object({ id: z.string(), name: z.string(), is_private: z.boolean() }),
    url: z.string().describe('Where the page is served: `<server>/pages/<slug>/`.'),
    redirect_uri: z
      .string()
      .optional()
      .describe('Registered on the application, so that the page signs users in with PKCE.'),
    version: z
      .number()
      .int()
      .nullable()
      .optional()
      .describe('The version being served; null before a deploy.'),
    previous_version: z
      .number()
      .int()
      .nullable()
      .optional()
      .describe('The version kept for rollback (POST …/rollback swaps the two).'),
    deployed_at: z
      .string()
      .nullable()
      .optional()
      .describe('When the served version was deployed (ISO 8601).'),
    size_bytes: z.number().int().optional().describe('Bytes of the served version (at most 10 MB).'),
    files: z.array(z.string()).optional().describe('The relative paths of the served version, sorted.'),
  })
  .meta({ id: 'PageResponse' });
