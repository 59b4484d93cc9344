import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { USAGE } from '../usage.ts';

export const TEAM_USAGE = USAGE.team;

export async function teamCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      owner: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string' },
      description: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (action === 'create') {
    const [name] = positionals;
    if (!name) throw new UsageError('Name the team: peakform team create NAME --owner ATHLETE.');
    if (!values.owner) throw new UsageError('--owner is required: the athlete who owns the team.');
    const team = await runAdmin(values.data, {
      op: 'teams.create',
      name,
      owner: values.owner,
      description: values.description,
    });
    process.stdout.write(values.json ? `${JSON.stringify(team)}\n` : `${team.id}\n`);
  } else if (action === 'add-member') {
    const [teamId] = positionals;
    if (!teamId) throw new UsageError('Name the team: peakform team add-member TEAM_ID --user ATHLETE.');
    if (!values.user) throw new UsageError('--user is required: the athlete to add.');
    const role = values.role ?? 'member';
    if (role !== 'member' && role !== 'owner') throw new UsageError('--role is member or owner.');
    await runAdmin(values.data, { op: 'teams.addMember', teamId, userId: values.user, role });
    process.stdout.write(`added ${values.user} to ${teamId} as ${role}\n`);
  } else if (action === 'remove-member') {
    const [teamId] = positionals;
    if (!teamId) throw new UsageError('Name the team: peakform team remove-member TEAM_ID --user ATHLETE.');
    if (!values.user) throw new UsageError('--user is required: the member to remove.');
    await runAdmin(values.data, { op: 'teams.removeMember', teamId, userId: values.user });
    process.stdout.write(`removed ${values.user} from ${teamId}\n`);
  } else if (action === 'list') {
    if (!values.user) throw new UsageError('--user is required: whose teams to list.');
    const teams = await runAdmin(values.data, { op: 'teams.list', userId: values.user });
    if (values.json) process.stdout.write(`${JSON.stringify(teams)}\n`);
    else for (const team of teams) process.stdout.write(`${team.id}\t${team.role}\t${team.name}\n`);
  } else {
    throw new UsageError(`Unknown team action "${action ?? ''}". Use:\n${TEAM_USAGE}`);
  }
  return 0;
}
