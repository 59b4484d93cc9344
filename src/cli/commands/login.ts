import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { PUBLIC_SDK_CLIENT_ID } from '../../sdk/auth.ts';
import { UsageError } from '../cli-error.ts';
import { discoverServer } from '../remote/discovery.ts';
import { RemoteError } from '../remote/remote-error.ts';
import {
  clientFromCredentials,
  credentialsFromTokens,
  credentialsPath,
  DEFAULT_SERVER,
  fetchNaming,
  normalizeServer,
  readCredentials,
  writeCredentials,
} from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const LOGIN_USAGE = USAGE.login;

/** What the CLI asks for: reading and writing data, the user's profile, and a refresh token. */
const CLI_SCOPE = 'data:read data:write profile offline_access';
const SIGN_IN_TIMEOUT_MS = 300_000;

export async function loginCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      'no-browser': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) {
    throw new UsageError(
      `peakform login takes no arguments (got ${positionals.join(' ')}); use --server URL.`,
    );
  }
  const server = normalizeServer(values.server ?? (process.env.PEAKFORM_SERVER || DEFAULT_SERVER));
  const previous = await readCredentials().catch(() => undefined);
  // Before a browser opens: is this a Peakform server at all?
  await discoverServer(server);
  const { signInWithLoopback } = await import('../../sdk/node.ts');
  const tokens = await signInWithLoopback({
    baseUrl: server,
    clientId: PUBLIC_SDK_CLIENT_ID,
    scope: CLI_SCOPE,
    timeoutMs: SIGN_IN_TIMEOUT_MS,
    fetch: fetchNaming(server),
    openBrowser: (url) => (values['no-browser'] ? printUrl(server, url) : openBrowser(server, url)),
  }).catch((error: unknown) => {
    if (error instanceof Error && /^sign-in (refused|timed out)|^sign-in answer/.test(error.message)) {
      throw new RemoteError(`${capitalise(error.message)}; nothing was stored.`);
    }
    throw error;
  });
  const credentials = credentialsFromTokens(server, PUBLIC_SDK_CLIENT_ID, tokens);
  const user = await (await clientFromCredentials(credentials)).getUserInfo();
  await writeCredentials(credentials);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ server, ...user, credentials: credentialsPath() })}\n`);
  } else {
    process.stdout.write(`Signed in to ${server} as ${describeUser(user)}.\n`);
    const replaced =
      previous && previous.server !== server ? `; they replace the sign-in to ${previous.server}` : '';
    process.stderr.write(`Credentials stored in ${credentialsPath()} (mode 600)${replaced}.\n`);
  }
  return 0;
}

export function describeUser(user: { sub: string; name: string; email?: string | null | undefined }): string {
  return `${user.name}${user.email ? ` <${user.email}>` : ''} (${user.sub})`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function printUrl(server: string, url: string): void {
  process.stderr.write(
    `To sign in to ${server}, open this URL in a browser:\n\n  ${url}\n\nWaiting for the sign-in…\n`,
  );
}

/**
 * Hands the URL to the platform's opener ($BROWSER, else open / cmd start / xdg-open). When none
 * starts, the URL is printed to open by hand; it is printed either way, for a browser elsewhere.
 */
async function openBrowser(server: string, url: string): Promise<void> {
  const [command, ...args] = process.env.BROWSER
    ? [process.env.BROWSER, url]
    : process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', url.replaceAll('&', '^&')]
        : ['xdg-open', url];
  const started = await new Promise<boolean>((resolve) => {
    const child = spawn(command!, args, { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
  if (started) {
    process.stderr.write(`Opening a browser to sign in to ${server}. If none opens, visit:\n\n  ${url}\n\n`);
  } else printUrl(server, url);
}
