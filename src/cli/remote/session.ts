import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { PUBLIC_SDK_CLIENT_ID, type TokenSet } from '../../sdk/auth.ts';
import type { OAuthSession, PeakformClient } from '../../sdk/client.ts';
import { UsageError } from '../cli-error.ts';
import { DEFAULT_SERVER } from '../usage.ts';
import { NotSignedInError, RemoteError, RemoteUnreachableError } from './remote-error.ts';

/**
 * Where a data command runs: on a remote Peakform server through the SDK, or on the local data dir.
 *
 * 1. `--data DIR` → the local data dir (with `--server` or `--token` it is a usage mistake);
 * 2. `--server URL` and/or `--token T` → that server, with that token or the stored login's;
 * 3. $PEAKFORM_SERVER / $PEAKFORM_TOKEN → likewise;
 * 4. $PEAKFORM_DATA → the local data dir;
 * 5. the credentials `peakform login` stored → that server;
 * 6. else the local ./peakform-data.
 *
 * The SDK (and with it apache-arrow) is loaded only when a remote session opens, so local commands
 * start as before.
 */

const StoredCredentialsSchema = z.object({
  server: z.string().url(),
  client_id: z.string(),
  access_token: z.string(),
  refresh_token: z.string().optional(),
  /** Epoch milliseconds. */
  expires_at: z.number().optional(),
  scope: z.string().optional(),
});
export type StoredCredentials = z.infer<typeof StoredCredentialsSchema>;

/** The server `peakform login` signs in to without `--server`. */
export { DEFAULT_SERVER };

/** $PEAKFORM_CONFIG_DIR, else $XDG_CONFIG_HOME/peakform, else ~/.config/peakform. */
export function configDir(): string {
  if (process.env.PEAKFORM_CONFIG_DIR) return process.env.PEAKFORM_CONFIG_DIR;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'peakform');
}

export const credentialsPath = () => join(configDir(), 'credentials.json');

export async function readCredentials(): Promise<StoredCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(credentialsPath(), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = StoredCredentialsSchema.safeParse(json);
  if (!parsed.success) {
    throw new RemoteError(
      `${credentialsPath()} is not a Peakform credentials file; delete it or run peakform login again.`,
    );
  }
  return parsed.data;
}

/**
 * Written to a temporary file with mode 600 (in a directory of mode 700) and renamed over, so a
 * reader never sees half a file and nobody else ever reads the tokens.
 */
