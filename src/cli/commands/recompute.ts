import { parseArgs } from 'node:util';
import { openEngine } from '../open-engine.ts';
import { ProgressBar } from '../progress-bar.ts';

export const RECOMPUTE_USAGE = `peakform recompute [--data DIR] [--athlete ID] [--json]
  Re-derives samples, curves and metrics of every stored source (of one athlete, or all) from the
  original files: after a threshold change or a kernel fix. Ids stay the same.`;

export async function recomputeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, athlete: { type: 'string' }, json: { type: 'boolean' } },
  });
  const engine = await openEngine(values.data);
  try {
    const progress =
      !values.json && process.stderr.isTTY
        ? new ProgressBar(await engine.sources.count(values.athlete), process.stderr)
        : undefined;
    const totals = await engine.sources.recompute(values.athlete, (source) =>
      progress?.tick(source.filename ?? source.id),
    );
    progress?.clear();
    process.stdout.write(
      values.json
        ? `${JSON.stringify(totals)}\n`
        : `${totals.sources} source(s) re-derived into ${totals.activities} activities, ${totals.failed} failed.\n`,
    );
    return totals.failed > 0 ? 1 : 0;
  } finally {
    engine.close();
  }
}
