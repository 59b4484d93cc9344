import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { PeakformClient } from './client.ts';
import {
  type Outcome,
  type PeakformAuthOptions,
  type PeakformUser,
  type RequestFacts,
  WebSession,
} from './web-session.ts';
import {
  type VerifiedWebhookEvent,
  type VerifyWebhookOptions,
  verifyWebhook,
  WebhookVerificationError,
} from './webhooks.ts';

/**
 * Fastify 5 helpers (`@peakform/sdk/fastify`; fastify is an optional peer dependency, imported
 * here for its types only):
 *
 * - `peakformAuth`: "sign in with Peakform" — GET `/login`, GET `/callback`, POST `/logout`, the
 *   encrypted session cookie, and on every request `request.peakform` (a `PeakformClient` for the
 *   signed-in athlete that refreshes its token and writes it back, or undefined),
 *   `request.peakformUser` and `request.peakformFor(athleteId)` (a coach's delegated client).
 * - `requireUser`: a `preHandler` that sends signed-out visitors to login (pages) or answers 401.
 * - `peakformWebhook`: a POST route that verifies the delivery's signature on the raw body.
 */

export type { PeakformAuthOptions, PeakformUser } from './web-session.ts';
export {
  type VerifiedWebhookEvent,
  verifyWebhook,
  type WebhookEvent,
  WebhookVerificationError,
} from './webhooks.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** A client acting as the signed-in athlete; undefined when signed out. */
    peakform: PeakformClient | undefined;
    peakformUser: PeakformUser | undefined;
    /** A client acting for one of the signed-in coach's athletes (delegated token). */
    peakformFor(athleteId: string, options?: { teamId?: string; scopes?: string[] }): Promise<PeakformClient>;
  }
  interface FastifyInstance {
    peakformSession: WebSession;
  }
}

function factsOf(request: FastifyRequest): RequestFacts {
  return {
    url: request.url,
    cookieHeader: request.headers.cookie,
    origin: `${request.protocol}://${request.host}`,
  };
}

function appendCookie(reply: FastifyReply, setCookie: string): void {
  if (reply.sent || reply.raw.headersSent) return;
  const existing = reply.getHeader('set-cookie');
  const list =
    existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  reply.header('set-cookie', [...list, setCookie]);
}

function send(reply: FastifyReply, outcome: Outcome): FastifyReply {
  for (const cookie of outcome.setCookies) appendCookie(reply, cookie);
  reply.header('cache-control', 'no-store');
  if (outcome.location) return reply.redirect(outcome.location, outcome.status);
  if (outcome.html) return reply.code(outcome.status).type('text/html; charset=utf-8').send(outcome.html);
  return reply.code(outcome.status).send(outcome.json ?? null);
}

const auth: FastifyPluginAsync<PeakformAuthOptions> = async (fastify, options) => {
  const web = new WebSession(options);
  fastify.decorate('peakformSession', web);
  fastify.decorateRequest('peakform', undefined);
  fastify.decorateRequest('peakformUser', undefined);
  fastify.decorateRequest('peakformFor', async function (this: FastifyRequest, athleteId, delegation) {
    if (!this.peakform) throw new Error('peakformFor needs a signed-in user (use requireUser)');
    return web.delegate(this.peakform, athleteId, delegation);
  });
  fastify.addHook('onRequest', async (request, reply) => {
    const facts = factsOf(request);
    const { session, invalid } = web.read(facts);
    if (invalid) appendCookie(reply, web.clearSessionCookie(facts));
    if (!session) return;
    request.peakformUser = { id: session.sub, scope: session.scope };
    request.peakform = web.clientFor(facts, session, (cookie) => appendCookie(reply, cookie));
  });
  fastify.get(web.paths.login, async (request, reply) => send(reply, await web.login(factsOf(request))));
  fastify.get(web.paths.callback, async (request, reply) =>
    send(reply, await web.callback(factsOf(request))),
  );
  // The logout form posts urlencoded (or nothing): read in a context of its own, whatever parsers the app has.
  await fastify.register(async (logout) => {
    logout.removeAllContentTypeParsers();
    logout.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) =>
      done(null, undefined),
    );
    logout.post(web.paths.logout, async (request, reply) => send(reply, web.logout(factsOf(request))));
  });
};
// What fastify-plugin does: the decorations and the hook apply to the app that registers the plugin.
Object.assign(auth, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'peakform-auth',
});

/** `app.register(peakformAuth, { baseUrl, clientId, clientSecret, sessionSecret })`. */
export const peakformAuth = auth;

/** A `preHandler`: signed-out GET pages go to login (and come back), anything else gets 401. */
export async function requireUser(request: FastifyRequest, reply: FastifyReply) {
  if (request.peakform) return;
  const web = request.server.peakformSession;
  if (!web) throw new Error('requireUser needs peakformAuth registered first');
  return send(reply, web.guard(factsOf(request), request.method, request.headers.accept));
}

export interface PeakformWebhookOptions extends VerifyWebhookOptions {
  /** The route's path, e.g. `/webhooks/peakform`. */
  path: string;
  /** The app's webhook secret (`whsec_…`); two during a rotation. */
  secret: string | readonly string[];
  /** Called with each verified event before the 204; throw to have Peakform retry. Keep it short (2 s). */
  onEvent: (event: VerifiedWebhookEvent, request: FastifyRequest) => void | Promise<void>;
  /** Largest body accepted; 1 MiB by default. */
  bodyLimit?: number;
}

/**
 * `app.register(peakformWebhook, { path, secret, onEvent })`: a POST route in its own context whose
 * bodies stay raw bytes, verified with `verifyWebhook`. A refused delivery gets 400 or 401 with
 * `{code, detail}`; a verified one 204 once `onEvent` resolves.
 */
export const peakformWebhook: FastifyPluginAsync<PeakformWebhookOptions> = async (fastify, options) => {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  fastify.post(options.path, { bodyLimit: options.bodyLimit ?? 1024 * 1024 }, async (request, reply) => {
    let event: VerifiedWebhookEvent;
    try {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      event = verifyWebhook(request.headers, body, options.secret, options);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return reply.code(error.status).send({ code: error.code, detail: error.message });
    }
    await options.onEvent(event, request);
    return reply.code(204).send();
  });
};
