import type { Store } from '../../store/store.ts';
import type { TokenService } from '../tokens/token-service.ts';
import type { Account, AccountService } from './account-service.ts';
import type { DelegationService } from './delegation-service.ts';
import { API_SCOPES, type TeamService } from './team-service.ts';

/** A user as the caller sees them in lists: the account and the scopes the caller holds for it. */
export interface UserEntry {
  account: Account;
  scopes: string[];
}

export interface UserListOptions {
  includeManaged?: boolean;
  includeShared?: boolean;
  /** Case-insensitive substring of the display name. */
  name?: string;
}

/**
 * The users a caller can act for (WIRE.md §3.9): themselves, the managed users they created, and
 * athletes who authorised a team they belong to. Managed users are created, renamed and deleted
 * here; deleting one deletes all their data (activities with their lake files, sources and
 * originals, dailies, thresholds, tokens, delegations, team rows) in one catalog commit.
 */
export class UserService {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly teams: TeamService,
    private readonly delegation: DelegationService,
    private readonly tokens: TokenService,
    /** Runs a write that must not interleave with ingest, recompute or delete. */
    private readonly enqueueWrite: <T>(work: () => Promise<T>) => Promise<T>,
    /** Drops what is cached of an athlete's data. */
    private readonly onChange: (athleteId: string) => void,
  ) {}

  /** The caller first, then their managed users, then shared ones (by name); filtered by name. */
  async list(callerId: string, options: UserListOptions = {}): Promise<UserEntry[]> {
    const entries: UserEntry[] = [{ account: await this.accounts.get(callerId), scopes: [...API_SCOPES] }];
    const seen = new Set([callerId]);
    if (options.includeManaged ?? true) {
      for (const account of await this.accounts.listManaged(callerId)) {
        seen.add(account.id);
        entries.push({ account, scopes: [...API_SCOPES] });
      }
    }
    if (options.includeShared ?? true) {
      const shared: UserEntry[] = [];
      for (const [userId, scopes] of this.teams.sharedWith(callerId)) {
        if (seen.has(userId)) continue;
        shared.push({ account: await this.accounts.get(userId), scopes });
      }
      shared.sort((a, b) => a.account.displayName.localeCompare(b.account.displayName));
      entries.push(...shared);
    }
    const name = options.name?.toLowerCase();
    return name ? entries.filter((entry) => entry.account.displayName.toLowerCase().includes(name)) : entries;
  }

  /** The athletes who authorised a team (members only), as entries with the scopes each granted. */
  async teamUsers(teamId: string, callerId: string, name?: string): Promise<UserEntry[]> {
    const entries: UserEntry[] = [];
    for (const { userId, scopes } of this.teams.teamUsers(teamId, callerId)) {
      entries.push({ account: await this.accounts.get(userId), scopes });
    }
    const needle = name?.toLowerCase();
    return needle
      ? entries.filter((entry) => entry.account.displayName.toLowerCase().includes(needle))
      : entries;
  }

  async createManaged(
    managerId: string,
    names: { firstName: string | null; lastName: string | null },
  ): Promise<Account> {
    const account = await this.accounts.createManaged(managerId, names);
    this.delegation.noteManaged(account.id, managerId);
    return account;
  }

  /** A managed user of the caller; 404 otherwise. */
  getManaged(managerId: string, id: string): Promise<Account> {
    return this.accounts.getManaged(managerId, id);
  }

  async rename(
    managerId: string,
    id: string,
    names: { firstName?: string | null; lastName?: string | null },
  ): Promise<Account> {
    await this.accounts.getManaged(managerId, id);
    return this.accounts.rename(id, names);
  }

  /** Deletes a managed user of the caller and all their data; their tokens stop working at once. */
  async deleteManaged(managerId: string, id: string): Promise<void> {
    await this.accounts.getManaged(managerId, id);
    await this.enqueueWrite(() => this.store.deleteAthlete(id));
    this.tokens.forgetAthlete(id);
    this.delegation.forgetUser(id);
    this.teams.forgetUser(id);
    this.onChange(id);
  }
}
