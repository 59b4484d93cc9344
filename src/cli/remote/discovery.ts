import { z } from 'zod';
import { RemoteError } from './remote-error.ts';
import { fetchNaming } from './session.ts';

const DiscoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  revocation_endpoint: z.string().optional(),
});
export type ServerDiscovery = z.infer<typeof DiscoverySchema>;

/**
 * The server's OpenID configuration (`/.well-known/openid-configuration`): proof that `server` is
 * an OAuth server at all before a browser is sent there, and where it revokes tokens.
 */
export async function discoverServer(server: string): Promise<ServerDiscovery> {
  const response = await fetchNaming(server)(`${server}/.well-known/openid-configuration`, {
    headers: { accept: 'application/json' },
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = DiscoverySchema.safeParse(json);
  if (!response.ok || !parsed.success) {
    throw new RemoteError(
      `${server} is not a Peakform server: GET /.well-known/openid-configuration answered ${response.status}${response.ok ? ' without an OpenID configuration' : ''}. Check --server.`,
    );
  }
  return parsed.data;
}
