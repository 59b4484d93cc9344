import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPeakformError } from '../../domain/errors.ts';
import type { AuthorizationServer, Engine } from '../../engine/engine.ts';
import { CookieSigner } from './cookies.ts';
import { answerDelegatedRefresh } from './delegated-refresh.ts';
import { accountPage, consentPage, loginPage, messagePage, signupPage } from './html.ts';

/** Paths oidc-provider answers (WIRE.md §3.11); everything else under /oauth/interaction is ours. */
const PROVIDER_PATHS = [
  '/oauth/authorize',
  // Where a finished interaction resumes the authorization.
  '/oauth/authorize/:uid',
  '/oauth/logout',
  '/oauth/logout/*',
  '/api/v1/oauth/token',
  '/api/v1/oauth/revoke',
  '/api/v1/oauth/introspect',
  '/.well-known/openid-configuration',
  '/.well-known/jwks.json',
] as const;
/** Older docs name the token route without /api/v1 (WIRE.md §3.11). */
const TOKEN_ALIAS = '/oauth/token';
const FORM_LIMIT_BYTES = 56 * 1024;

export interface IdentityOptions {
  /**
   * The server's public URL, the OAuth issuer. A function is asked at the first request (when the
   * server knows where it listens); absent, the address it listens on is used.
   */
  publicUrl?: string | (() => string);
}

/**
 * Mounts the authorization server (oidc-provider) at WIRE.md's paths and the server-rendered
 * sign-up, sign-in, consent and account pages. The token route is normalised first, as the
 * official clients need (WIRE.md §1.2, §3.11): a bearer header is ignored, Basic credentials move
 * to the form, an empty secret is absent, the redirect URI of a code is the one it was issued
 * for, and a client secret is checked against the app's labelled secrets here.
 */
export async function registerIdentity(
  app: FastifyInstance,
  engine: Engine,
  options: IdentityOptions,
): Promise<void> {
  const identity = engine.identity;
  let signer: CookieSigner | undefined;
  const start = (issuer: string) => {
    identity.setIssuer(issuer.replace(/\/+$/, ''));
    signer = new CookieSigner(identity.serverKey, (identity.issuer ?? issuer).startsWith('https:'));
  };
  const publicUrl = options.publicUrl;
  if (typeof publicUrl === 'string') start(publicUrl);
  else {
    // The issuer is the address the server listens on, known once it listens: set at the first
    // request (every request, so that OAuth tokens verify from the first).
    app.addHook('onRequest', async () => {
      if (!signer) start(publicUrl ? publicUrl() : listeningUrl(app));
    });
  }
  const ready: Ready = () => {
    if (!signer) throw new Error('The issuer is set when the server listens.');
    return { server: () => identity.authorizationServer(), signer };
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_request, body, done) => done(null, body),
    );
    // Anything else is oidc-provider's to read (and refuse) from the untouched stream.
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    const toProvider = async (request: FastifyRequest, reply: FastifyReply) => {
      // Delegated and principal pairs' refresh tokens (`pfd_`) are Peakform's own, not the provider's.
      if (request.routeOptions.url === '/api/v1/oauth/token' || request.routeOptions.url === TOKEN_ALIAS) {
        const answered = await answerDelegatedRefresh(request, reply, engine);
        if (answered) return answered;
      }
      const server = await ready().server();
      let secretId: string | undefined;
      if (request.method === 'POST' && typeof request.body === 'string') {
        const form = new URLSearchParams(request.body);
        secretId = await normaliseClientAuthentication(request, form, engine);
        if (request.routeOptions.url === '/api/v1/oauth/token' || request.routeOptions.url === TOKEN_ALIAS) {
          await fillRedirectUri(form, server);
          if (request.routeOptions.url === TOKEN_ALIAS) request.raw.url = '/api/v1/oauth/token';
        }
        replaceBody(request.raw, form.toString());
      }
      if (request.routeOptions.url === '/oauth/authorize' && request.method === 'GET') {
        request.raw.url = normaliseAuthorizeQuery(request.raw.url ?? '/oauth/authorize');
      }
      handOver(reply);
      await server.handle(request.raw, reply.raw, secretId === undefined ? {} : { secretId });
    };
    for (const path of [...PROVIDER_PATHS, TOKEN_ALIAS]) {
      scope.route({ method: ['GET', 'POST'], url: path, schema: { hide: true }, handler: toProvider });
    }

    registerInteractionPages(scope, engine, ready);
    registerAccountPages(scope, engine, ready);
  });
}

function listeningUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address !== 'object') return 'http://localhost';
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const shown = ['0.0.0.0', '[::]'].includes(host) ? 'localhost' : host;
  return `http://${shown}:${address.port}`;
}

/** Moves whatever credentials the client sent into the form, and swaps a valid secret for the provider's. */
async function normaliseClientAuthentication(
  request: FastifyRequest,
  form: URLSearchParams,
  engine: Engine,
): Promise<string | undefined> {
  const authorization = request.headers.authorization;
  delete request.raw.headers.authorization;
  const basic = authorization?.match(/^Basic\s+(\S+)$/i)?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    if (at > 0) {
      const id = decodeURIComponent(decoded.slice(0, at));
      const secret = decodeURIComponent(decoded.slice(at + 1));
      if (!form.get('client_id')) form.set('client_id', id);
      if (!form.get('client_secret') && form.get('client_id') === id) form.set('client_secret', secret);
    }
  }
  if (form.get('client_secret') === '') form.delete('client_secret');
  const clientId = form.get('client_id');
  const secret = form.get('client_secret');
  if (!clientId || secret === null) return undefined;
  const applications = engine.identity.applications;
  const secretId = applications.matchSecret(clientId, secret);
  // A wrong secret stays wrong for oidc-provider (which then answers invalid_client).
  form.set('client_secret', secretId ? applications.providerSecretFor(clientId) : `invalid:${secret.length}`);
  return secretId;
}

/**
 * The SDK exchanges a code without `redirect_uri` and the FastAPI helper may send one that differs
 * (WIRE.md §3.11 says to ignore it): the code's own redirect URI is used, PKCE or the client
 * secret being what binds the exchange to the client.
 */
async function fillRedirectUri(form: URLSearchParams, server: AuthorizationServer): Promise<void> {
  if (form.get('grant_type') !== 'authorization_code') return;
  const code = form.get('code');
  const redirectUri = code ? await server.redirectUriOfCode(code) : undefined;
  if (redirectUri) form.set('redirect_uri', redirectUri);
}

/**
 * The official clients' authorize URLs (WIRE.md §3.11, §5.2): the SDK sends no `response_type`
 * and no `prompt`; Streamlit separates scopes by commas. SweatStack's default prompt is
 * `consent`, which is also what lets `offline_access` through (OpenID Connect Core §11).
 */
export function normaliseAuthorizeQuery(url: string): string {
  const parsed = new URL(url, 'http://peakform.invalid');
  const query = parsed.searchParams;
  const scope = query.get('scope');
  if (scope !== null)
    query.set(
      'scope',
      scope
        .split(/[\s,]+/)
        .filter(Boolean)
        .join(' '),
    );
  if (!query.has('response_type')) query.set('response_type', 'code');
  if (!query.has('prompt') && query.get('scope')?.split(' ').includes('offline_access')) {
    query.set('prompt', 'consent');
  }
  // A browser holds one Peakform session: choosing an account is signing in again.
  const prompts = query.get('prompt')?.split(' ');
  if (prompts?.includes('select_account')) {
    query.set('prompt', [...new Set(prompts.map((p) => (p === 'select_account' ? 'login' : p)))].join(' '));
  }
  return `${parsed.pathname}?${query.toString()}`;
}

/** Gives oidc-provider a readable body again (Fastify read it to normalise it). */
function replaceBody(raw: IncomingMessage, text: string): void {
  const bytes = Buffer.from(text);
  raw.headers['content-length'] = String(bytes.length);
  delete raw.headers['transfer-encoding'];
  Object.defineProperty(raw, 'readable', { value: true, configurable: true });
  Object.defineProperty(raw, 'iterator', {
    configurable: true,
    value: () =>
      (async function* () {
        yield bytes;
      })(),
  });
}

/** Lets a Node handler answer: headers Fastify was asked to send go along. */
function handOver(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value as string | string[]);
  }
  reply.hijack();
}

function formOf(request: FastifyRequest): URLSearchParams {
  return new URLSearchParams(typeof request.body === 'string' ? request.body : '');
}

type Ready = () => { server: () => Promise<AuthorizationServer>; signer: CookieSigner };

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return (
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      // No form-action: after a form, the redirects lead to the app's own (any-scheme) redirect URI.
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      )
      .send(body)
  );
}

