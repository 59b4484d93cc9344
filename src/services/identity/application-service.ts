import { createHmac, randomBytes } from 'node:crypto';
import { PeakformError } from '../../domain/errors.ts';
import { sha256Hex } from '../../domain/ids.ts';
import { type ApplicationRow, IdentityRepository } from '../../store/identity-repository.ts';
import type { Store } from '../../store/store.ts';

/** The official Python SDK's public client, registered out of the box (WIRE.md §5.2). */
export const SDK_CLIENT_ID = '5382f68b0d254378';
const SDK_CLIENT_NAME = 'SweatStack Python SDK';
/** The web app served at /app/ (a public client with PKCE); its redirect URI is `<issuer>/app/callback`. */
export const WEB_APP_CLIENT_ID = 'a7e5b0c2d9f14e36';
const WEB_APP_CLIENT_NAME = 'Peakform web app';
/** Loopback on any port (RFC 8252 §7.3): oidc-provider ignores the port of a native client's http loopback URIs. */
const LOOPBACK_REDIRECTS = ['http://localhost', 'http://127.0.0.1', 'http://[::1]'];
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:']);
const MAX_REDIRECT_URIS = 20;
const MAX_SECRETS = 10;

/** An athlete's id, or null for the operator (the CLI), who may manage every app. */
export type Owner = string | null;
/** Apps the operator creates belong to no athlete: no API caller can list or change them. */
const OPERATOR_OWNER_ID = '';

export interface Application {
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
  /** Private while any of description, URL, image or privacy statement is missing (WIRE.md §2.9). */
  isPrivate: boolean;
  createdAt: Date;
}

export interface ApplicationInput {
  name: string;
  description?: string | null;
  url?: string | null;
  image?: string | null;
  privacyStatement?: string | null;
  redirectUris?: readonly string[];
  capabilities?: readonly string[] | null;
  confidential?: boolean;
}

export interface ClientSecret {
  id: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface CreatedSecret extends ClientSecret {
  /** Shown once; only its sha256 is kept. */
  secret: string;
}

/** What oidc-provider needs to know of a client (its metadata, RFC 7591 names). */
export interface ClientMetadata {
  client_id: string;
  client_name: string;
  client_secret?: string;
  redirect_uris: string[];
  application_type: 'web' | 'native';
  token_endpoint_auth_method: 'none' | 'client_secret_post';
  grant_types: string[];
  response_types: string[];
}

/**
 * Applications (OAuth clients) and their client secrets. An app's id is its client id. A
 * confidential app may hold several labelled secrets at once, so that one can be rotated while
 * the other still works; each is shown once. oidc-provider knows one secret per client, so the
 * token route checks the caller's secret here and hands oidc-provider an internal secret derived
 * from the server's key (`providerSecretFor`), and the id of the secret that was used.
 */
export class ApplicationService {
  private readonly repository: IdentityRepository;

  private constructor(
    store: Store,
    /** Key for internal client secrets; never leaves the process. */
    private readonly serverKey: Buffer,
    /** sha256 of each secret → its id and app (one process owns the catalog). */
    private readonly secretsByHash: Map<string, { id: string; applicationId: string }>,
  ) {
    this.repository = new IdentityRepository(store);
  }

  static async open(store: Store, serverKey: Buffer): Promise<ApplicationService> {
    const rows = await new IdentityRepository(store).listAllSecretHashes();
    return new ApplicationService(
      store,
      serverKey,
      new Map(rows.map((row) => [row.secretSha256, { id: row.id, applicationId: row.applicationId }])),
    );
  }

  async create(
    ownerId: Owner,
    input: ApplicationInput,
  ): Promise<{ application: Application; secret?: CreatedSecret }> {
    const row: ApplicationRow = {
      id: randomBytes(8).toString('hex'),
      ownerId: ownerId ?? OPERATOR_OWNER_ID,
      createdAtS: Math.floor(Date.now() / 1000),
      isConfidential: input.confidential ?? false,
      ...validated(input),
    };
    await this.repository.insertApplication(row);
    const secret = row.isConfidential ? await this.addSecret(ownerId, row.id, 'default') : undefined;
    return { application: toApplication(row), ...(secret ? { secret } : {}) };
  }

  /** The owner's apps, newest first; every app for the operator. */
  async list(ownerId: Owner): Promise<Application[]> {
    return (await this.repository.listApplications(ownerId)).map(toApplication);
  }

  /** One of the owner's apps; 404 for an unknown id or another owner's app. */
  async get(ownerId: Owner, id: string): Promise<Application> {
    const row = await this.repository.findApplication(id);
    if (!row || (ownerId !== null && row.ownerId !== ownerId)) throw notFound(id);
    return toApplication(row);
  }

