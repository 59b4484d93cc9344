import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { ProgressBar } from '../progress-bar.ts';

export const RECOMPUTE_USAGE = `peakform recompute [--data DIR] [--athlete ID] [--json]
  Re-derives samples, curves and metrics of every stored source (of one athlete, or all) from the
  original files: after a threshold change or a kernel fix. Ids stay the same. A local data dir
  only: the API has no such route (a server re-derives by itself after a threshold change).`;

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
