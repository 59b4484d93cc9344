import { randomBytes } from 'node:crypto';
import { PeakformError } from '../../domain/errors.ts';
import { sha256Hex } from '../../domain/ids.ts';
import { DelegationRepository, type DelegationRow } from '../../store/delegation-repository.ts';
import type { Store } from '../../store/store.ts';
import { TeamRepository } from '../../store/team-repository.ts';
import type { TokenService, TokenSource, VerifiedToken } from '../tokens/token-service.ts';
import { API_SCOPES, type TeamService } from './team-service.ts';

/** Delegated refresh tokens are opaque: this prefix tells the token route they are ours, not oidc-provider's. */
export const DELEGATED_REFRESH_PREFIX = 'pfd_';

/** A token pair as the token route answers it (WIRE.md §2.8). */
export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export interface DelegationRequest {
  /** The user to act as. */
  sub: string;
  /** Narrows the grant; at most what was granted and what the caller's token holds. */
  scopes?: readonly string[];
  /** Act through this team (else a managed user, or the team granting the most). */
  teamId?: string;
}

interface LiveDelegation {
  principalId: string;
  athleteId: string;
  teamId: string | null;
  scopes: readonly string[];
  principalScopes: readonly string[];
}

/**
 * Delegated and principal tokens (WIRE.md §3.11, §5.5). A coach acts as a managed user, or as an
 * athlete who authorised a team the coach is in: `delegated-token` records a delegation and
 * answers a pair whose access token's `sub` is the athlete and whose `act.sub` is the coach;
 * `principal-token` answers a pair for the coach again. Every delegated access token is checked
 * on each request against what is held here in memory (the standing delegations, who manages
 * whom) and against the team service's memberships and grants, so that withdrawing a grant,
 * leaving a team or deleting a managed user ends it at once. Refresh tokens are random `pfd_`
 * strings kept as sha256; they are not rotated (WIRE.md §5.4).
 */
export class DelegationService {
  private constructor(
    private readonly repository: DelegationRepository,
    private readonly teamRepository: TeamRepository,
    private readonly tokens: TokenService,
    private readonly teams: TeamService,
    /** Managed user → their manager. */
    private readonly managedBy: Map<string, string>,
    /** Standing delegations by id. */
    private readonly live: Map<string, LiveDelegation>,
  ) {}

  static async open(store: Store, tokens: TokenService, teams: TeamService): Promise<DelegationService> {
    const repository = new DelegationRepository(store);
    const teamRepository = new TeamRepository(store);
    const managedBy = new Map(
      (await teamRepository.listManagedRelations()).map((row) => [row.id, row.managedBy]),
    );
    const live = new Map((await repository.listLive()).map((row) => [row.id, toLive(row)]));
    const service = new DelegationService(repository, teamRepository, tokens, teams, managedBy, live);
    tokens.acceptDelegatedTokens({
      liveScopes: (id, principalId, athleteId) => service.liveScopes(id, principalId, athleteId),
    });
    teams.onDelegationsRevoked = (ids) => {
      for (const id of ids) live.delete(id);
    };
    return service;
  }

  /** Whether an id names a user or athlete of this data dir. */
  userExists(id: string): Promise<boolean> {
    return this.teamRepository.userExists(id);
  }

  /** The scopes a standing delegation grants now (undefined when it ended): memory only, no I/O. */
  liveScopes(delegationId: string, principalId: string, athleteId: string): readonly string[] | undefined {
    const delegation = this.live.get(delegationId);
    if (!delegation || delegation.principalId !== principalId || delegation.athleteId !== athleteId)
      return undefined;
    if (principalId === athleteId) return delegation.scopes;
    if (delegation.teamId === null) {
      return this.managedBy.get(athleteId) === principalId ? API_SCOPES : undefined;
    }
    if (!this.teams.roleOf(delegation.teamId, principalId)) return undefined;
    return this.teams.grantedScopes(delegation.teamId, athleteId);
  }

  /** Notes a new managed user (so that the manager's delegated tokens for them verify). */
  noteManaged(userId: string, managerId: string): void {
    this.managedBy.set(userId, managerId);
  }

  /** Forgets a deleted user: every delegation to or from them ends. */
  forgetUser(userId: string): void {
    this.managedBy.delete(userId);
    for (const [id, delegation] of this.live) {
      if (delegation.athleteId === userId || delegation.principalId === userId) this.live.delete(id);
    }
  }

  /** POST /oauth/delegated-token: a pair acting as `request.sub`, for the caller. */
  async delegate(caller: VerifiedToken, request: DelegationRequest): Promise<TokenPair> {
    if (caller.principalId !== undefined) {
      throw new PeakformError(
        'ERR_DELEGATED_TOKEN',
        'A delegated token cannot delegate again: get your own token back with GET /api/v1/oauth/principal-token first.',
        403,
      );
    }
    const principalId = caller.athleteId;
    const athleteId = request.sub;
    if (!(await this.userExists(athleteId))) {
      throw new PeakformError('ERR_USER_NOT_FOUND', `No user ${athleteId}.`, 404, { id: athleteId });
    }
    const { granted, teamId } = await this.grantFor(principalId, athleteId, request.teamId);
    const asked = request.scopes ?? granted;
    const scopes = API_SCOPES.filter(
      (scope) => granted.includes(scope) && asked.includes(scope) && caller.scopes.includes(scope),
    );
    if (scopes.length === 0) {
      throw new PeakformError(
        'ERR_DELEGATION_FORBIDDEN',
        `None of the scopes asked for is both granted (${granted.join(' ')}) and held by your token.`,
        403,
      );
    }
    return this.issue({
      principalId,
      athleteId,
      teamId,
      scopes,
      principalScopes: caller.scopes.filter((scope) => (API_SCOPES as readonly string[]).includes(scope)),
      audience: caller.audience ?? null,
      source: caller.source ?? {},
    });
  }

