import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
 * Express 5 helpers (`@peakform/sdk/express`; express is an optional peer dependency, imported
 * here for its types only):
 *
 * - `peakformAuth(options)`: middleware for the app's root that answers GET `/login`, GET
 *   `/callback`, POST `/logout`, and gives every other request `req.peakform` (a `PeakformClient`
 *   for the signed-in athlete that refreshes its token and writes it back, or undefined),
 *   `req.peakformUser` and `req.peakformFor(athleteId)` (a coach's delegated client).
 * - `requireUser`: signed-out visitors go to login (pages) or get 401.
 * - `peakformWebhook(options)`: a handler that reads the raw body and verifies the signature;
 *   mount it before any body parser (`express.json()`) sees the route.
 */

export type { PeakformAuthOptions, PeakformUser } from './web-session.ts';
export {
  type VerifiedWebhookEvent,
  verifyWebhook,
  type WebhookEvent,
  WebhookVerificationError,
} from './webhooks.ts';

declare global {
  namespace Express {
    interface Request {
      /** A client acting as the signed-in athlete; undefined when signed out. */
      peakform?: PeakformClient | undefined;
      peakformUser?: PeakformUser | undefined;
      /** A client acting for one of the signed-in coach's athletes (delegated token). */
      peakformFor?: (
        athleteId: string,
        options?: { teamId?: string; scopes?: string[] },
      ) => Promise<PeakformClient>;
    }
  }
}

const SESSION = Symbol('peakform.session');
type WithSession = Request & { [SESSION]?: WebSession };

function factsOf(req: Request): RequestFacts {
  return {
    url: req.originalUrl,
    cookieHeader: req.headers.cookie,
    origin: `${req.protocol}://${req.get('host')}`,
  };
}

function appendCookie(res: Response, setCookie: string): void {
  if (!res.headersSent) res.append('Set-Cookie', setCookie);
}

function send(res: Response, outcome: Outcome): void {
  for (const cookie of outcome.setCookies) appendCookie(res, cookie);
  res.set('Cache-Control', 'no-store');
  if (outcome.location) res.redirect(outcome.status, outcome.location);
  else if (outcome.html) res.status(outcome.status).type('html').send(outcome.html);
  else res.status(outcome.status).json(outcome.json ?? null);
}

/** `app.use(peakformAuth({ baseUrl, clientId, clientSecret, sessionSecret }))`, at the root. */
export function peakformAuth(options: PeakformAuthOptions): RequestHandler {
  const web = new WebSession(options);
  return (req: WithSession, res: Response, next: NextFunction) => {
    req[SESSION] = web;
    const facts = factsOf(req);
    if (req.method === 'GET' && req.path === web.paths.login) {
      web.login(facts).then((outcome) => send(res, outcome), next);
      return;
    }
    if (req.method === 'GET' && req.path === web.paths.callback) {
      web.callback(facts).then((outcome) => send(res, outcome), next);
      return;
    }
    if (req.method === 'POST' && req.path === web.paths.logout) {
      send(res, web.logout(facts));
      return;
    }
    const { session, invalid } = web.read(facts);
    if (invalid) appendCookie(res, web.clearSessionCookie(facts));
    if (session) {
      const client = web.clientFor(facts, session, (cookie) => appendCookie(res, cookie));
      req.peakform = client;
      req.peakformUser = { id: session.sub, scope: session.scope };
      req.peakformFor = (athleteId, delegation) => web.delegate(client, athleteId, delegation);
    }
    next();
  };
}

/** Signed-out GET pages go to login (and come back), anything else gets 401. */
export const requireUser: RequestHandler = (req: WithSession, res, next) => {
  if (req.peakform) {
    next();
    return;
  }
  const web = req[SESSION];
  if (!web) {
    next(new Error('requireUser needs peakformAuth mounted before it'));
    return;
  }
  send(res, web.guard(factsOf(req), req.method, req.get('accept')));
};

export interface PeakformWebhookOptions extends VerifyWebhookOptions {
  /** The app's webhook secret (`whsec_…`); two during a rotation. */
  secret: string | readonly string[];
  /** Called with each verified event before the 204; throw to have Peakform retry. Keep it short (2 s). */
  onEvent: (event: VerifiedWebhookEvent, req: Request) => void | Promise<void>;
  /** Largest body accepted; 1 MiB by default. */
  bodyLimit?: number;
}

/**
 * `app.post('/webhooks/peakform', peakformWebhook({ secret, onEvent }))`: reads the raw body (or
 * takes the Buffer `express.raw()` left), verifies it, answers 400 or 401 with `{code, detail}`
 * for a refused delivery and 204 once `onEvent` resolves.
 */
export function peakformWebhook(options: PeakformWebhookOptions): RequestHandler {
  const limit = options.bodyLimit ?? 1024 * 1024;
  return (req, res, next) => {
    rawBody(req, limit)
      .then(async (body) => {
        if (body === 'too large') {
          res.status(413).json({ code: 'ERR_WEBHOOK_BODY_TOO_LARGE', detail: `at most ${limit} bytes` });
          return;
        }
        let event: VerifiedWebhookEvent;
        try {
          event = verifyWebhook(req.headers, body, options.secret, options);
        } catch (error) {
          if (!(error instanceof WebhookVerificationError)) throw error;
          res.status(error.status).json({ code: error.code, detail: error.message });
          return;
        }
        await options.onEvent(event, req);
        res.status(204).end();
      })
      .catch(next);
  };
}

async function rawBody(req: Request, limit: number): Promise<Buffer | 'too large'> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (req.body !== undefined || req.readableEnded) {
    throw new Error(
      'peakformWebhook needs the raw body, but a body parser read it first: mount the webhook route before express.json()',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return 'too large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
