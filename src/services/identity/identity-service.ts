import { randomBytes } from 'node:crypto';
import { compileGetSetting, compileSetSetting } from '../../query/catalog-sql.ts';
import { OAuthModelRepository } from '../../store/oauth-model-repository.ts';
import type { Store } from '../../store/store.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { AccountService } from './account-service.ts';
import { ApplicationService } from './application-service.ts';
import type { AuthorizationServer } from './authorization-server.ts';
import type { ThrottleLimits } from './login-throttle.ts';

export interface ConnectedApp {
  clientId: string;
  name: string;
  scopes: string[];
}

/** The scopes a stored grant holds (OpenID's and the API's). */
function grantedScopes(payload: Record<string, unknown>): string[] {
  const scopes = new Set<string>();
  const openid = payload.openid as { scope?: string } | undefined;
  for (const scope of openid?.scope?.split(' ') ?? []) if (scope) scopes.add(scope);
  const resources = (payload.resources ?? {}) as Record<string, string>;
  for (const value of Object.values(resources))
    for (const scope of value.split(' ')) if (scope) scopes.add(scope);
  return [...scopes];
}

/**
 * Who may act for whom: accounts, applications, and the OAuth authorization server that issues
 * their tokens. The authorization server is built when a server first needs it (it must know the
 * public URL it answers at); the CLI never loads it.
 */
export class IdentityService {
  private authorization: Promise<AuthorizationServer> | undefined;
  private publicIssuer: string | undefined;

  private constructor(
    readonly accounts: AccountService,
    readonly applications: ApplicationService,
    private readonly tokens: TokenService,
    private readonly models: OAuthModelRepository,
    /** Ids of the OAuth grants that stand; a token of any other grant is refused at once. */
    private readonly liveGrants: Set<string>,
    /** A random key of this data dir: cookie signatures, CSRF tokens, internal client secrets. */
    readonly serverKey: Buffer,
  ) {}

  static async open(store: Store, tokens: TokenService, throttle?: ThrottleLimits): Promise<IdentityService> {
    const serverKey = await settleServerKey(store);
    const models = new OAuthModelRepository(store);
    await models.pruneExpired(Math.floor(Date.now() / 1000));
    return new IdentityService(
      new AccountService(store, throttle),
      await ApplicationService.open(store, serverKey),
      tokens,
      models,
      new Set(await models.listGrantIds()),
      serverKey,
    );
  }

  /**
   * The server's public URL, the OAuth issuer: from now on the API accepts the authorization
   * server's tokens. Set once, when a server knows where it is reached.
   */
  setIssuer(issuer: string): void {
    if (this.publicIssuer !== undefined) return;
    this.publicIssuer = issuer;
    this.applications.webAppIssuer = issuer;
    this.tokens.acceptOAuthTokens({
      issuer,
      isLiveGrant: (id) => this.liveGrants.has(id),
      isLiveSecret: (id) => this.applications.isLiveSecret(id),
    });
  }

  get issuer(): string | undefined {
    return this.publicIssuer;
  }

  /**
   * The authorization server, built at the first OAuth request: oidc-provider (and Koa) load only
   * when a server signs someone in, so servers and tests that never do start without them.
   */
  authorizationServer(): Promise<AuthorizationServer> {
    const issuer = this.publicIssuer;
    if (issuer === undefined) throw new Error('The issuer is set when the server knows its URL.');
    this.authorization ??= this.buildAuthorizationServer(issuer);
    return this.authorization;
  }

  /** Every app that can read this athlete: OAuth grants and application tokens. */
  async connectedApps(athleteId: string): Promise<ConnectedApp[]> {
    const apps = new Map<string, ConnectedApp>();
    for (const row of await this.models.listGrants(athleteId)) {
      if (!row.clientId) continue;
      const app = apps.get(row.clientId) ?? {
        clientId: row.clientId,
        name: await this.applications.clientName(row.clientId),
        scopes: [],
      };
      app.scopes = [...new Set([...app.scopes, ...grantedScopes(row.payload)])];
      apps.set(row.clientId, app);
    }
    for (const grant of await this.tokens.applicationTokenGrants(athleteId)) {
      const app = apps.get(grant.clientId) ?? {
        clientId: grant.clientId,
        name: await this.applications.clientName(grant.clientId),
        scopes: [],
      };
      app.scopes = [...new Set([...app.scopes, ...grant.scopes])];
      apps.set(grant.clientId, app);
    }
    return [...apps.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Ends an app's access to an athlete: grants, refresh tokens and application tokens. */
  async revokeApp(athleteId: string, clientId: string): Promise<boolean> {
    const grants = (await this.models.listGrants(athleteId)).filter((row) => row.clientId === clientId);
    for (const grant of grants) {
      await this.models.revokeByGrantId(grant.id);
      this.liveGrants.delete(grant.id);
    }
    const revokedGrants = grants.length > 0;
    const revokedTokens = await this.tokens.revokeApplicationTokens(athleteId, clientId);
    return revokedGrants || revokedTokens > 0;
  }

  /** Deletes an app and forgets its grants. */
  async deleteApplication(ownerId: string | null, clientId: string): Promise<void> {
    await this.applications.delete(ownerId, clientId);
    this.liveGrants.clear();
    for (const id of await this.models.listGrantIds()) this.liveGrants.add(id);
  }

  private async buildAuthorizationServer(issuer: string): Promise<AuthorizationServer> {
    // Loaded on demand: oidc-provider (and Koa) are a server's concern only.
    const { AuthorizationServer } = await import('./authorization-server.ts');
    const server = new AuthorizationServer({
      issuer,
      signingJwks: (await this.tokens.exportPrivateJwks()) as { keys: object[] },
      cookieKeys: [this.serverKey.toString('base64url')],
      accounts: this.accounts,
      applications: this.applications,
      models: this.models,
      onGrantSaved: (id) => this.liveGrants.add(id),
      onGrantRevoked: (id) => this.liveGrants.delete(id),
      secureCookies: issuer.startsWith('https:'),
    });
    return server;
  }
}

/** The data dir's random key, made on first open and kept in the catalog's settings. */
async function settleServerKey(store: Store): Promise<Buffer> {
  const [saved] = await store.select<{ value: string }>(compileGetSetting('server_key'));
  if (saved) return Buffer.from(saved.value, 'base64url');
  const key = randomBytes(32);
  const insert = compileSetSetting('server_key', key.toString('base64url'));
  await store.write((tx) => tx.run(insert.sql, insert.params as never));
  return key;
}
