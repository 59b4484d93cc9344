import type { WriteTransaction } from './database.ts';
import type { Store } from './store.ts';

/** One row of `teams`; instants as UTC epoch seconds. */
export interface TeamRow {
  id: string;
  name: string;
  description: string;
  url: string | null;
  image: string | null;
  privacyStatement: string | null;
  createdAtS: number;
}

export interface TeamMemberRow {
  teamId: string;
  userId: string;
  role: 'owner' | 'member';
}

export interface TeamAuthorizationRow {
  teamId: string;
  userId: string;
  scopes: string[];
  authorizedAtS: number;
}

const SELECT_TEAM = `SELECT id, name, description, url, image, privacy_statement AS "privacyStatement",
  epoch(created_at) AS "createdAtS" FROM teams`;

/** The driver cannot bind untyped lists: a list travels as JSON and is cast back. */
const VARCHAR_LIST = 'CAST(CAST(? AS JSON) AS VARCHAR[])';

/**
 * All SQL of teams, their members and the athletes' authorisations. Withdrawing an authorisation
 * or leaving a team revokes, in the same transaction, the delegations made through it.
 */
export class TeamRepository {
  constructor(private readonly store: Store) {}

  /** Inserts a team with its owner as its first member. */
  async insertTeam(row: Omit<TeamRow, 'createdAtS'>, ownerId: string): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run(
        'INSERT INTO teams (id, name, description, url, image, privacy_statement) VALUES (?, ?, ?, ?, ?, ?)',
        [row.id, row.name, row.description, row.url, row.image, row.privacyStatement],
      );
      await tx.run("INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, 'owner')", [
        row.id,
        ownerId,
      ]);
    });
  }

  async findTeam(id: string): Promise<TeamRow | undefined> {
    const [row] = await this.store.all<TeamRow>(`${SELECT_TEAM} WHERE id = ?`, [id]);
    return row;
  }

  listTeams(): Promise<TeamRow[]> {
    return this.store.all<TeamRow>(`${SELECT_TEAM} ORDER BY name, id`);
  }

  listMembers(): Promise<TeamMemberRow[]> {
    return this.store.all<TeamMemberRow>(
      'SELECT team_id AS "teamId", user_id AS "userId", role FROM team_members ORDER BY joined_at, user_id',
    );
  }

  listAuthorizations(): Promise<TeamAuthorizationRow[]> {
    return this.store.all<TeamAuthorizationRow>(
      `SELECT team_id AS "teamId", user_id AS "userId", scopes, epoch(authorized_at) AS "authorizedAtS"
       FROM team_authorizations ORDER BY authorized_at, user_id`,
    );
  }

  async upsertMember(teamId: string, userId: string, role: 'owner' | 'member'): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM team_members WHERE team_id = ? AND user_id = ?', [teamId, userId]);
      await tx.run('INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)', [
        teamId,
        userId,
        role,
      ]);
    });
  }

  /** Removes a member and revokes the delegations they hold through the team. */
  removeMember(teamId: string, userId: string): Promise<string[]> {
    return this.store.write(async (tx) => {
      await tx.run('DELETE FROM team_members WHERE team_id = ? AND user_id = ?', [teamId, userId]);
      return revokeDelegations(tx, 'team_id = ? AND principal_id = ?', [teamId, userId]);
    });
  }

  /** Stores (or replaces) an athlete's grant to a team; delegated tokens act with what it grants now. */
  async upsertAuthorization(teamId: string, userId: string, scopes: readonly string[]): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM team_authorizations WHERE team_id = ? AND user_id = ?', [teamId, userId]);
      await tx.run(
        `INSERT INTO team_authorizations (team_id, user_id, scopes) VALUES (?, ?, ${VARCHAR_LIST})`,
        [teamId, userId, JSON.stringify(scopes)],
      );
    });
  }

  /** Withdraws an athlete's grant and revokes every delegation made through it; false when there was none. */
  deleteAuthorization(teamId: string, userId: string): Promise<{ found: boolean; revoked: string[] }> {
    return this.store.write(async (tx) => {
      const found = await tx.all('SELECT 1 FROM team_authorizations WHERE team_id = ? AND user_id = ?', [
        teamId,
        userId,
      ]);
      if (found.length === 0) return { found: false, revoked: [] };
      await tx.run('DELETE FROM team_authorizations WHERE team_id = ? AND user_id = ?', [teamId, userId]);
      return {
        found: true,
        revoked: await revokeDelegations(tx, 'team_id = ? AND athlete_id = ?', [teamId, userId]),
      };
    });
  }

  /** Whether an id names an athlete or a user of this data dir. */
  async userExists(id: string): Promise<boolean> {
    const rows = await this.store.all(
      'SELECT 1 FROM users WHERE id = ? UNION ALL SELECT 1 FROM athletes WHERE id = ?',
      [id, id],
    );
    return rows.length > 0;
  }

  /** Who manages a user (undefined for a user no one manages). */
  async managerOf(id: string): Promise<string | undefined> {
    const [row] = await this.store.all<{ managedBy: string }>(
      'SELECT managed_by AS "managedBy" FROM users WHERE id = ? AND is_managed AND managed_by IS NOT NULL',
      [id],
    );
    return row?.managedBy;
  }

  /** Every managed user and who manages them (held in memory to check delegated tokens). */
  listManagedRelations(): Promise<{ id: string; managedBy: string }[]> {
    return this.store.all(
      'SELECT id, managed_by AS "managedBy" FROM users WHERE is_managed AND managed_by IS NOT NULL',
    );
  }
}

async function revokeDelegations(tx: WriteTransaction, where: string, params: string[]): Promise<string[]> {
  const rows = await tx.all<{ id: string }>(
    `SELECT id FROM delegations WHERE ${where} AND revoked_at IS NULL`,
    params,
  );
  await tx.run(`UPDATE delegations SET revoked_at = now() WHERE ${where} AND revoked_at IS NULL`, params);
  return rows.map((row) => row.id);
}
