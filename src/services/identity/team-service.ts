import { randomBytes } from 'node:crypto';
import { PeakformError } from '../../domain/errors.ts';
import type { Store } from '../../store/store.ts';
import { TeamRepository, type TeamRow } from '../../store/team-repository.ts';

/** The scopes of the data API that a user can hold for another (WIRE.md §5.3), in canonical order. */
export const API_SCOPES = ['data:read', 'data:write', 'profile'] as const;

export type TeamRole = 'owner' | 'member';

export interface Team {
  id: string;
  name: string;
  description: string;
  url: string | null;
  image: string | null;
  privacyStatement: string | null;
  createdAt: Date;
}

export interface TeamInput {
  name: string;
  description?: string | null;
  url?: string | null;
  image?: string | null;
  privacyStatement?: string | null;
}

const MAX_NAME_LENGTH = 100;
const MAX_DESCRIPTION_LENGTH = 500;

/**
 * Teams (WIRE.md §3.10): a coach's group. Members (owner or member) may act for the athletes who
 * authorised the team, with the scopes each granted. Teams, memberships and grants are held in
 * memory, loaded when the data dir opens and changed by the same calls that write the catalog
 * (one process owns a data dir), so that a delegated token is checked against them on every
 * request without a query.
 */
export class TeamService {
  /** Called with the ids of delegations a withdrawal or a departure revoked. */
  onDelegationsRevoked: (ids: readonly string[]) => void = () => {};

  private constructor(
    private readonly repository: TeamRepository,
    private readonly teams: Map<string, Team>,
    /** team → user → role */
    private readonly members: Map<string, Map<string, TeamRole>>,
    /** team → user → granted scopes */
    private readonly grants: Map<string, Map<string, string[]>>,
  ) {}

  static async open(store: Store): Promise<TeamService> {
    const repository = new TeamRepository(store);
    const teams = new Map((await repository.listTeams()).map((row) => [row.id, toTeam(row)]));
    const members = new Map<string, Map<string, TeamRole>>();
    for (const row of await repository.listMembers()) nested(members, row.teamId).set(row.userId, row.role);
    const grants = new Map<string, Map<string, string[]>>();
    for (const row of await repository.listAuthorizations())
      nested(grants, row.teamId).set(row.userId, [...row.scopes]);
    return new TeamService(repository, teams, members, grants);
  }