  async update(ownerId: Owner, id: string, input: ApplicationInput): Promise<Application> {
    const current = await this.get(ownerId, id);
    const row: ApplicationRow = {
      id,
      ownerId: current.ownerId,
      isConfidential: current.isConfidential,
      createdAtS: Math.floor(current.createdAt.getTime() / 1000),
      ...validated({
        name: input.name,
        description: input.description === undefined ? current.description : input.description,
        url: input.url === undefined ? current.url : input.url,
        image: input.image === undefined ? current.image : input.image,
        privacyStatement:
          input.privacyStatement === undefined ? current.privacyStatement : input.privacyStatement,
        redirectUris: input.redirectUris ?? current.redirectUris,
        capabilities: input.capabilities === undefined ? current.capabilities : input.capabilities,
      }),
    };
    await this.repository.updateApplication(row);
    return toApplication(row);
  }

  /** Deletes the app, its secrets and every grant and token issued to it. */
  async delete(ownerId: Owner, id: string): Promise<void> {
    await this.get(ownerId, id);
    for (const [hash, secret] of this.secretsByHash) {
      if (secret.applicationId === id) this.secretsByHash.delete(hash);
    }
    await this.repository.deleteApplication(id);
  }

  async addSecret(ownerId: Owner, applicationId: string, label?: string | null): Promise<CreatedSecret> {
    const application = await this.get(ownerId, applicationId);
    if (!application.isConfidential) {
      throw new PeakformError(
        'ERR_APPLICATION_PUBLIC',
        'A public application (a browser or native app) has no client secret; it signs in with PKCE.',
        400,
      );
    }
    const existing = await this.repository.listSecrets(applicationId);
    if (existing.length >= MAX_SECRETS) {
      throw new PeakformError(
        'ERR_APPLICATION_INVALID',
        `An application holds at most ${MAX_SECRETS} secrets: delete an old one first.`,
        400,
      );
    }
    const trimmed = label?.trim() || null;
    if (trimmed !== null && trimmed.length > 100) {
      throw new PeakformError('ERR_APPLICATION_INVALID', 'A secret label has at most 100 characters.', 400);
    }
    const id = `sec_${randomBytes(8).toString('hex')}`;
    const secret = `pfs_${randomBytes(32).toString('base64url')}`;
    const secretSha256 = sha256Hex(secret);
    await this.repository.insertSecret({ id, applicationId, label: trimmed, secretSha256 });
    this.secretsByHash.set(secretSha256, { id, applicationId });
    return { id, label: trimmed, secret, createdAt: new Date(), lastUsedAt: null };
  }

  async listSecrets(ownerId: Owner, applicationId: string): Promise<ClientSecret[]> {
    await this.get(ownerId, applicationId);
    return (await this.repository.listSecrets(applicationId)).map((row) => ({
      id: row.id,
      label: row.label,
      createdAt: new Date(row.createdAtS * 1000),
      lastUsedAt: row.lastUsedAtS === null ? null : new Date(row.lastUsedAtS * 1000),
    }));
  }

  /** Deletes a secret; every token issued under it stops working at once. */
  async deleteSecret(ownerId: Owner, applicationId: string, secretId: string): Promise<void> {
    await this.get(ownerId, applicationId);
    const found = await this.repository.deleteSecret(applicationId, secretId);
    if (!found) {
      throw new PeakformError(
        'ERR_SECRET_NOT_FOUND',
        `No secret ${secretId} on application ${applicationId}.`,
        404,
      );
    }
    for (const [hash, secret] of this.secretsByHash)
      if (secret.id === secretId) this.secretsByHash.delete(hash);
  }

  /** The id of the client's secret that matches, or undefined. */
  matchSecret(clientId: string, secret: string): string | undefined {
    const found = this.secretsByHash.get(sha256Hex(secret));
    return found && found.applicationId === clientId ? found.id : undefined;
  }

  /** Whether a secret still exists (a token issued under a deleted one is dead). */
  isLiveSecret(secretId: string): boolean {
    for (const secret of this.secretsByHash.values()) if (secret.id === secretId) return true;
    return false;
  }

  /** The secret oidc-provider checks for a confidential client: derived, never shown to anyone. */
  providerSecretFor(clientId: string): string {
    return createHmac('sha256', this.serverKey).update(`client-secret\n${clientId}`).digest('base64url');
  }

  /** Whether a client id names a registered app (or the SDK's built-in client). */
  async exists(clientId: string): Promise<boolean> {
    return (await this.clientMetadata(clientId)) !== undefined;
  }

