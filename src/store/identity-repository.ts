import { ENSURE_ATHLETE_SQL } from './catalog-schema.ts';
import type { Store } from './store.ts';

/** One row of `users`; instants as UTC epoch seconds. */
export interface UserRow {
  id: string;
  email: string | null;
  passwordHash: string | null;
  firstName: string | null;
  lastName: string | null;
  isManaged: boolean;
  managedBy: string | null;
  admin: boolean;
  registeredAtS: number;
}

export interface NewUserRow {
  id: string;
  email: string | null;
  passwordHash: string | null;
  firstName: string | null;
  lastName: string | null;
  isManaged: boolean;
  managedBy: string | null;
}

/** One row of `applications`. */
export interface ApplicationRow {
  id: string;
  ownerId: string;
  name: string;
  description: string | null;
  url: string | null;
  image: string | null;
  privacyStatement: string | null;
  redirectUris: string[];
  capabilities: string[] | null;
  isConfidential: boolean;
  createdAtS: number;
}

export interface ApplicationSecretRow {
  id: string;
  applicationId: string;
  label: string | null;
  createdAtS: number;
  lastUsedAtS: number | null;
}

const SELECT_USER = `SELECT id, email, password_hash AS "passwordHash", first_name AS "firstName",
  last_name AS "lastName", is_managed AS "isManaged", managed_by AS "managedBy", admin,
  epoch(registered_at) AS "registeredAtS" FROM users`;

const SELECT_APPLICATION = `SELECT id, owner_id AS "ownerId", name, description, url, image,
  privacy_statement AS "privacyStatement", redirect_uris AS "redirectUris", capabilities,
  is_confidential AS "isConfidential", epoch(created_at) AS "createdAtS" FROM applications`;

const SELECT_SECRET = `SELECT id, application_id AS "applicationId", label, epoch(created_at) AS "createdAtS",
  epoch(last_used_at) AS "lastUsedAtS" FROM application_secrets`;

/** The driver cannot bind untyped lists: a list travels as JSON and is cast back. */
const VARCHAR_LIST = 'CAST(CAST(? AS JSON) AS VARCHAR[])';

/** All SQL of users, applications and their client secrets. */
export class IdentityRepository {
  constructor(private readonly store: Store) {}

