import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { ProgressBar } from '../progress-bar.ts';
import { USAGE } from '../usage.ts';

export const RECOMPUTE_USAGE = USAGE.recompute;

export async function recomputeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, athlete: { type: 'string' }, json: { type: 'boolean' } },
  });
  let progress: ProgressBar | undefined;
  // Through a running server's admin socket when there is one (no progress bar then), else here.
  const totals = await runAdmin(
    values.data,
    { op: 'sources.recompute', athleteId: values.athlete },
    !values.json && process.stderr.isTTY
      ? {
          progress: {
            start: (total) => {
              progress = new ProgressBar(total, process.stderr);
            },
            tick: (label) => progress?.tick(label),
          },
        }
      : {},
  ).finally(() => progress?.clear());
  process.stdout.write(
    values.json
      ? `${JSON.stringify(totals)}\n`
      : `${totals.sources} source(s) re-derived into ${totals.activities} activities, ${totals.failed} failed.\n`,
  );
  return totals.failed > 0 ? 1 : 0;
}
