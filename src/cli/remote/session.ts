import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { PeakformClient, PUBLIC_SDK_CLIENT_ID, type TokenSet } from '../../sdk/node.ts';
import { UsageError } from '../cli-error.ts';

/**
 * Where the CLI reaches a remote Peakform server: `--server URL` with `--token` (or
 * $PEAKFORM_SERVER / $PEAKFORM_TOKEN), else the credentials `peakform login` stored. Commands that
 * get no remote session work on the local data dir, as before.
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
  const parsed = StoredCredentialsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new UsageError(
      `${credentialsPath()} is not a Peakform credentials file; run peakform login again.`,
    );
  }
  return parsed.data;
}

/** Written to a temporary file with mode 600 and renamed over, so a reader never sees half a file. */
export async function writeCredentials(credentials: StoredCredentials): Promise<void> {
  const path = credentialsPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

export async function deleteCredentials(): Promise<boolean> {
  const existed = (await readCredentials().catch(() => undefined)) !== undefined;
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

export function normalizeServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL such as http://localhost:8787, not "${server}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--server must be an http or https URL, not "${server}".`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export interface RemoteOptions {
  server?: string | undefined;
  token?: string | undefined;
}

export interface RemoteSession {
  server: string;
  client: PeakformClient;
}

/**
 * The remote session the options, the environment or the stored login name, or undefined for the
 * local data dir. A stored OAuth session refreshes itself and writes the new pair back.
 */
export async function openRemote(options: RemoteOptions): Promise<RemoteSession | undefined> {
  const server = options.server ?? process.env.PEAKFORM_SERVER;
  const token = options.token ?? process.env.PEAKFORM_TOKEN;
  const stored = await readCredentials();
  if (server && token) {
    const base = normalizeServer(server);
    return { server: base, client: new PeakformClient({ baseUrl: base, token }) };
  }
  if (token && !server && !stored) {
    throw new UsageError('A --token needs a --server (or a stored login) to send it to.');
  }
  if (!stored) {
    if (server) {
      throw new UsageError(
        `Not signed in to ${server}: run peakform login --server ${server}, or pass --token.`,
      );
    }
    return undefined;
  }
  if (server && normalizeServer(server) !== stored.server) {
    throw new UsageError(
      `Signed in to ${stored.server}, not ${server}: run peakform login --server ${server}, or pass --token.`,
    );
  }
  if (token) {
    return { server: stored.server, client: new PeakformClient({ baseUrl: stored.server, token }) };
  }
  const client = new PeakformClient({
    baseUrl: stored.server,
    oauth: {
      clientId: stored.client_id || PUBLIC_SDK_CLIENT_ID,
      accessToken: stored.access_token,
      refreshToken: stored.refresh_token,
      expiresAt: stored.expires_at,
      scope: stored.scope,
      onRefresh: (next) => writeCredentials(credentialsFromTokens(stored.server, stored.client_id, next)),
    },
  });
  return { server: stored.server, client };
}
