import { parseArgs } from 'node:util';
import { openEngine } from '../open-engine.ts';

export const CHECK_USAGE = `peakform check [--data DIR] [--json]
  Checks that the catalog and the files agree (every row's files exist, every file has its row,
  no temporaries left). Exits 1 and lists what disagrees.`;

export async function checkCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, json: { type: 'boolean' } } });
  const engine = await openEngine(values.data);
  try {
    const problems = await engine.checkConsistency();
    if (values.json) process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, problems })}\n`);
    else if (problems.length === 0) process.stdout.write(`${engine.dataDir}: consistent\n`);
    else for (const problem of problems) process.stderr.write(`✗ ${problem}\n`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    engine.close();
  }
}