function registerInteractionPages(scope: FastifyInstance, engine: Engine, ready: Ready): void {
  const { accounts, applications } = engine.identity;

  const details = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await (await ready().server()).provider.interactionDetails(request.raw, reply.raw);
    } catch {
      return undefined;
    }
  };
  const expired = (reply: FastifyReply) =>
    html(
      reply,
      400,
      messagePage('Sign-in expired', 'This sign-in is no longer valid. Go back to the app and start again.'),
    );

  scope.get<{ Params: { uid: string } }>(
    '/oauth/interaction/:uid',
    { schema: { hide: true } },
    async (request, reply) => {
      const interaction = await details(request, reply);
      if (!interaction || interaction.uid !== request.params.uid) return expired(reply);
      const { signer } = ready();
      const csrf = signer.csrfToken(request, reply);
      const clientName = await applications.clientName(String(interaction.params.client_id));
      const base = `/oauth/interaction/${interaction.uid}`;
      if (interaction.prompt.name === 'login') {
        const signup =
          interaction.params.user_flow === 'signup' || (request.query as { flow?: string }).flow === 'signup';
        return html(
          reply,
          200,
          signup
            ? signupPage({ action: `${base}/signup`, csrf, clientName, switchHref: base })
            : loginPage({ action: `${base}/login`, csrf, clientName, switchHref: `${base}?flow=signup` }),
        );
      }
      const accountId = interaction.session?.accountId;
      const account = accountId ? await accounts.get(accountId) : undefined;
      return html(
        reply,
        200,
        consentPage({
          action: `${base}/consent`,
          csrf,
          clientName,
          scopes: requestedScopes(interaction.prompt.details),
          accountName: account?.displayName ?? '',
        }),
      );
    },
  );

  const finishLogin = async (
    request: FastifyRequest<{ Params: { uid: string } }>,
    reply: FastifyReply,
    signUp: boolean,
  ) => {
    const interaction = await details(request, reply);
    if (!interaction || interaction.uid !== request.params.uid) return expired(reply);
    const { signer } = ready();
    const server = await ready().server();
    const form = formOf(request);
    const csrf = signer.csrfToken(request, reply);
    const base = `/oauth/interaction/${interaction.uid}`;
    const clientName = await applications.clientName(String(interaction.params.client_id));
    const again = (status: number, error: string) =>
      html(
        reply,
        status,
        signUp
          ? signupPage({
              action: `${base}/signup`,
              csrf,
              clientName,
              switchHref: base,
              error,
              email: form.get('email') ?? '',
            })
          : loginPage({
              action: `${base}/login`,
              csrf,
              clientName,
              switchHref: `${base}?flow=signup`,
              error,
              email: form.get('email') ?? '',
            }),
      );
    if (!signer.checkCsrf(request, form.get('csrf') ?? undefined)) {
      return again(403, 'The form expired. Please send it again.');
    }
    let accountId: string;
    try {
      const account = signUp
        ? await accounts.signUp({
            email: form.get('email') ?? '',
            password: form.get('password') ?? '',
            firstName: form.get('first_name'),
            lastName: form.get('last_name'),
          })
        : await accounts.signIn(form.get('email') ?? '', form.get('password') ?? '', request.ip);
      accountId = account.id;
    } catch (error) {
      if (!isPeakformError(error)) throw error;
      const retryAfterS = error.details?.retryAfterS;
      if (typeof retryAfterS === 'number') reply.header('retry-after', String(retryAfterS));
      return again(error.status, error.message);
    }
    signer.startSession(reply, accountId);
    handOver(reply);
    await server.provider.interactionFinished(
      request.raw,
      reply.raw,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
  };
  scope.post<{ Params: { uid: string } }>(
    '/oauth/interaction/:uid/login',
    { schema: { hide: true } },
    (request, reply) => finishLogin(request, reply, false),
  );
  scope.post<{ Params: { uid: string } }>(
    '/oauth/interaction/:uid/signup',
    { schema: { hide: true } },
    (request, reply) => finishLogin(request, reply, true),
  );

  scope.post<{ Params: { uid: string } }>(
    '/oauth/interaction/:uid/consent',
    { schema: { hide: true } },
    async (request, reply) => {
      const interaction = await details(request, reply);
      if (!interaction || interaction.uid !== request.params.uid || interaction.prompt.name !== 'consent') {
        return expired(reply);
      }
      const { signer } = ready();
      const server = await ready().server();
      const form = formOf(request);
      if (!signer.checkCsrf(request, form.get('csrf') ?? undefined)) {
        return html(reply, 403, messagePage('Form expired', 'Go back, reload the page and answer again.'));
      }
      if (form.get('decision') !== 'allow') {
        handOver(reply);
        await server.provider.interactionFinished(
          request.raw,
          reply.raw,
          { error: 'access_denied', error_description: 'The athlete denied the app access.' },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const grantId = await server.grantConsent(interaction);
      handOver(reply);
      await server.provider.interactionFinished(
        request.raw,
        reply.raw,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    },
  );
}

function requestedScopes(details: Record<string, unknown>): string[] {
  const scopes = new Set<string>();
  for (const scope of (details.missingOIDCScope as string[] | undefined) ?? []) scopes.add(scope);
  const resources = (details.missingResourceScopes ?? {}) as Record<string, string[]>;
  for (const list of Object.values(resources)) for (const scope of list) scopes.add(scope);
  return [...scopes];
}

function registerAccountPages(scope: FastifyInstance, engine: Engine, ready: Ready): void {
  const identity = engine.identity;

  const showAccount = async (
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    notice?: string,
  ) => {
    const { signer } = ready();
    const account = await identity.accounts.get(userId);
    return html(
      reply,
      200,
      accountPage({
        accountName: account.displayName,
        email: account.email,
        csrf: signer.csrfToken(request, reply),
        apps: await identity.connectedApps(userId),
        notice,
      }),
    );
  };

  scope.get('/account', { schema: { hide: true } }, async (request, reply) => {
    const userId = ready().signer.sessionUser(request);
    if (!userId) return reply.redirect('/login', 303);
    return showAccount(request, reply, userId);
  });

  scope.post<{ Params: { clientId: string } }>(
    '/account/apps/:clientId/revoke',
    { schema: { hide: true } },
    async (request, reply) => {
      const { signer } = ready();
      const userId = signer.sessionUser(request);
      if (!userId) return reply.redirect('/login', 303);
      if (!signer.checkCsrf(request, formOf(request).get('csrf') ?? undefined)) {
        return html(reply, 403, messagePage('Form expired', 'Reload your account page and try again.'));
      }
      const revoked = await identity.revokeApp(userId, request.params.clientId);
      return showAccount(request, reply, userId, revoked ? 'Access revoked.' : 'That app had no access.');
    },
  );

  const accountForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    signUp: boolean,
    status = 200,
    error?: string,
    email?: string,
  ) => {
    const csrf = ready().signer.csrfToken(request, reply);
    return html(
      reply,
      status,
      signUp
        ? signupPage({ action: '/signup', csrf, switchHref: '/login', error, email })
        : loginPage({ action: '/login', csrf, switchHref: '/signup', error, email }),
    );
  };
  scope.get('/login', { schema: { hide: true } }, (request, reply) => accountForm(request, reply, false));
  scope.get('/signup', { schema: { hide: true } }, (request, reply) => accountForm(request, reply, true));
  for (const signUp of [false, true]) {
    scope.post(signUp ? '/signup' : '/login', { schema: { hide: true } }, async (request, reply) => {
      const { signer } = ready();
      const form = formOf(request);
      const email = form.get('email') ?? '';
      if (!signer.checkCsrf(request, form.get('csrf') ?? undefined)) {
        return accountForm(request, reply, signUp, 403, 'The form expired. Please send it again.', email);
      }
      try {
        const account = signUp
          ? await identity.accounts.signUp({
              email,
              password: form.get('password') ?? '',
              firstName: form.get('first_name'),
              lastName: form.get('last_name'),
            })
          : await identity.accounts.signIn(email, form.get('password') ?? '', request.ip);
        signer.startSession(reply, account.id);
        return reply.redirect('/account', 303);
      } catch (error) {
        if (!isPeakformError(error)) throw error;
        const retryAfterS = error.details?.retryAfterS;
        if (typeof retryAfterS === 'number') reply.header('retry-after', String(retryAfterS));
        return accountForm(request, reply, signUp, error.status, error.message, email);
      }
    });
  }
  scope.post('/logout', { schema: { hide: true } }, async (request, reply) => {
    const { signer } = ready();
    if (!signer.checkCsrf(request, formOf(request).get('csrf') ?? undefined)) {
      return html(reply, 403, messagePage('Form expired', 'Reload the page and try again.'));
    }
    signer.endSession(reply);
    return reply.redirect('/login', 303);
  });
}
