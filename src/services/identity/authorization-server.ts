import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, {
  type Adapter,
  type AdapterPayload,
  type Configuration,
  type Interaction,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { OAuthModelRepository } from '../../store/oauth-model-repository.ts';
import type { AccountService } from './account-service.ts';
import type { ApplicationService } from './application-service.ts';

/** Scopes a token may carry on the API (WIRE.md §5.3); `openid` and `offline_access` are OpenID's. */
export const API_SCOPES = ['data:read', 'data:write', 'profile'] as const;
/** Access tokens live 15 minutes, as SweatStack's; clients refresh on their own clock (WIRE.md §5.1). */
export const ACCESS_TOKEN_TTL_S = 15 * 60;
/** Refresh tokens and grants end when the athlete revokes the app, not by age (WIRE.md §5.4). */
const LONG_LIVED_S = 100 * 365 * 86_400;

/** What a request to the token route learnt before oidc-provider saw it. */
interface RequestContext {
  /** The id of the client secret the caller authenticated with. */
  secretId?: string;
}

export interface AuthorizationServerOptions {
  issuer: string;
  /** Private JWKs (RS256) that sign ID and access tokens: the data dir's signing keys. */
  signingJwks: { keys: object[] };
  /** Keys for oidc-provider's signed cookies, newest first. */
  cookieKeys: string[];
  accounts: AccountService;
  applications: ApplicationService;
  models: OAuthModelRepository;
  /** Called when a grant is saved or ends, so token checks stay a set lookup. */
  onGrantSaved: (grantId: string) => void;
  onGrantRevoked: (grantId: string) => void;
  /** Whether the cookies should be marked Secure (an https issuer). */
  secureCookies: boolean;
}

/**
 * The OAuth 2.0 / OpenID Connect authorization server: oidc-provider, configured for the
 * SweatStack wire contract (WIRE.md §3.11, §5): authorization code with PKCE S256 (required for
 * public clients), RS256 JWT access tokens whose `aud` is the client id, refresh tokens for
 * `offline_access` that never rotate, and loopback redirects on any port for native clients.
 * Mounted into Fastify by the api layer; pages for login and consent are the api's too.
 */
export class AuthorizationServer {
  readonly provider: Provider;
  private readonly requestContext = new AsyncLocalStorage<RequestContext>();
  private readonly handler: (req: IncomingMessage, res: ServerResponse) => void;

  constructor(private readonly options: AuthorizationServerOptions) {
    this.provider = new Provider(options.issuer, this.configuration());
    // Behind a TLS terminator (an https issuer), trust its X-Forwarded-* headers; never otherwise.
    this.provider.proxy = options.secureCookies;
    // Discovery lists the API's scopes too (oidc-provider lists only OpenID's own).
    this.provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
        const body = ctx.body as { scopes_supported?: string[] };
        body.scopes_supported = ['openid', 'offline_access', ...API_SCOPES];
      }
    });
    this.handler = this.provider.callback();
  }

  get issuer(): string {
    return this.options.issuer;
  }

  /** Runs one HTTP request through oidc-provider, remembering what the caller proved. */
  handle(req: IncomingMessage, res: ServerResponse, context: RequestContext = {}): Promise<void> {
    return new Promise((resolve) => {
      res.once('close', resolve);
      res.once('finish', resolve);
      this.requestContext.run(context, () => this.handler(req, res));
    });
  }

  /** The redirect URI an authorization code was issued for (the token route fills it in). */
  async redirectUriOfCode(code: string): Promise<string | undefined> {
    const found = await this.provider.AuthorizationCode.find(code, { ignoreExpiration: true }).catch(
      () => undefined,
    );
    return found?.redirectUri;
  }

  /** Records the athlete's consent to what the interaction asks, extending the grant they gave before. */
  async grantConsent(interaction: Interaction): Promise<string> {
    const { prompt, params, session } = interaction;
    const accountId = session?.accountId;
    const clientId = String(params.client_id);
    if (!accountId) throw new Error('Consent needs a signed-in account.');
    // The grant loaded for this interaction (remembered consent), extended rather than replaced.
    const existingId = interaction.grantId ?? (prompt.details.grantId as string | undefined);
    const grant =
      (existingId ? await this.provider.Grant.find(existingId) : undefined) ??
      new this.provider.Grant({ accountId, clientId });
    const missingOIDCScope = prompt.details.missingOIDCScope as string[] | undefined;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    const missingOIDCClaims = prompt.details.missingOIDCClaims as string[] | undefined;
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    const missingResourceScopes = prompt.details.missingResourceScopes as
      | Record<string, string[]>
      | undefined;
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    return grant.save();
  }

  private configuration(): Configuration {
    const { accounts, applications, models } = this.options;
    const requestContext = this.requestContext;
    const onGrantSaved = this.options.onGrantSaved;
    const onGrantRevoked = this.options.onGrantRevoked;
    const apiResource = `${this.options.issuer}/api`;

    class CatalogAdapter implements Adapter {
      constructor(private readonly model: string) {}

      async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
        const nowS = Math.floor(Date.now() / 1000);
        await models.upsert({
          model: this.model,
          id,
          payload: payload as Record<string, unknown>,
          grantId: payload.grantId ?? null,
          uid: payload.uid ?? null,
          accountId: payload.accountId ?? null,
          clientId: payload.clientId ?? null,
          secretId: this.model === 'RefreshToken' ? (requestContext.getStore()?.secretId ?? null) : null,
          expiresAtS: expiresIn ? nowS + expiresIn : null,
          consumedAtS: null,
        });
        if (this.model === 'Grant') onGrantSaved(id);
      }

      async find(id: string): Promise<AdapterPayload | undefined> {
        if (this.model === 'Client')
          return (await applications.clientMetadata(id)) as AdapterPayload | undefined;
        const row = await models.find(this.model, id);
        if (!row || (row.expiresAtS !== null && row.expiresAtS * 1000 < Date.now())) return undefined;
        return row.payload as AdapterPayload;
      }

      async findByUserCode(): Promise<AdapterPayload | undefined> {
        return undefined;
      }

      async findByUid(uid: string): Promise<AdapterPayload | undefined> {
        const row = await models.findByUid(this.model, uid);
        if (!row || (row.expiresAtS !== null && row.expiresAtS * 1000 < Date.now())) return undefined;
        return row.payload as AdapterPayload;
      }

      async consume(id: string): Promise<void> {
        await models.consume(this.model, id, Math.floor(Date.now() / 1000));
      }

      async destroy(id: string): Promise<void> {
        await models.destroy(this.model, id);
        if (this.model === 'Grant') onGrantRevoked(id);
      }

      async revokeByGrantId(grantId: string): Promise<void> {
        await models.revokeByGrantId(grantId);
        onGrantRevoked(grantId);
      }
    }

    return {
      adapter: CatalogAdapter,
      jwks: this.options.signingJwks as Configuration['jwks'],
      cookies: {
        keys: this.options.cookieKeys,
        long: { httpOnly: true, sameSite: 'lax', secure: this.options.secureCookies },
        short: { httpOnly: true, sameSite: 'lax', secure: this.options.secureCookies },
      },
      // The API's scopes belong to the resource server below; these are OpenID's own.
      scopes: ['openid', 'offline_access'],
      claims: { openid: ['sub', 'name', 'given_name', 'family_name'], email: ['email'] },
      async findAccount(_ctx, sub) {
        const account = await accounts.find(sub);
        if (!account) return undefined;
        return {
          accountId: sub,
          async claims() {
            return {
              sub,
              name: account.displayName,
              given_name: account.firstName ?? undefined,
              family_name: account.lastName ?? undefined,
              email: account.email ?? undefined,
            };
          },
        };
      },
      pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
      routes: {
        authorization: '/oauth/authorize',
        token: '/api/v1/oauth/token',
        // Userinfo is an API route (it also takes personal keys and delegated tokens).
        userinfo: '/api/v1/oauth/userinfo',
        jwks: '/.well-known/jwks.json',
        revocation: '/api/v1/oauth/revoke',
        introspection: '/api/v1/oauth/introspect',
        end_session: '/oauth/logout',
      },
      interactions: { url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
      responseTypes: ['code'],
      discovery: {
        userinfo_endpoint: `${this.options.issuer}/api/v1/oauth/userinfo`,
        service_documentation: `${this.options.issuer}/docs`,
      },
      features: {
        devInteractions: { enabled: false },
        pushedAuthorizationRequests: { enabled: false },
        userinfo: { enabled: false },
        revocation: { enabled: true },
        introspection: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // Every token is for the Peakform API, asked for or not: its audience is the client.
          defaultResource: () => apiResource,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, _indicator, client) => ({
            scope: API_SCOPES.join(' '),
            audience: client.clientId,
            accessTokenTTL: ACCESS_TOKEN_TTL_S,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
      formats: {
        customizers: {
          // `gid` and `csid` let the API refuse a token at once when its grant is revoked or the
          // secret it was issued under is deleted, though the JWT itself is still unexpired.
          async jwt(_ctx, token, structured) {
            const grantId = (token as { grantId?: string }).grantId;
            if (grantId) structured.payload.gid = grantId;
            const secretId = requestContext.getStore()?.secretId;
            if (secretId) structured.payload.csid = secretId;
          },
        },
      },
      // Refresh tokens do not rotate: the SDK keeps using the one it has (WIRE.md §5.4).
      rotateRefreshToken: false,
      // Confidential clients get a refresh token always; public ones when they ask for offline_access.
      async issueRefreshToken(_ctx, client, code) {
        if (!client.grantTypeAllowed('refresh_token')) return false;
        return client.clientAuthMethod !== 'none' || code.scopes.has('offline_access');
      },
      // Consent is remembered across sessions: the newest grant of this account and app is reused.
      async loadExistingGrant(ctx: KoaContextWithOIDC) {
        const clientId = ctx.oidc.client?.clientId;
        const accountId = ctx.oidc.session?.accountId;
        const grantId =
          ctx.oidc.result?.consent?.grantId ??
          (clientId ? ctx.oidc.session?.grantIdFor(clientId) : undefined) ??
          (accountId && clientId
            ? (await models.listGrants(accountId)).filter((row) => row.clientId === clientId).at(-1)?.id
            : undefined);
        return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
      },
      ttl: {
        AccessToken: ACCESS_TOKEN_TTL_S,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 3600,
        Session: 14 * 86_400,
        Grant: LONG_LIVED_S,
        RefreshToken: LONG_LIVED_S,
      },
      async renderError(ctx, out) {
        ctx.type = 'html';
        ctx.body = errorPage(
          out.error ?? 'error',
          out.error_description ?? 'The request could not be completed.',
        );
      },
      clientDefaults: {
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
      },
      enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
      extraParams: ['user_flow'],
      // The access token route of a delegated pair answers for itself: see the api's token route.
      allowOmittingSingleRegisteredRedirectUri: true,
    };
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorPage(error: string, description: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error · Peakform</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Sign-in could not continue</h1><p><strong>${escapeHtml(error)}</strong>: ${escapeHtml(description)}</p>
<p>Go back to the app you came from and try again.</p></main></body></html>`;
}
