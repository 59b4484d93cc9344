import { parseArgs } from 'node:util';
import { requireRemote } from '../remote/session.ts';
import { USAGE } from '../usage.ts';
import { describeUser } from './login.ts';

export const WHOAMI_USAGE = USAGE.whoami;

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
