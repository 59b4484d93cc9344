import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { USAGE } from '../usage.ts';

export const USER_USAGE = USAGE.user;

/** Reads the password from standard input: the first line, without its line break. */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.split(/\r?\n/)[0] ?? '';
}

export async function userCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      data: { type: 'string' },
      email: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      athlete: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (action !== 'create') throw new UsageError(`Unknown user action "${action ?? ''}". Use:\n${USER_USAGE}`);
  if (!values.email) throw new UsageError('--email is required.');
  if (!values['password-stdin']) {
    throw new UsageError(
      'Pass --password-stdin and write the password to standard input (never as an argument).',
    );
  }
  const password = await readPasswordFromStdin();
  const created = await runAdmin(values.data, {
    op: 'users.create',
    email: values.email,
    password,
    athleteId: values.athlete,
    firstName: values['first-name'],
    lastName: values['last-name'],
  });
  process.stdout.write(values.json ? `${JSON.stringify(created)}\n` : `${created.id}\n`);
  return 0;
}
