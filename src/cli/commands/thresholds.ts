import { parseArgs } from 'node:util';
import { ThresholdsSchema } from '../../domain/wire.ts';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { actingAs, openRemote, TARGET_FLAGS } from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const THRESHOLDS_USAGE = USAGE.thresholds;

const NUMBER_FLAGS = {
  ftp: 'ftp_w',
  cp: 'cp_w',
  wprime: 'w_prime_j',
  lthr: 'lthr_bpm',
  'max-hr': 'max_hr_bpm',
  'rest-hr': 'rest_hr_bpm',
  weight: 'weight_kg',
} as const;

export async function thresholdsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'set' && action !== 'list')
    throw new UsageError(`Unknown thresholds action "${action ?? ''}".`);
  const { values } = parseArgs({
    args: rest,
    options: {
      ...TARGET_FLAGS,
      athlete: { type: 'string' },
      sport: { type: 'string' },
      from: { type: 'string' },
      ...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
    },
  });
  const remote = await openRemote(values);
  if (!remote && !values.athlete) throw new UsageError('--athlete is required with a local data dir.');
  // On a remote server through the API; locally through a running server's admin socket when
  // there is one, else in this process.
  const client = remote && (await actingAs(remote, values.athlete)).client;
  let thresholds: unknown[];
  if (action === 'set') {
    const entry: Record<string, unknown> = { sport: values.sport, effective_from: values.from };
    for (const [flag, field] of Object.entries(NUMBER_FLAGS)) {
      const text = (values as Record<string, string | undefined>)[flag];
      if (text !== undefined) entry[field] = Number(text);
    }
    // The CLI validates with the API's schema, so both reject the same mistakes.
    const parsed = ThresholdsSchema.safeParse(entry);
    if (!parsed.success) {
      throw new UsageError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '));
    }
    thresholds = client
      ? await client.setThresholds({ body: parsed.data })
      : await runAdmin(values.data, {
          op: 'thresholds.set',
          athleteId: values.athlete!,
          thresholds: parsed.data,
        });
  } else {
    thresholds = client
      ? await client.listThresholds()
      : await runAdmin(values.data, { op: 'thresholds.list', athleteId: values.athlete! });
  }
  for (const t of thresholds) process.stdout.write(`${JSON.stringify(t)}\n`);
  return 0;
}
