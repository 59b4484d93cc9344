import { parseArgs } from 'node:util';
import { requireRemote } from '../remote/session.ts';
import { describeUser } from './login.ts';

export const WHOAMI_USAGE = `peakform whoami [--server URL] [--token T] [--json]
  The server and the user the CLI acts as there (GET /api/v1/oauth/userinfo): the stored login's,
  or --token's. Exit 1 when not signed in or the server refuses the token.`;

export async function whoamiCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { server: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } },
  });
  const session = await requireRemote({ server: values.server, token: values.token });
  const user = await session.client.getUserInfo();
  if (values.json) process.stdout.write(`${JSON.stringify({ server: session.server, ...user })}\n`);
  else process.stdout.write(`${describeUser(user)} on ${session.server}\n`);
  return 0;
}
