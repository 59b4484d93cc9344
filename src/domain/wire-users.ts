import { z } from 'zod';
import { ScopeSchema } from './wire-identity.ts';

/** Wire shapes of users, teams, delegated tokens and Portal sessions (WIRE.md §2.7, §2.8, §2.9). */

/** A query flag as the official clients send it (`false`; `true`, `1`, `0` accepted too). */
const queryFlag = z
  .string()
  .regex(/^(true|false|1|0)$/i, 'use true or false')
  .transform((v) => ['true', '1'].includes(v.toLowerCase()));

export const UserListQuerySchema = z
  .object({
    include_managed: queryFlag.optional().describe('Include the users you manage (default true).'),
    include_shared: queryFlag
      .optional()
      .describe('Include athletes who authorised a team you belong to (default true).'),
    name: z.string().max(200).optional().describe('Case-insensitive substring of `display_name`.'),
  })
  .strict();

export const UserIdParamsSchema = z.object({ user_id: z.string().min(1).max(64) });

export const UserSummarySchema = z
  .object({
    id: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    scopes: z.array(ScopeSchema).describe('What you hold for this user.'),
    display_name: z.string(),
    is_managed: z.boolean(),
  })
  .meta({ id: 'UserSummary' });

export const UserResponseSchema = z
  .object({
    id: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    admin: z.boolean(),
    registered_at: z.string().describe('ISO 8601 instant.'),
    display_name: z.string(),
    is_managed: z.boolean(),
  })
  .meta({ id: 'UserResponse' });

export const ManagedUserCreateSchema = z
  .object({
    first_name: z.string().max(100),
    last_name: z.string().max(100).nullable().optional(),
  })
  .meta({ id: 'ManagedUserCreate' });

/** Form-encoded (as the SDK sends it) or JSON; only the fields sent change; an empty value clears one. */
export const ManagedUserUpdateSchema = z
  .object({
    first_name: z.string().max(100).nullable().optional(),
    last_name: z.string().max(100).nullable().optional(),
  })
  .strict()
  .meta({ id: 'ManagedUserUpdate' });

export const TeamIdParamsSchema = z.object({ team_id: z.string().min(1).max(64) });
export const TeamMemberParamsSchema = TeamIdParamsSchema.extend({ user_id: z.string().min(1).max(64) });

export const TeamUsersQuerySchema = z
  .object({ name: z.string().max(200).optional().describe('Case-insensitive substring of `display_name`.') })
  .strict();

const teamFields = {
  id: z.string(),
  name: z.string(),
  description: z.string(),
  url: z.url().describe('The team’s page (the server’s own when the team has none).'),
  image: z.url(),
  privacy_statement: z.url(),
};

export const TeamResponseSchema = z
  .object({ ...teamFields, role: z.enum(['owner', 'member']).nullable() })
  .meta({ id: 'TeamResponse' });

export const AuthorizedTeamResponseSchema = z
  .object({ ...teamFields, scopes: z.array(ScopeSchema).describe('What you granted.') })
  .meta({ id: 'AuthorizedTeamResponse' });

export const TeamCreateSchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z.string().max(500).nullable().optional(),
    url: z.string().max(2048).nullable().optional(),
    image: z.string().max(2048).nullable().optional(),
    privacy_statement: z.string().max(2048).nullable().optional(),
  })
  .meta({ id: 'TeamCreate' });

export const TeamMemberCreateSchema = z
  .object({
    user_id: z.string().min(1).max(64),
    role: z.enum(['owner', 'member']).optional().describe('Default member.'),
  })
  .meta({ id: 'TeamMemberCreate' });

export const TeamMemberSchema = z
  .object({ team_id: z.string(), user_id: z.string(), role: z.enum(['owner', 'member']) })
  .meta({ id: 'TeamMember' });

export const AuthorizeTeamRequestSchema = z
  .object({ scopes: z.array(ScopeSchema).max(10).optional().describe('Default ["data:read"].') })
  .meta({ id: 'AuthorizeTeamRequest' });

export const TeamAuthorizationSchema = z
  .object({ team_id: z.string(), user_id: z.string(), scopes: z.array(ScopeSchema) })
  .meta({ id: 'TeamAuthorization' });

export const DelegatedTokenRequestSchema = z
  .object({
    sub: z.string().min(1).max(64).describe('The user to act as.'),
    scopes: z.array(ScopeSchema).max(10).optional().describe('Narrows the grant.'),
    team_id: z.string().min(1).max(64).nullable().optional(),
  })
  .meta({ id: 'DelegatedTokenRequest' });

export const TokenResponseSchema = z
  .object({
    access_token: z.string().describe('A JWT: `sub` the user it acts as, `act.sub` the principal, `exp`.'),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    refresh_token: z.string().nullable(),
    scope: z.string().nullable().optional(),
  })
  .meta({ id: 'TokenResponse' });

export const PortalSessionRequestSchema = z
  .object({
    destination: z.string().min(1).max(100).describe('manage-integrations or manage-teams (open enum).'),
    return_url: z.string().max(2048).nullable().optional(),
  })
  .meta({ id: 'PortalSessionRequest' });

export const PortalSessionResponseSchema = z
  .object({ url: z.string().describe('A one-time link, valid for ten minutes.') })
  .meta({ id: 'PortalSessionResponse' });
