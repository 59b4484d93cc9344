import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { resolveDataDir } from '../data-dir.ts';
import { USAGE } from '../usage.ts';

export const CHECK_USAGE = USAGE.check;

export async function checkCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, json: { type: 'boolean' } } });
  // Through a running server's admin socket when there is one, else in this process.
  const { problems } = await runAdmin(values.data, { op: 'check' });
  if (values.json) process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, problems })}\n`);
  else if (problems.length === 0) process.stdout.write(`${resolveDataDir(values.data)}: consistent\n`);
  else for (const problem of problems) process.stderr.write(`✗ ${problem}\n`);
  return problems.length === 0 ? 0 : 1;
}
