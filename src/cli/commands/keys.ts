import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { USAGE } from '../usage.ts';

export const KEYS_USAGE = USAGE.keys;

export async function keysCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { data: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (action === 'rotate') {
    const { kid } = await runAdmin(values.data, { op: 'keys.rotate' });
    process.stdout.write(`${kid}\n`);
    return 0;
  }
  if (action === 'list') {
    const keys = await runAdmin(values.data, { op: 'keys.list' });
    if (values.json) process.stdout.write(`${JSON.stringify(keys)}\n`);
    else
      for (const key of keys)
        process.stdout.write(
          `${key.kid}\t${key.signs ? 'signs' : key.retiredAt ? `retired ${key.retiredAt}` : 'verifies'}\t${key.createdAt}\t${key.liveKeys} live keys\n`,
        );
    return 0;
  }
  throw new UsageError(`Unknown keys action "${action ?? ''}". Use:\n${KEYS_USAGE}`);
}
