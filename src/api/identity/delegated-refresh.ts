import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPeakformError } from '../../domain/errors.ts';
import { DELEGATED_REFRESH_PREFIX, type Engine } from '../../engine/engine.ts';

/**
 * The token route's refresh of a delegated or principal pair (WIRE.md §5.5): a `refresh_token`
 * with the `pfd_` prefix is ours, not oidc-provider's, and is answered here with a
 * TokenResponse, or an OAuth-style 400 `invalid_grant`. Anything else is left to the provider
 * (undefined). The body is the raw form text the identity scope's parser keeps.
 */
export async function answerDelegatedRefresh(
  request: FastifyRequest,
  reply: FastifyReply,
  engine: Engine,
): Promise<FastifyReply | undefined> {
  if (request.method !== 'POST' || typeof request.body !== 'string') return undefined;
  const form = new URLSearchParams(request.body);
  const refreshToken = form.get('refresh_token');
  if (form.get('grant_type') !== 'refresh_token' || !refreshToken?.startsWith(DELEGATED_REFRESH_PREFIX))
    return undefined;
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  // A confidential app refreshes with one of its secrets, in the form or as Basic (WIRE.md §1.2).
  const basic = request.headers.authorization?.match(/^Basic\s+(\S+)$/i)?.[1];
  const [basicId, basicSecret] = basic
    ? Buffer.from(basic, 'base64')
        .toString('utf8')
        .split(/:(.*)/s)
        .map((part) => decodeURIComponent(part ?? ''))
    : [];
  const clientId = form.get('client_id') || basicId || undefined;
  const secret = form.get('client_secret') || basicSecret || undefined;
  const client = clientId ? await engine.identity.applications.clientMetadata(clientId) : undefined;
  if (client?.token_endpoint_auth_method === 'client_secret_post') {
    if (!secret || !engine.identity.applications.matchSecret(client.client_id, secret)) {
      return reply
        .code(401)
        .type('application/json; charset=utf-8')
        .send({ error: 'invalid_client', error_description: 'The client secret is missing or wrong.' });
    }
  }
  try {
    const pair = await engine.delegation.refresh(refreshToken, clientId);
    return reply.code(200).type('application/json; charset=utf-8').send(pair);
  } catch (error) {
    if (!isPeakformError(error)) throw error;
    return reply
      .code(400)
      .type('application/json; charset=utf-8')
      .send({ error: 'invalid_grant', error_description: error.message });
  }
}
