import type { Store } from './store.ts';

/** One delegation: a pair handed out by delegated-token or principal-token (WIRE.md §5.5). */
export interface DelegationRow {
  id: string;
  principalId: string;
  /** The user the tokens act as (the principal itself for a principal pair). */
  athleteId: string;
  /** The team the access comes through; null for a managed user or a principal pair. */
  teamId: string | null;
  scopes: string[];
  /** What the principal's own token held (a principal pair gets these back). */
  principalScopes: string[];
  audience: string | null;
  sourceKeyId: string | null;
  sourceGrantId: string | null;
  sourceSecretId: string | null;
  revokedAtS: number | null;
}

export interface PortalLinkRow {
  athleteId: string;
  clientId: string;
  destination: string;
  returnUrl: string | null;
}

const SELECT_DELEGATION = `SELECT id, principal_id AS "principalId", athlete_id AS "athleteId", team_id AS "teamId",
  scopes, principal_scopes AS "principalScopes", audience, source_key_id AS "sourceKeyId",
  source_grant_id AS "sourceGrantId", source_secret_id AS "sourceSecretId", epoch(revoked_at) AS "revokedAtS"
  FROM delegations`;

const VARCHAR_LIST = 'CAST(CAST(? AS JSON) AS VARCHAR[])';

/** All SQL of delegations (their refresh tokens by sha256) and one-time Portal links. */
export class DelegationRepository {
  constructor(private readonly store: Store) {}

  async insert(row: Omit<DelegationRow, 'revokedAtS'>, refreshSha256: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO delegations (id, principal_id, athlete_id, team_id, scopes, principal_scopes, audience,
           source_key_id, source_grant_id, source_secret_id, refresh_sha256)
         VALUES (?, ?, ?, ?, ${VARCHAR_LIST}, ${VARCHAR_LIST}, ?, ?, ?, ?, ?)`,
        [
          row.id,
          row.principalId,
          row.athleteId,
          row.teamId,
          JSON.stringify(row.scopes),
          JSON.stringify(row.principalScopes),
          row.audience,
          row.sourceKeyId,
          row.sourceGrantId,
          row.sourceSecretId,
          refreshSha256,
        ],
      ),
    );
  }

  /** Every delegation that stands (held in memory: one process owns the catalog). */
  listLive(): Promise<DelegationRow[]> {
    return this.store.all<DelegationRow>(`${SELECT_DELEGATION} WHERE revoked_at IS NULL`);
  }

  async findByRefreshSha256(sha256: string): Promise<DelegationRow | undefined> {
    const [row] = await this.store.all<DelegationRow>(`${SELECT_DELEGATION} WHERE refresh_sha256 = ?`, [
      sha256,
    ]);
    return row;
  }

  async insertPortalLink(tokenSha256: string, row: PortalLinkRow, expiresAtS: number): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM portal_links WHERE expires_at <= now()');
      await tx.run(
        `INSERT INTO portal_links (token_sha256, athlete_id, client_id, destination, return_url, expires_at)
         VALUES (?, ?, ?, ?, ?, to_timestamp(?))`,
        [tokenSha256, row.athleteId, row.clientId, row.destination, row.returnUrl, expiresAtS],
      );
    });
  }

  /** The link with this hash, deleted in the same transaction (single use); undefined when unknown or expired. */
  consumePortalLink(tokenSha256: string): Promise<PortalLinkRow | undefined> {
    return this.store.write(async (tx) => {
      const [row] = await tx.all<PortalLinkRow>(
        `SELECT athlete_id AS "athleteId", client_id AS "clientId", destination, return_url AS "returnUrl"
         FROM portal_links WHERE token_sha256 = ? AND expires_at > now()`,
        [tokenSha256],
      );
      await tx.run('DELETE FROM portal_links WHERE token_sha256 = ?', [tokenSha256]);
      return row;
    });
  }
}
