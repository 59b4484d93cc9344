import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../contract/index.ts';
import { isPeakformError } from '../domain/errors.ts';
import type { Engine, VerifiedToken } from '../engine/engine.ts';
import { problem, sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The athlete the bearer token acts for; set on every route that declares a scope. */
    athleteId: string;
    /** The scopes the bearer holds. */
    scopes: readonly string[];
    /** Everything known of the bearer (its kind, its app, who it acts for). */
    token: VerifiedToken;
  }
}

/**
 * Verifies the bearer on every request (signature, expiry, revocation: no cache outlives a
 * revocation) and checks the scope the route declares. Every data route is scoped to the
 * token's athlete.
 */
export function authenticate(engine: Engine, scope: Scope) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const match = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i);
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="peakform"');
      return sendProblem(
        reply,
        problem(
          request,
          401,
          'ERR_AUTH_MISSING',
          'Send an API key as "Authorization: Bearer <token>". Create one with `peakform token create --athlete <id>`.',
        ),
      );
    }
    let verified: Awaited<ReturnType<Engine['tokens']['verify']>>;
    try {
      verified = await engine.tokens.verify(match[1]!);
    } catch (error) {
      if (!isPeakformError(error)) throw error;
      reply.header('www-authenticate', 'Bearer realm="peakform", error="invalid_token"');
      return sendProblem(reply, problem(request, error.status, error.code, error.message));
    }
    if (!verified.scopes.includes(scope)) {
      reply.header(
        'www-authenticate',
        `Bearer realm="peakform", error="insufficient_scope", scope="${scope}"`,
      );
      return sendProblem(
        reply,
        problem(
          request,
          403,
          'ERR_AUTH_SCOPE',
          `This route needs the scope ${scope}; the token holds ${verified.scopes.join(' ') || 'none'}.`,
        ),
      );
    }
    request.athleteId = verified.athleteId;
    request.scopes = verified.scopes;
    request.token = verified;
    return undefined;
  };
}