  async create(ownerId: string, input: TeamInput): Promise<Team> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
      throw new PeakformError(
        'ERR_TEAM_INVALID',
        `A team's name has 1 to ${MAX_NAME_LENGTH} characters.`,
        400,
      );
    }
    const description = input.description?.trim() ?? '';
    if (description.length > MAX_DESCRIPTION_LENGTH) {
      throw new PeakformError(
        'ERR_TEAM_INVALID',
        `A team's description has at most ${MAX_DESCRIPTION_LENGTH} characters.`,
        400,
      );
    }
    const row = {
      id: `team_${randomBytes(8).toString('hex')}`,
      name,
      description,
      url: absoluteUrl(input.url, 'url'),
      image: absoluteUrl(input.image, 'image'),
      privacyStatement: absoluteUrl(input.privacyStatement, 'privacy_statement'),
    };
    await this.repository.insertTeam(row, ownerId);
    const team = { ...row, createdAt: new Date() };
    this.teams.set(team.id, team);
    nested(this.members, team.id).set(ownerId, 'owner');
    return team;
  }

  /** A team by id; 404 when unknown. */
  get(teamId: string): Team {
    const team = this.teams.get(teamId);
    if (!team) throw teamNotFound(teamId);
    return team;
  }

  /**
   * Adds (or changes the role of) a member. With `actingUserId`, only an owner of the team may;
   * a team the actor is not in is a 404, as if it did not exist. `null` is the operator (the CLI).
   */
  async addMember(
    teamId: string,
    userId: string,
    role: TeamRole,
    actingUserId: string | null,
    userExists: (id: string) => Promise<boolean>,
  ): Promise<void> {
    this.assertOwner(teamId, actingUserId);
    if (!(await userExists(userId))) {
      throw new PeakformError('ERR_USER_NOT_FOUND', `No user ${userId}.`, 404, { id: userId });
    }
    await this.repository.upsertMember(teamId, userId, role);
    nested(this.members, teamId).set(userId, role);
  }

  /**
   * Removes a member (an owner may remove anyone but the last owner; a member may leave); the
   * delegations they hold through the team end at once.
   */
  async removeMember(teamId: string, userId: string, actingUserId: string | null): Promise<void> {
    if (actingUserId !== userId) this.assertOwner(teamId, actingUserId);
    const members = this.members.get(teamId);
    if (!members?.has(userId)) {
      throw new PeakformError('ERR_USER_NOT_FOUND', `${userId} is not a member of ${teamId}.`, 404);
    }
    const owners = [...members.values()].filter((role) => role === 'owner').length;
    if (members.get(userId) === 'owner' && owners === 1) {
      throw new PeakformError(
        'ERR_TEAM_FORBIDDEN',
        `${userId} is the last owner of ${teamId}: make another member an owner first.`,
        403,
      );
    }
    const revoked = await this.repository.removeMember(teamId, userId);
    this.members.get(teamId)?.delete(userId);
    this.onDelegationsRevoked(revoked);
  }

  /** The teams a user owns or belongs to, with the role, by name. */
  teamsOf(userId: string): { team: Team; role: TeamRole }[] {
    const result: { team: Team; role: TeamRole }[] = [];
    for (const [teamId, users] of this.members) {
      const role = users.get(userId);
      const team = this.teams.get(teamId);
      if (role && team) result.push({ team, role });
    }
    return result.sort(
      (a, b) => a.team.name.localeCompare(b.team.name) || a.team.id.localeCompare(b.team.id),
    );
  }

  roleOf(teamId: string, userId: string): TeamRole | undefined {
    return this.members.get(teamId)?.get(userId);
  }

  /** What an athlete granted a team, if they authorised it. */
  grantedScopes(teamId: string, userId: string): readonly string[] | undefined {
    return this.grants.get(teamId)?.get(userId);
  }

  /** An athlete authorises a team (or changes the scopes granted). */
  async authorize(userId: string, teamId: string, scopes: readonly string[]): Promise<string[]> {
    this.get(teamId);
    const granted = API_SCOPES.filter((scope) => scopes.includes(scope));
    if (granted.length === 0) {
      throw new PeakformError(
        'ERR_REQUEST_INVALID',
        `Grant a team one or more of ${API_SCOPES.join(', ')}.`,
        400,
      );
    }
    await this.repository.upsertAuthorization(teamId, userId, granted);
    nested(this.grants, teamId).set(userId, granted);
    return granted;
  }

  /** An athlete withdraws a team's access: delegated tokens made through it stop working at once. */
  async withdraw(userId: string, teamId: string): Promise<void> {
    this.get(teamId);
    const { found, revoked } = await this.repository.deleteAuthorization(teamId, userId);
    this.grants.get(teamId)?.delete(userId);
    this.onDelegationsRevoked(revoked);
    if (!found) {
      throw new PeakformError('ERR_TEAM_NOT_AUTHORIZED', `You have not authorised team ${teamId}.`, 404, {
        teamId,
      });
    }
  }

  /** The teams an athlete authorised, with what each was granted. */
  authorizedTeams(userId: string): { team: Team; scopes: string[] }[] {
    const result: { team: Team; scopes: string[] }[] = [];
    for (const [teamId, users] of this.grants) {
      const scopes = users.get(userId);
      const team = this.teams.get(teamId);
      if (scopes && team) result.push({ team, scopes: [...scopes] });
    }
    return result.sort(
      (a, b) => a.team.name.localeCompare(b.team.name) || a.team.id.localeCompare(b.team.id),
    );
  }

  /** The athletes who authorised a team, with their grants; members only (else 404). */
  teamUsers(teamId: string, callerId: string): { userId: string; scopes: string[] }[] {
    if (!this.roleOf(teamId, callerId)) throw teamNotFound(teamId);
    return [...(this.grants.get(teamId) ?? new Map<string, string[]>())].map(([userId, scopes]) => ({
      userId,
      scopes: [...scopes],
    }));
  }

  /** Everyone who authorised a team the caller belongs to, with the union of the scopes granted. */
  sharedWith(callerId: string): Map<string, string[]> {
    const shared = new Map<string, Set<string>>();
    for (const { team } of this.teamsOf(callerId)) {
      for (const [userId, scopes] of this.grants.get(team.id) ?? []) {
        const set = shared.get(userId) ?? new Set<string>();
        for (const scope of scopes) set.add(scope);
        shared.set(userId, set);
      }
    }
    return new Map(
      [...shared].map(([userId, set]) => [userId, API_SCOPES.filter((scope) => set.has(scope))]),
    );
  }

  /** The teams through which the caller may act for an athlete, widest grant first. */
  teamsGranting(callerId: string, athleteId: string): { teamId: string; scopes: readonly string[] }[] {
    return this.teamsOf(callerId)
      .map(({ team }) => ({ teamId: team.id, scopes: this.grantedScopes(team.id, athleteId) }))
      .filter((entry): entry is { teamId: string; scopes: readonly string[] } => entry.scopes !== undefined)
      .sort((a, b) => b.scopes.length - a.scopes.length);
  }

  /** Forgets a deleted user's memberships and grants (their rows went with the user). */
  forgetUser(userId: string): void {
    for (const users of this.members.values()) users.delete(userId);
    for (const users of this.grants.values()) users.delete(userId);
  }

  private assertOwner(teamId: string, actingUserId: string | null): void {
    this.get(teamId);
    if (actingUserId === null) return;
    const role = this.roleOf(teamId, actingUserId);
    if (!role) throw teamNotFound(teamId);
    if (role !== 'owner') {
      throw new PeakformError(
        'ERR_TEAM_FORBIDDEN',
        `Only an owner of ${teamId} can change its members.`,
        403,
      );
    }
  }
}

function nested<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}

function toTeam(row: TeamRow): Team {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    url: row.url,
    image: row.image,
    privacyStatement: row.privacyStatement,
    createdAt: new Date(row.createdAtS * 1000),
  };
}

function absoluteUrl(value: string | null | undefined, field: string): string | null {
  const text = value?.trim();
  if (!text) return null;
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || text.length > 2048) {
    throw new PeakformError('ERR_TEAM_INVALID', `${field} must be an absolute http(s) URL.`, 400);
  }
  return text;
}

export function teamNotFound(teamId: string): PeakformError {
  return new PeakformError('ERR_TEAM_NOT_FOUND', `No team ${teamId} (or none you can see).`, 404, { teamId });
}