  async insertUser(row: NewUserRow): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run(ENSURE_ATHLETE_SQL, [row.id]);
      await tx.run(
        `INSERT INTO users (id, email, password_hash, first_name, last_name, is_managed, managed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [row.id, row.email, row.passwordHash, row.firstName, row.lastName, row.isManaged, row.managedBy],
      );
    });
  }

  async findUser(id: string): Promise<UserRow | undefined> {
    const [row] = await this.store.all<UserRow>(`${SELECT_USER} WHERE id = $1`, [id]);
    return row;
  }

  async findUserByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.store.all<UserRow>(`${SELECT_USER} WHERE email = $1`, [email]);
    return row;
  }

  /** Every user, oldest first. */
  listUsers(): Promise<UserRow[]> {
    return this.store.all<UserRow>(`${SELECT_USER} ORDER BY registered_at, id`);
  }

  listManagedUsers(managerId: string): Promise<UserRow[]> {
    return this.store.all<UserRow>(`${SELECT_USER} WHERE managed_by = $1 ORDER BY registered_at, id`, [
      managerId,
    ]);
  }

  async updateUserNames(
    id: string,
    names: { firstName?: string | null; lastName?: string | null },
  ): Promise<void> {
    await this.store.write(async (tx) => {
      if (names.firstName !== undefined)
        await tx.run('UPDATE users SET first_name = $2 WHERE id = $1', [id, names.firstName]);
      if (names.lastName !== undefined)
        await tx.run('UPDATE users SET last_name = $2 WHERE id = $1', [id, names.lastName]);
    });
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run('UPDATE users SET password_hash = $2 WHERE id = $1', [id, passwordHash]),
    );
  }

  async deleteUserRow(id: string): Promise<void> {
    await this.store.write((tx) => tx.run('DELETE FROM users WHERE id = $1', [id]));
  }

  async insertApplication(row: ApplicationRow): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO applications (id, owner_id, name, description, url, image, privacy_statement,
           redirect_uris, capabilities, is_confidential, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ${VARCHAR_LIST}, ${VARCHAR_LIST}, ?, to_timestamp(?))`,
        [
          row.id,
          row.ownerId,
          row.name,
          row.description,
          row.url,
          row.image,
          row.privacyStatement,
          JSON.stringify(row.redirectUris),
          row.capabilities === null ? null : JSON.stringify(row.capabilities),
          row.isConfidential,
          row.createdAtS,
        ],
      ),
    );
  }

  async updateApplication(row: ApplicationRow): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `UPDATE applications SET name = ?, description = ?, url = ?, image = ?, privacy_statement = ?,
           redirect_uris = ${VARCHAR_LIST}, capabilities = ${VARCHAR_LIST}
         WHERE id = ?`,
        [
          row.name,
          row.description,
          row.url,
          row.image,
          row.privacyStatement,
          JSON.stringify(row.redirectUris),
          row.capabilities === null ? null : JSON.stringify(row.capabilities),
          row.id,
        ],
      ),
    );
  }

  async findApplication(id: string): Promise<ApplicationRow | undefined> {
    const [row] = await this.store.all<ApplicationRow>(`${SELECT_APPLICATION} WHERE id = $1`, [id]);
    return row;
  }

  /** An owner's apps (every app for null), newest first. */
  listApplications(ownerId: string | null): Promise<ApplicationRow[]> {
    return ownerId === null
      ? this.store.all<ApplicationRow>(`${SELECT_APPLICATION} ORDER BY created_at DESC, id`)
      : this.store.all<ApplicationRow>(
          `${SELECT_APPLICATION} WHERE owner_id = $1 ORDER BY created_at DESC, id`,
          [ownerId],
        );
  }

  /** Deletes an app with its secrets, its app metadata and every grant, code and token issued to it. */
  async deleteApplication(id: string): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM application_secrets WHERE application_id = $1', [id]);
      await tx.run('DELETE FROM app_metadata WHERE client_id = $1', [id]);
      await tx.run('DELETE FROM oauth_models WHERE client_id = $1', [id]);
      await tx.run('UPDATE tokens SET revoked_at = now() WHERE client_id = $1 AND revoked_at IS NULL', [id]);
      await tx.run('DELETE FROM applications WHERE id = $1', [id]);
    });
  }

  async insertSecret(row: {
    id: string;
    applicationId: string;
    label: string | null;
    secretSha256: string;
  }): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        'INSERT INTO application_secrets (id, application_id, label, secret_sha256) VALUES ($1, $2, $3, $4)',
        [row.id, row.applicationId, row.label, row.secretSha256],
      ),
    );
  }

  listSecrets(applicationId: string): Promise<ApplicationSecretRow[]> {
    return this.store.all<ApplicationSecretRow>(
      `${SELECT_SECRET} WHERE application_id = $1 ORDER BY created_at, id`,
      [applicationId],
    );
  }

  /** Every secret's id and app, to hold in memory (one process owns the catalog). */
  listAllSecretHashes(): Promise<{ id: string; applicationId: string; secretSha256: string }[]> {
    return this.store.all(
      'SELECT id, application_id AS "applicationId", secret_sha256 AS "secretSha256" FROM application_secrets',
    );
  }

  /** Deletes a secret and every OAuth token issued under it. Returns false when the app has no such secret. */
  deleteSecret(applicationId: string, secretId: string): Promise<boolean> {
    return this.store.write(async (tx) => {
      const found = await tx.all('SELECT 1 FROM application_secrets WHERE id = $1 AND application_id = $2', [
        secretId,
        applicationId,
      ]);
      if (found.length === 0) return false;
      await tx.run('DELETE FROM oauth_models WHERE secret_id = $1', [secretId]);
      await tx.run('DELETE FROM application_secrets WHERE id = $1', [secretId]);
      return true;
    });
  }
}