  /** GET /oauth/principal-token: a pair for the principal of a delegated token, or for the caller itself. */
  async principal(caller: VerifiedToken): Promise<TokenPair> {
    const delegation = caller.delegationId === undefined ? undefined : this.live.get(caller.delegationId);
    const principalId = caller.principalId ?? caller.athleteId;
    const scopes =
      caller.principalId !== undefined && delegation
        ? [...delegation.principalScopes]
        : caller.scopes.filter((scope) => (API_SCOPES as readonly string[]).includes(scope));
    return this.issue({
      principalId,
      athleteId: principalId,
      teamId: null,
      scopes,
      principalScopes: scopes,
      audience: caller.audience ?? null,
      source: caller.source ?? {},
    });
  }

  /**
   * The token route's refresh for a `pfd_` token: a new access token with the same refresh token,
   * while the delegation and the principal's credential stand. A refresh sent with another app's
   * client id is refused.
   */
  async refresh(refreshToken: string, clientId: string | undefined): Promise<TokenPair> {
    const row = await this.repository.findByRefreshSha256(sha256Hex(refreshToken));
    const invalid = (why: string) => new PeakformError('ERR_REFRESH_INVALID', why, 400);
    if (!row || row.revokedAtS !== null || !this.live.has(row.id))
      throw invalid('The refresh token is unknown or revoked.');
    if (clientId && row.audience && clientId !== row.audience) {
      throw invalid('The refresh token was issued to another client.');
    }
    const source = sourceOf(row);
    if (!this.tokens.isLiveSource(source)) throw invalid('The credential it was delegated from was revoked.');
    const live = this.liveScopes(row.id, row.principalId, row.athleteId);
    if (!live) throw invalid('The access it stood for ended.');
    const scopes = row.scopes.filter((scope) => live.includes(scope));
    const { token, expiresInS } = await this.tokens.mintDelegated({
      delegationId: row.id,
      principalId: row.principalId,
      athleteId: row.athleteId,
      scopes,
      ...(row.audience ? { audience: row.audience } : {}),
      source,
    });
    return pair(token, expiresInS, refreshToken, scopes);
  }

  /** Why the principal may act for the athlete, and with what; 403 when they may not. */
  private async grantFor(
    principalId: string,
    athleteId: string,
    teamId: string | undefined,
  ): Promise<{ granted: readonly string[]; teamId: string | null }> {
    if (principalId === athleteId) return { granted: API_SCOPES, teamId: null };
    if ((await this.managerOf(athleteId)) === principalId) return { granted: API_SCOPES, teamId: null };
    const teams = this.teams
      .teamsGranting(principalId, athleteId)
      .filter((entry) => teamId === undefined || entry.teamId === teamId);
    const best = teams[0];
    if (!best) {
      throw new PeakformError(
        'ERR_DELEGATION_FORBIDDEN',
        teamId === undefined
          ? `You may not act for ${athleteId}: you do not manage them and they authorised no team of yours.`
          : `You may not act for ${athleteId} through ${teamId}: you are not in that team or they did not authorise it.`,
        403,
      );
    }
    return { granted: best.scopes, teamId: best.teamId };
  }

  /** Who manages a user: memory first, then the catalog (a managed user made by another path). */
  private async managerOf(userId: string): Promise<string | undefined> {
    const known = this.managedBy.get(userId);
    if (known) return known;
    const manager = await this.teamRepository.managerOf(userId);
    if (manager) this.managedBy.set(userId, manager);
    return manager;
  }

  private async issue(input: {
    principalId: string;
    athleteId: string;
    teamId: string | null;
    scopes: string[];
    principalScopes: string[];
    audience: string | null;
    source: TokenSource;
  }): Promise<TokenPair> {
    const id = `dlg_${randomBytes(12).toString('hex')}`;
    const refreshToken = `${DELEGATED_REFRESH_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = {
      id,
      principalId: input.principalId,
      athleteId: input.athleteId,
      teamId: input.teamId,
      scopes: input.scopes,
      principalScopes: input.principalScopes,
      audience: input.audience,
      sourceKeyId: input.source.keyId ?? null,
      sourceGrantId: input.source.grantId ?? null,
      sourceSecretId: input.source.secretId ?? null,
    };
    await this.repository.insert(row, sha256Hex(refreshToken));
    this.live.set(id, toLive({ ...row, revokedAtS: null }));
    const { token, expiresInS } = await this.tokens.mintDelegated({
      delegationId: id,
      principalId: input.principalId,
      athleteId: input.athleteId,
      scopes: input.scopes,
      ...(input.audience ? { audience: input.audience } : {}),
      source: input.source,
    });
    return pair(token, expiresInS, refreshToken, input.scopes);
  }
}

function toLive(row: DelegationRow): LiveDelegation {
  return {
    principalId: row.principalId,
    athleteId: row.athleteId,
    teamId: row.teamId,
    scopes: [...row.scopes],
    principalScopes: [...row.principalScopes],
  };
}

function sourceOf(row: DelegationRow): TokenSource {
  return {
    ...(row.sourceKeyId ? { keyId: row.sourceKeyId } : {}),
    ...(row.sourceGrantId ? { grantId: row.sourceGrantId } : {}),
    ...(row.sourceSecretId ? { secretId: row.sourceSecretId } : {}),
  };
}

function pair(token: string, expiresInS: number, refreshToken: string, scopes: readonly string[]): TokenPair {
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: expiresInS,
    refresh_token: refreshToken,
    scope: scopes.join(' '),
  };
}
