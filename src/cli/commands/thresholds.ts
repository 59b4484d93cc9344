import { parseArgs } from 'node:util';
import { ThresholdsSchema } from '../../domain/wire.ts';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';

export const THRESHOLDS_USAGE = `peakform thresholds set [--data DIR] --athlete ID --sport S --from YYYY-MM-DD [--ftp W] [--cp W] [--wprime J] [--lthr BPM] [--max-hr BPM] [--rest-hr BPM] [--weight KG]
peakform thresholds list [--data DIR] --athlete ID
  Effective-dated thresholds per sport; run \`peakform recompute\` to apply them to stored activities.`;

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
      data: { type: 'string' },
      athlete: { type: 'string' },
      sport: { type: 'string' },
      from: { type: 'string' },
      ...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
    },
  });
  if (!values.athlete) throw new UsageError('--athlete is required.');
  // Through a running server's admin socket when there is one, else in this process.
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
    thresholds = await runAdmin(values.data, {
      op: 'thresholds.set',
      athleteId: values.athlete,
      thresholds: parsed.data,
    });
  } else thresholds = await runAdmin(values.data, { op: 'thresholds.list', athleteId: values.athlete });
  for (const t of thresholds) process.stdout.write(`${JSON.stringify(t)}\n`);
  return 0;
}