  /** The server's public URL once a server knows it (IdentityService.setIssuer): the web app's origin. */
  webAppIssuer: string | undefined;

  /** A client's metadata for oidc-provider, or undefined for an unknown client. */
  async clientMetadata(clientId: string): Promise<ClientMetadata | undefined> {
    if (clientId === WEB_APP_CLIENT_ID && this.webAppIssuer !== undefined) {
      return {
        client_id: WEB_APP_CLIENT_ID,
        client_name: WEB_APP_CLIENT_NAME,
        redirect_uris: [`${this.webAppIssuer}/app/callback`],
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      };
    }
    if (clientId === SDK_CLIENT_ID) {
      return {
        client_id: SDK_CLIENT_ID,
        client_name: SDK_CLIENT_NAME,
        redirect_uris: LOOPBACK_REDIRECTS,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      };
    }
    const row = await this.repository.findApplication(clientId);
    if (!row) return undefined;
    // Without registered URIs, loopback on any port is allowed (WIRE.md §7.10).
    const redirectUris = row.redirectUris.length > 0 ? row.redirectUris : LOOPBACK_REDIRECTS;
    return {
      client_id: row.id,
      client_name: row.name,
      ...(row.isConfidential ? { client_secret: this.providerSecretFor(row.id) } : {}),
      redirect_uris: redirectUris,
      application_type: redirectUris.every(isNativeRedirect) ? 'native' : 'web',
      token_endpoint_auth_method: row.isConfidential ? 'client_secret_post' : 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    };
  }

  /** The name of a client (for consent pages and the connected-apps list). */
  async clientName(clientId: string): Promise<string> {
    return (await this.clientMetadata(clientId))?.client_name ?? clientId;
  }
}

/** Loopback http or a custom scheme: a native app (RFC 8252), whose loopback port may vary. */
function isNativeRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  if (!url) return false;
  if (url.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return url.protocol !== 'https:';
}

function validated(
  input: ApplicationInput,
): Omit<ApplicationRow, 'id' | 'ownerId' | 'createdAtS' | 'isConfidential'> {
  const name = input.name?.trim() ?? '';
  if (name.length < 1 || name.length > 100) throw invalid('name has 1 to 100 characters.');
  const description = input.description?.trim() || null;
  if (description !== null && description.length > 500)
    throw invalid('description has at most 500 characters.');
  const redirectUris = [...new Set(input.redirectUris ?? [])];
  if (redirectUris.length > MAX_REDIRECT_URIS) throw invalid(`at most ${MAX_REDIRECT_URIS} redirect URIs.`);
  for (const uri of redirectUris) assertRedirectUri(uri);
  return {
    name,
    description,
    url: optionalUrl(input.url, 'url'),
    image: optionalUrl(input.image, 'image'),
    privacyStatement: optionalUrl(input.privacyStatement, 'privacy_statement'),
    redirectUris,
    capabilities:
      input.capabilities === undefined || input.capabilities === null ? null : [...input.capabilities],
  };
}

function assertRedirectUri(uri: string): void {
  const url = uri.length <= 2048 ? URL.parse(uri) : null;
  if (!url || FORBIDDEN_SCHEMES.has(url.protocol)) {
    throw invalid(`redirect URI "${uri.slice(0, 100)}" is not an absolute http(s) or app-scheme URI.`);
  }
  if (url.hash !== '' || uri.includes('#'))
    throw invalid(`redirect URI "${uri.slice(0, 100)}" has a fragment.`);
}

function optionalUrl(value: string | null | undefined, field: string): string | null {
  const trimmed = value?.trim() || null;
  if (trimmed === null) return null;
  const url = trimmed.length <= 2048 ? URL.parse(trimmed) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalid(`${field} must be an absolute http(s) URL.`);
  }
  return trimmed;
}

function toApplication(row: ApplicationRow): Application {
  return {
    id: row.id,
    ownerId: row.ownerId,
    name: row.name,
    description: row.description,
    url: row.url,
    image: row.image,
    privacyStatement: row.privacyStatement,
    redirectUris: row.redirectUris,
    capabilities: row.capabilities,
    isConfidential: row.isConfidential,
    isPrivate: !row.description || !row.url || !row.image || !row.privacyStatement,
    createdAt: new Date(row.createdAtS * 1000),
  };
}

function invalid(why: string): PeakformError {
  return new PeakformError('ERR_APPLICATION_INVALID', `The application is not valid: ${why}`, 400);
}

function notFound(id: string): PeakformError {
  return new PeakformError('ERR_APPLICATION_NOT_FOUND', `No application ${id} of yours.`, 404, { id });
}
