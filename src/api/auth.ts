import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../engine/engine.ts';
import { problem, sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The athlete the bearer token acts for; set by `requireAthlete` on every data route. */
    athleteId: string;
  }
}

/** Personal API keys as bearer tokens; every data route is scoped to the key's athlete. */
export function requireAthlete(engine: Engine) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
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
    const athleteId = await engine.authenticate(match[1]!);
    if (!athleteId) {
      reply.header('www-authenticate', 'Bearer realm="peakform", error="invalid_token"');
      return sendProblem(
        reply,
        problem(
          request,
          401,
          'ERR_AUTH_INVALID',
          'The API key is unknown or revoked. Create a new one with `peakform token create`.',
        ),
      );
    }
    request.athleteId = athleteId;
    return undefined;
  };
}
