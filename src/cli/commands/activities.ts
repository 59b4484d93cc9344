import { parseArgs } from 'node:util';
import { ActivityListQuerySchema } from '../../domain/wire.ts';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { actingAs, openRemote, TARGET_FLAGS } from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const ACTIVITIES_USAGE = USAGE.activities;

export async function activitiesCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'list')
    throw new UsageError(`Unknown activities action "${action ?? ''}". Use: ${ACTIVITIES_USAGE}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      ...TARGET_FLAGS,
      athlete: { type: 'string' },
      sport: { type: 'string', multiple: true },
      tag: { type: 'string', multiple: true },
      start: { type: 'string' },
      end: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const remote = await openRemote(values);
  if (!remote && !values.athlete) throw new UsageError('--athlete is required with a local data dir.');
  // The CLI validates with the same schema as the API, so both reject the same mistakes.
  const parsed = ActivityListQuerySchema.safeParse({
    sport: values.sport,
    tags: values.tag,
    start: values.start,
    end: values.end,
    limit: values.limit,
    offset: values.offset,
  });
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
  }
  // On a remote server through the API; locally through a running server's admin socket when
  // there is one, else in this process.
  const activities = remote
    ? await (await actingAs(remote, values.athlete)).client.listActivities(parsed.data)
    : await runAdmin(values.data, { op: 'activities.list', athleteId: values.athlete!, query: parsed.data });
  if (values.json) {
    for (const a of activities) process.stdout.write(`${JSON.stringify(a)}\n`);
    return 0;
  }
  const rows = activities.map((a) => [
    a.id,
    a.start_local.replace('T', ' '),
    a.sport,
    formatDuration(a.elapsed_s),
    a.distance_m === null ? '' : `${(a.distance_m / 1000).toFixed(2)} km`,
    a.analysis.avg_power_w === null ? '' : `${Math.round(a.analysis.avg_power_w)} W`,
  ]);
  printTable(['id', 'start (local)', 'sport', 'elapsed', 'distance', 'avg power'], rows);
  return 0;
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}
