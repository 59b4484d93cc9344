import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { resolveDataDir } from '../data-dir.ts';

export const CHECK_USAGE = `peakform check [--data DIR] [--json]
  Checks that the catalog and the files agree (every row's files exist, every file has its row,
  no temporaries left). Exits 1 and lists what disagrees. A local data dir only.`;

export async function checkCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, json: { type: 'boolean' } } });
  // Through a running server's admin socket when there is one, else in this process.
  const { problems } = await runAdmin(values.data, { op: 'check' });
  if (values.json) process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, problems })}\n`);
  else if (problems.length === 0) process.stdout.write(`${resolveDataDir(values.data)}: consistent\n`);
  else for (const problem of problems) process.stderr.write(`✗ ${problem}\n`);
  return problems.length === 0 ? 0 : 1;
}
