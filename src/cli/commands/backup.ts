import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { USAGE } from '../usage.ts';

export const BACKUP_USAGE = USAGE.backup;

export async function backupCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (!values.out)
    throw new UsageError('--out is required: the new or empty folder to write the backup into.');
  const target = resolve(values.out);
  const summary = await runAdmin(values.data, { op: 'store.backup', target });
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ target, ...summary })}\n`
      : `backed up to ${target}: ${summary.files} files, ${(summary.bytes / 1e6).toFixed(1)} MB (${summary.linked} hard-linked)\n`,
  );
  return 0;
}
