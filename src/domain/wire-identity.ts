import { z } from 'zod';
import { StatusIssueSchema } from './wire.ts';
import { PageResponseSchema } from './wire-pages.ts';

/** Wire shapes of applications and the OAuth userinfo (WIRE.md §2.8, §2.9). */

export const ScopeSchema = z.enum(['data:read', 'data:write', 'profile', 'openid', 'offline_access']);

export const UserInfoSchema = z
  .object({
    sub: z.string().describe('The id of the user the token acts as.'),
    name: z.string(),
    registered_at: z.string().describe('ISO 8601 instant.'),
    given_name: z.string().nullable().optional(),
    family_name: z.string().nullable().optional(),
    email: z.string().nullable().optional(),
    issue: StatusIssueSchema.nullable().optional().describe('As in /profile/status.'),
  })
  .meta({ id: 'UserInfoResponse' });

export const ApplicationIdParamsSchema = z.object({ id: z.string().min(1).max(64) });
export const ApplicationSecretParamsSchema = z.object({
  id: z.string().min(1).max(64),
  secret_id: z.string().min(1).max(64),
});

const optionalUrl = z.string().max(2048).nullable().optional();

export const ApplicationCreateSchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z.string().max(500).nullable().optional(),
    redirect_uris: z.array(z.string().max(2048)).max(20).optional(),
    capabilities: z.array(z.string()).nullable().optional(),
    url: optionalUrl,
    image: optionalUrl,
    privacy_statement: optionalUrl,
    page: z
      .string()
      .nullable()
      .optional()
      .describe(
        'A page slug: the app gets its page at `/pages/<slug>/` and that redirect URI (see PUT /api/v1/applications/{id}/page).',
      ),
    generate_secret: z
      .boolean()
      .optional()
      .describe('A confidential app with a first client secret (shown once in `client_secret`).'),
    webhook_endpoints: z
      .array(z.string().max(2048))
      .max(10)
      .optional()
      .describe(
        'Webhook URLs (https, or http on loopback), signed `sweatstack` (WIRE.md §6); on update, the whole list.',
      ),
  })
  .meta({ id: 'ApplicationCreate' });

export const ApplicationUpdateSchema = ApplicationCreateSchema.omit({ generate_secret: true, page: true })
  .partial({ name: true })
  .meta({ id: 'ApplicationUpdate' });

export const ApplicationListItemSchema = z
  .object({ id: z.string(), name: z.string(), page_slug: z.string().nullable().optional() })
  .meta({ id: 'ApplicationListItem' });

export const ApplicationSchema = z
  .object({
    id: z.string().describe('The OAuth client id.'),
    name: z.string(),
    is_private: z.boolean(),
    is_clientside_app: z.boolean().describe('A public client (PKCE, no secret).'),
    description: z.string().nullable().optional(),
    image: z.string().nullable().optional(),
    url: z.string().nullable().optional(),
    redirect_uris: z.array(z.string()).optional(),
    privacy_statement: z.string().nullable().optional(),
    capabilities: z.array(z.string()).nullable().optional(),
    client_secret: z.string().optional().describe('Only in the answer that created it; never again.'),
    webhook_endpoints: z.array(z.string()).optional().describe('The URLs of the app’s webhook endpoints.'),
    webhook_secret: z
      .string()
      .optional()
      .describe(
        'The secret that signs webhook deliveries (`whsec_…`); rotate it with POST …/webhook-secret/rotate.',
      ),
    published: z.boolean().optional(),
    page: PageResponseSchema.optional().describe('The page created with `page` (POST only).'),
  })
  .meta({ id: 'ApplicationCreateResponse' });

export const ApplicationSecretCreateSchema = z
  .object({ label: z.string().max(100).nullable().optional() })
  .meta({ id: 'ApplicationSecretCreate' });

export const ApplicationSecretSchema = z
  .object({
    id: z.string(),
    label: z.string().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    secret: z.string().optional().describe('Only in the answer that created it; never again.'),
  })
  .meta({ id: 'ApplicationSecret' });
