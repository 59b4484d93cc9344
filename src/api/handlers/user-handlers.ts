import type { FastifyRequest } from 'fastify';
import { PeakformError } from '../../domain/errors.ts';
import type { Account, Engine, Team, UserEntry, VerifiedToken } from '../../engine/engine.ts';
import type { Handlers } from '../handler-types.ts';

type WireScope = 'data:read' | 'data:write' | 'profile';
/** Scopes held here are always API scopes (the services keep only those). */
const asWireScopes = (scopes: readonly string[]) => scopes as WireScope[];

type UserOperation =
  | 'listUsers'
  | 'createUser'
  | 'getUser'
  | 'updateUser'
  | 'deleteUser'
  | 'listTeams'
  | 'createTeam'
  | 'listAuthorizedTeams'
  | 'listTeamUsers'
  | 'addTeamMember'
  | 'removeTeamMember'
  | 'authorizeTeam'
  | 'withdrawTeamAuthorization'
  | 'createDelegatedToken'
  | 'getPrincipalToken'
  | 'createPortalSession';

/** WIRE.md §5.5: these routes take the principal's own token, never one acting for another user. */
function refuseDelegated(token: VerifiedToken): void {
  if (token.principalId !== undefined) {
    throw new PeakformError(
      'ERR_DELEGATED_TOKEN',
      'This route does not take a delegated token. Get your own back with GET /api/v1/oauth/principal-token.',
      403,
    );
  }
}

/** The server's public URL, as configured (a string, or a function known once it listens). */
export type PublicUrl = string | (() => string) | undefined;

/** The server's public URL: the configured one, else the scheme and host the request came to. */
export function publicBase(request: FastifyRequest, publicUrl: PublicUrl): string {
  const configured = typeof publicUrl === 'function' ? publicUrl() : publicUrl;
  return (configured || `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

/** Users, teams, delegated and principal tokens, and Portal sessions (WIRE.md §3.9–§3.12). */
export function createUserHandlers(
  engine: Engine,
  options: { publicUrl?: PublicUrl },
): Pick<Handlers, UserOperation> {
  const { users, teams, delegation, portal } = engine;
  const userExists = (id: string) => delegation.userExists(id);
  const base = (request: FastifyRequest) => publicBase(request, options.publicUrl);
  return {
    listUsers: async ({ athleteId, query, request }) => {
      refuseDelegated(request.token);
      const entries = await users.list(athleteId, {
        includeManaged: query.include_managed,
        includeShared: query.include_shared,
        name: query.name,
      });
      return entries.map(wireSummary);
    },
    createUser: async ({ athleteId, body, request }) => {
      refuseDelegated(request.token);
      return wireUser(
        await users.createManaged(athleteId, {
          firstName: body.first_name,
          lastName: body.last_name ?? null,
        }),
      );
    },
    getUser: async ({ athleteId, params, request }) => {
      refuseDelegated(request.token);
      return wireUser(await users.getManaged(athleteId, params.user_id));
    },
    updateUser: async ({ athleteId, params, body, request }) => {
      refuseDelegated(request.token);
      return wireUser(
        await users.rename(athleteId, params.user_id, {
          ...(body.first_name === undefined ? {} : { firstName: body.first_name }),
          ...(body.last_name === undefined ? {} : { lastName: body.last_name }),
        }),
      );
    },
    deleteUser: async ({ athleteId, params, request }) => {
      refuseDelegated(request.token);
      await users.deleteManaged(athleteId, params.user_id);
      return undefined;
    },
    listTeams: async ({ athleteId, request }) =>
      teams.teamsOf(athleteId).map(({ team, role }) => ({ ...wireTeam(team, base(request)), role })),
    createTeam: async ({ athleteId, body, request }) => {
      refuseDelegated(request.token);
      const team = await teams.create(athleteId, {
        name: body.name,
        description: body.description,
        url: body.url,
        image: body.image,
        privacyStatement: body.privacy_statement,
      });
      return { ...wireTeam(team, base(request)), role: 'owner' as const };
    },
    listAuthorizedTeams: async ({ athleteId, request }) =>
      teams.authorizedTeams(athleteId).map(({ team, scopes }) => ({
        ...wireTeam(team, base(request)),
        scopes: asWireScopes(scopes),
      })),
    listTeamUsers: async ({ athleteId, params, query }) =>
      (await users.teamUsers(params.team_id, athleteId, query.name)).map(wireSummary),
    addTeamMember: async ({ athleteId, params, body, request }) => {
      refuseDelegated(request.token);
      const role = body.role ?? 'member';
      await teams.addMember(params.team_id, body.user_id, role, athleteId, userExists);
      return { team_id: params.team_id, user_id: body.user_id, role };
    },
    removeTeamMember: async ({ athleteId, params, request }) => {
      refuseDelegated(request.token);
      await teams.removeMember(params.team_id, params.user_id, athleteId);
    },
    authorizeTeam: async ({ athleteId, params, body, request }) => {
      // A delegated token authorises for a managed user only: a team's access to an athlete must
      // not be passed on by the team to another (WIRE.md §3.10 lets delegated tokens authorise).
      const { principalId } = request.token;
      if (principalId !== undefined) {
        await users.getManaged(principalId, athleteId).catch(() => {
          throw new PeakformError(
            'ERR_DELEGATED_TOKEN',
            'Only the athlete (or the coach who manages them) can authorise a team for them.',
            403,
          );
        });
      }
      const scopes = await teams.authorize(athleteId, params.team_id, body.scopes ?? ['data:read']);
      return { team_id: params.team_id, user_id: athleteId, scopes: asWireScopes(scopes) };
    },
    withdrawTeamAuthorization: async ({ athleteId, params }) => {
      await teams.withdraw(athleteId, params.team_id);
      return undefined;
    },
    createDelegatedToken: async ({ body, request }) =>
      delegation.delegate(request.token, {
        sub: body.sub,
        ...(body.scopes ? { scopes: body.scopes } : {}),
        ...(body.team_id ? { teamId: body.team_id } : {}),
      }),
    getPrincipalToken: async ({ request }) => delegation.principal(request.token),
    createPortalSession: async ({ body, request }) => {
      refuseDelegated(request.token);
      const { token } = await portal.createLink(request.token, {
        destination: body.destination,
        returnUrl: body.return_url,
      });
      return { url: `${base(request)}/portal/${token}` };
    },
  };
}

function wireSummary(entry: UserEntry) {
  const { account, scopes } = entry;
  return {
    id: account.id,
    first_name: account.firstName,
    last_name: account.lastName,
    scopes: asWireScopes(scopes),
    display_name: account.displayName,
    is_managed: account.isManaged,
  };
}

function wireUser(account: Account) {
  return {
    id: account.id,
    first_name: account.firstName,
    last_name: account.lastName,
    admin: account.admin,
    registered_at: account.registeredAt.toISOString(),
    display_name: account.displayName,
    is_managed: account.isManaged,
  };
}

/** A team's links; the server's own pages when the team has none (the clients need valid URLs). */
function wireTeam(team: Team, base: string) {
  const own = `${base}/teams/${encodeURIComponent(team.id)}`;
  return {
    id: team.id,
    name: team.name,
    description: team.description,
    url: team.url ?? own,
    image: team.image ?? `${own}/image.svg`,
    privacy_statement: team.privacyStatement ?? `${own}/privacy`,
  };
}