export async function writeCredentials(credentials: StoredCredentials): Promise<void> {
  const path = credentialsPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/** Removes the stored credentials; true when there were any. */
export async function deleteCredentials(): Promise<boolean> {
  const existed = (await readCredentials().catch(() => 'unreadable')) !== undefined;
  await rm(credentialsPath(), { force: true });
  return existed;
}

export function credentialsFromTokens(server: string, clientId: string, tokens: TokenSet): StoredCredentials {
  return {
    server: normalizeServer(server),
    client_id: clientId,
    access_token: tokens.accessToken,
    ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
    ...(tokens.expiresAt !== undefined ? { expires_at: tokens.expiresAt } : {}),
    ...(tokens.scope ? { scope: tokens.scope } : {}),
  };
}

/** `http://host:port[/path]` without a trailing slash; anything but an http(s) URL is a usage mistake. */
export function normalizeServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL such as ${DEFAULT_SERVER}, not "${server}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--server must be an http or https URL, not "${server}".`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** A fetch that names the server when it cannot be reached, instead of Node's bare "fetch failed". */
export function fetchNaming(server: string): typeof fetch {
  return async (input, init) => {
    try {
      return await globalThis.fetch(input, init);
    } catch (error) {
      throw new RemoteUnreachableError(server, error);
    }
  };
}

export interface RemoteOptions {
  /** `--data`: forces the local data dir. */
  data?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
}

export interface RemoteSession {
  server: string;
  client: PeakformClient;
  /** Where the token came from: `--token`/$PEAKFORM_TOKEN, or the stored `peakform login`. */
  via: 'token' | 'login';
}

/** The flags every data command takes to choose between the local data dir and a server. */
export const TARGET_FLAGS = {
  data: { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
} as const;

/** Where the command runs (see the top of this file): a remote session, or undefined for the data dir. */
export async function openRemote(options: RemoteOptions): Promise<RemoteSession | undefined> {
  return open(options, false);
}

/** The remote session `whoami` reports on: like `openRemote`, but the data dir never counts. */
export async function requireRemote(options: Omit<RemoteOptions, 'data'>): Promise<RemoteSession> {
  const session = await open(options, true);
  if (!session) throw new NotSignedInError();
  return session;
}

async function open(options: RemoteOptions, remoteOnly: boolean): Promise<RemoteSession | undefined> {
  if (options.data !== undefined) {
    if (options.server !== undefined || options.token !== undefined) {
      throw new UsageError('--data names a local data dir; --server and --token a remote server. Pick one.');
    }
    return undefined;
  }
  if (options.server === '' || options.token === '') {
    throw new UsageError(`--${options.server === '' ? 'server' : 'token'} is empty.`);
  }
  // An empty variable (\`PEAKFORM_SERVER= peakform …\`) is an unset one.
  const server = options.server ?? (process.env.PEAKFORM_SERVER || undefined);
  const token = options.token ?? (process.env.PEAKFORM_TOKEN || undefined);
  if (!remoteOnly && server === undefined && token === undefined && process.env.PEAKFORM_DATA)
    return undefined;
  if (server !== undefined && token !== undefined) {
    const base = normalizeServer(server);
    return { server: base, client: await newClient({ baseUrl: base, token }), via: 'token' };
  }
  const stored = await readCredentials();
  if (!stored) {
    if (token !== undefined) throw new UsageError('A token needs a server to send it to: add --server URL.');
    if (server !== undefined) {
      throw new RemoteError(
        `Not signed in to ${server}: run peakform login --server ${server}, or pass --token.`,
      );
    }
    return undefined;
  }
  if (server !== undefined && normalizeServer(server) !== stored.server) {
    throw new RemoteError(
      `Signed in to ${stored.server}, not ${server}: run peakform login --server ${server}, or pass --token.`,
    );
  }
  if (token !== undefined) {
    return {
      server: stored.server,
      client: await newClient({ baseUrl: stored.server, token }),
      via: 'token',
    };
  }
  return { server: stored.server, client: await clientFromCredentials(stored), via: 'login' };
}

/** A client on stored credentials that refreshes its access token and writes the new pair back. */
export function clientFromCredentials(stored: StoredCredentials): Promise<PeakformClient> {
  const clientId = stored.client_id || PUBLIC_SDK_CLIENT_ID;
  return newClient({
    baseUrl: stored.server,
    oauth: {
      clientId,
      accessToken: stored.access_token,
      refreshToken: stored.refresh_token,
      expiresAt: stored.expires_at,
      scope: stored.scope,
      // The request goes on with the new token even when the file cannot take it.
      onRefresh: (next) =>
        writeCredentials(credentialsFromTokens(stored.server, clientId, next)).catch((error: unknown) => {
          process.stderr.write(
            `warning: could not store the refreshed sign-in in ${credentialsPath()}: ${(error as Error).message}\n`,
          );
        }),
    },
  });
}

async function newClient(
  options: { baseUrl: string } & (
    | { token: string; oauth?: undefined }
    | { token?: undefined; oauth: OAuthSession }
  ),
): Promise<PeakformClient> {
  const { PeakformClient } = await import('../../sdk/client.ts');
  return new PeakformClient({ ...options, fetch: fetchNaming(options.baseUrl) });
}

/**
 * The session acting for `athleteId`: itself when the athlete is the token's own user (or none is
 * named), else a delegated token (POST /api/v1/oauth/delegated-token) for an athlete the user
 * manages or whose team access they hold, as a coach acts in the web API.
 */
export async function actingAs(
  session: RemoteSession,
  athleteId: string | undefined,
): Promise<RemoteSession> {
  if (athleteId === undefined) return session;
  const me = await session.client.getUserInfo();
  if (me.sub === athleteId) return session;
  const delegated = await session.client.createDelegatedToken({ body: { sub: athleteId } });
  return {
    server: session.server,
    client: await newClient({ baseUrl: session.server, token: delegated.access_token }),
    via: session.via,
  };
}
