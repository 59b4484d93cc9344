import { parseArgs } from 'node:util';
import { UsageError } from '../cli-error.ts';
import { discoverServer } from '../remote/discovery.ts';
import { describeRemoteError } from '../remote/remote-error.ts';
import {
  deleteCredentials,
  fetchNaming,
  readCredentials,
  type StoredCredentials,
} from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const LOGOUT_USAGE = USAGE.logout;

export async function logoutCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 0)
    throw new UsageError(`peakform logout takes no arguments (got ${positionals.join(' ')}).`);
  const stored = await readCredentials().catch(() => undefined);
  if (!stored) {
    await deleteCredentials();
    process.stdout.write('Not signed in; nothing to do.\n');
    return 0;
  }
  const failure = await revoke(stored).then(
    () => undefined,
    (error: unknown) =>
      describeRemoteError(error) ?? (error instanceof Error ? error.message : String(error)),
  );
  await deleteCredentials();
  if (failure) {
    process.stderr.write(
      `warning: ${stored.server} was not told: ${failure}\nThe sign-in may stay valid until it expires; revoke it under ${stored.server}/account.\n`,
    );
  }
  process.stdout.write(`Signed out of ${stored.server}.\n`);
  return 0;
}

/**
 * RFC 7009 revocation at the server's `revocation_endpoint` (POST /api/v1/oauth/revoke): the
 * refresh token when there is one (the server then ends the whole grant), else the access token.
 */
async function revoke(stored: StoredCredentials): Promise<void> {
  const { revocation_endpoint: endpoint } = await discoverServer(stored.server);
  const url = endpoint ?? `${stored.server}/api/v1/oauth/revoke`;
  const [token, hint] = stored.refresh_token
    ? [stored.refresh_token, 'refresh_token']
    : [stored.access_token, 'access_token'];
  const response = await fetchNaming(stored.server)(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ token, token_type_hint: hint, client_id: stored.client_id }).toString(),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string; error_description?: string };
    throw new Error(
      `the revocation endpoint answered ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim(),
    );
  }
}
