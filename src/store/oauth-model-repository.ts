import type { Store } from './store.ts';

/** One stored oidc-provider model (a grant, refresh token, code, session or interaction). */
export interface OAuthModelRow {
  model: string;
  id: string;
  payload: Record<string, unknown>;
  grantId: string | null;
  uid: string | null;
  accountId: string | null;
  clientId: string | null;
  secretId: string | null;
  /** UTC epoch seconds; null when it does not expire. */
  expiresAtS: number | null;
  consumedAtS: number | null;
}

const SELECT_MODEL = `SELECT model, id, CAST(payload AS VARCHAR) AS payload, grant_id AS "grantId", uid,
  account_id AS "accountId", client_id AS "clientId", secret_id AS "secretId",
  epoch(expires_at) AS "expiresAtS", epoch(consumed_at) AS "consumedAtS" FROM oauth_models`;

type RawRow = Omit<OAuthModelRow, 'payload'> & { payload: string };

function parse(row: RawRow): OAuthModelRow {
  return { ...row, payload: JSON.parse(row.payload) as Record<string, unknown> };
}

/** All SQL of `oauth_models`, the storage behind oidc-provider's adapter. */
export class OAuthModelRepository {
  constructor(private readonly store: Store) {}

  async upsert(row: OAuthModelRow): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT OR REPLACE INTO oauth_models
           (model, id, payload, grant_id, uid, account_id, client_id, secret_id, expires_at, consumed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9), to_timestamp($10))`,
        [
          row.model,
          row.id,
          JSON.stringify(row.payload),
          row.grantId,
          row.uid,
          row.accountId,
          row.clientId,
          row.secretId,
          row.expiresAtS,
          row.consumedAtS,
        ],
      ),
    );
  }

  async find(model: string, id: string): Promise<OAuthModelRow | undefined> {
    const [row] = await this.store.all<RawRow>(`${SELECT_MODEL} WHERE model = $1 AND id = $2`, [model, id]);
    return row && parse(row);
  }

  async findByUid(model: string, uid: string): Promise<OAuthModelRow | undefined> {
    const [row] = await this.store.all<RawRow>(`${SELECT_MODEL} WHERE model = $1 AND uid = $2`, [model, uid]);
    return row && parse(row);
  }

  async consume(model: string, id: string, consumedAtS: number): Promise<void> {
    await this.store.write(async (tx) => {
      const [row] = await tx.all<{ payload: string }>(
        'SELECT CAST(payload AS VARCHAR) AS payload FROM oauth_models WHERE model = $1 AND id = $2',
        [model, id],
      );
      if (!row) return;
      const payload = { ...(JSON.parse(row.payload) as object), consumed: consumedAtS };
      await tx.run(
        'UPDATE oauth_models SET consumed_at = to_timestamp($3), payload = $4 WHERE model = $1 AND id = $2',
        [model, id, consumedAtS, JSON.stringify(payload)],
      );
    });
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run('DELETE FROM oauth_models WHERE model = $1 AND id = $2', [model, id]),
    );
  }

  /** Removes every model of a grant (its codes and refresh tokens, and the grant itself). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run('DELETE FROM oauth_models WHERE grant_id = $1 OR (model = $2 AND id = $1)', [grantId, 'Grant']),
    );
  }

  /** The grants of one account, oldest first. */
  async listGrants(accountId: string): Promise<OAuthModelRow[]> {
    const rows = await this.store.all<RawRow>(
      `${SELECT_MODEL} WHERE model = 'Grant' AND account_id = $1 ORDER BY CAST(payload->>'iat' AS BIGINT), id`,
      [accountId],
    );
    return rows.map(parse);
  }

  /** Ids of every live grant, to hold in memory so that a token check is a set lookup. */
  async listGrantIds(): Promise<string[]> {
    const rows = await this.store.all<{ id: string }>(
      "SELECT id FROM oauth_models WHERE model = 'Grant' AND (expires_at IS NULL OR expires_at > now())",
    );
    return rows.map((row) => row.id);
  }

  /** Deletes what has expired; returns how many rows went. */
  async pruneExpired(nowS: number): Promise<void> {
    await this.store.write((tx) =>
      tx.run('DELETE FROM oauth_models WHERE expires_at IS NOT NULL AND expires_at < to_timestamp($1)', [
        nowS,
      ]),
    );
  }
}
