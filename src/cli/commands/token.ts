import { parseArgs } from 'node:util';
import { UsageError } from '../cli-error.ts';
import { openEngine } from '../open-engine.ts';

export const TOKEN_USAGE = `peakform token create [--data DIR] --athlete ID [--name NAME] [--json]
  Creates a personal API key for an athlete and prints it once.`;

export async function tokenCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'create')
    throw new UsageError(`Unknown token action "${action ?? ''}". Use: ${TOKEN_USAGE}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      data: { type: 'string' },
      athlete: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (!values.athlete) throw new UsageError('--athlete is required: the athlete the key acts for.');
  const engine = await openEngine(values.data);
  try {
    const created = await engine.createToken(values.athlete, values.name);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ id: created.id, athlete_id: created.athleteId, token: created.token })}\n`
        : `${created.token}\n`,
    );
  } finally {
    engine.close();
  }
  return 0;
}
