import { ENSURE_ATHLETE_SQL } from './catalog-schema.ts';
import type { Store } from './store.ts';

/** One row of the `tokens` table; instants as UTC epoch seconds. */
export interface TokenRow {
  id: string;
  athleteId: string;
  name: string | null;
  /** The JWT id of a personal key (equal to `id`); null for a legacy `pf_` key. */
  jti: string | null;
  /** Null on legacy keys, which act with the default scopes. */
  scopes: string[] | null;
  signingKid: string | null;
  createdAtS: number;
  /** Null on legacy keys, which never expire. */
  expiresAtS: number | null;
  revokedAtS: number | null;
  lastUsedAtS: number | null;
}

/** The least a verify needs, so the per-request lookup converts three values, not a whole row. */
export interface TokenAuthRow {
  id: string;
  athleteId: string;
  revokedAtS: number | null;
  /** The app of an application token (its `aud`); null for a personal key. */
  clientId: string | null;
}

export interface NewTokenRow {
  id: string;
  athleteId: string;
  name: string | null;
  tokenSha256: string;
  scopes: readonly string[];
  signingKid: string;
  createdAtS: number;
  expiresAtS: number;
  /** The app of an application token; null for a personal key. */
  clientId: string | null;
}

const SELECT_TOKEN = `SELECT id, athlete_id AS "athleteId", name, jti, scopes, signing_kid AS "signingKid",
  epoch(created_at) AS "createdAtS", epoch(expires_at) AS "expiresAtS", epoch(revoked_at) AS "revokedAtS",
  epoch(last_used_at) AS "lastUsedAtS"
  FROM tokens`;

const SELECT_AUTH =
  'SELECT id, athlete_id AS "athleteId", epoch(revoked_at) AS "revokedAtS", client_id AS "clientId" FROM tokens';

/** All SQL of the `tokens` table: personal API keys (JWTs, by jti) and legacy `pf_` keys (by sha256). */
export class TokenRepository {
  constructor(private readonly store: Store) {}

  /** Inserts a personal key whose jti is its id; the athlete row is created if it is new. */
  async insert(row: NewTokenRow): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run(ENSURE_ATHLETE_SQL, [row.athleteId]);
      await tx.run(
        `INSERT INTO tokens (id, jti, athlete_id, token_sha256, name, scopes, signing_kid, created_at, expires_at, client_id)
         VALUES ($1, $1, $2, $3, $4, CAST(CAST($5 AS JSON) AS VARCHAR[]), $6, to_timestamp($7), to_timestamp($8), $9)`,
        [
          row.id,
          row.athleteId,
          row.tokenSha256,
          row.name,
          // The driver cannot bind untyped lists, so the list travels as JSON and is cast back.
          JSON.stringify(row.scopes),
          row.signingKid,
          row.createdAtS,
          row.expiresAtS,
          row.clientId,
        ],
      );
    });
  }

  /** Every personal key's id, athlete and revocation (to hold in memory: one process owns the catalog). */
  listPersonalAuth(): Promise<TokenAuthRow[]> {
    return this.store.all<TokenAuthRow>(`${SELECT_AUTH} WHERE jti IS NOT NULL AND id = jti`);
  }

  /** The legacy `pf_` key with this hash (through the unique index on token_sha256); revoked rows included. */
  async findLegacyAuthBySha256(tokenSha256: string): Promise<TokenAuthRow | undefined> {
    const [row] = await this.store.all<TokenAuthRow>(
      `${SELECT_AUTH} WHERE token_sha256 = $1 AND jti IS NULL`,
      [tokenSha256],
    );
    return row;
  }

  /** An athlete's keys, newest first, revoked ones included. */
  listByAthlete(athleteId: string): Promise<TokenRow[]> {
    return this.store.all<TokenRow>(`${SELECT_TOKEN} WHERE athlete_id = $1 ORDER BY created_at DESC, id`, [
      athleteId,
    ]);
  }

  /**
   * Revokes one of the athlete's keys by id (a personal key's id is its jti). Returns false when
   * the athlete has no such key; revoking a revoked key keeps its first revocation time.
   */
  revoke(athleteId: string, id: string, revokedAtS: number): Promise<boolean> {
    return this.store.write(async (tx) => {
      const found = await tx.all('SELECT 1 FROM tokens WHERE id = $1 AND athlete_id = $2', [id, athleteId]);
      if (found.length === 0) return false;
      await tx.run(
        'UPDATE tokens SET revoked_at = to_timestamp($3) WHERE id = $1 AND athlete_id = $2 AND revoked_at IS NULL',
        [id, athleteId, revokedAtS],
      );
      return true;
    });
  }

  /** Revokes an athlete's application tokens of one app; returns the ids revoked now. */
  revokeByClient(athleteId: string, clientId: string, revokedAtS: number): Promise<string[]> {
    return this.store.write(async (tx) => {
      const rows = await tx.all<{ id: string }>(
        'SELECT id FROM tokens WHERE athlete_id = $1 AND client_id = $2 AND revoked_at IS NULL',
        [athleteId, clientId],
      );
      await tx.run(
        'UPDATE tokens SET revoked_at = to_timestamp($3) WHERE athlete_id = $1 AND client_id = $2 AND revoked_at IS NULL',
        [athleteId, clientId, revokedAtS],
      );
      return rows.map((row) => row.id);
    });
  }

  /** The apps an athlete holds live application tokens for (the connected-apps page). */
  listLiveClientIds(athleteId: string): Promise<{ clientId: string; scopes: string[] }[]> {
    return this.store.all(
      `SELECT client_id AS "clientId", scopes FROM tokens
       WHERE athlete_id = $1 AND client_id IS NOT NULL AND revoked_at IS NULL AND expires_at > now()`,
      [athleteId],
    );
  }

  /** How many unexpired, unrevoked keys a signing key signed. */
  async countLiveBySigningKid(kid: string, nowS: number): Promise<number> {
    const [row] = await this.store.all<{ n: bigint | number }>(
      `SELECT count(*) AS n FROM tokens WHERE signing_kid = $1 AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > to_timestamp($2))`,
      [kid, nowS],
    );
    return Number(row?.n ?? 0);
  }

  async touchLastUsed(id: string, usedAtS: number): Promise<void> {
    await this.store.write((tx) =>
      tx.run('UPDATE tokens SET last_used_at = to_timestamp($2) WHERE id = $1', [id, usedAtS]),
    );
  }
}
