import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { USAGE } from '../usage.ts';

export const TOKEN_USAGE = USAGE.token;

export async function tokenCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      athlete: { type: 'string' },
      name: { type: 'string' },
      app: { type: 'string' },
      scope: { type: 'string', multiple: true },
      'expires-in': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (!['create', 'list', 'revoke'].includes(action ?? '')) {
    throw new UsageError(`Unknown token action "${action ?? ''}". Use:\n${TOKEN_USAGE}`);
  }
  if (!values.athlete) throw new UsageError('--athlete is required: the athlete the key acts for.');
  // Through a running server's admin socket when there is one, else in this process.
  if (action === 'create') {
    const expiresIn = values['expires-in'];
    if (expiresIn !== undefined && !Number.isFinite(Number(expiresIn)))
      throw new UsageError(`--expires-in ${expiresIn} is not a number of seconds.`);
    const created = await runAdmin(values.data, {
      op: 'tokens.create',
      athleteId: values.athlete,
      name: values.name,
      scopes: values.scope,
      expiresInS: expiresIn === undefined ? undefined : Number(expiresIn),
      clientId: values.app,
    });
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ id: created.id, athlete_id: created.athleteId, token: created.token, scopes: created.scopes, expires_at: created.expiresAt, ...(values.app ? { client_id: values.app } : {}) })}\n`
        : `${created.token}\n`,
    );
  } else if (action === 'list') {
    const tokens = await runAdmin(values.data, { op: 'tokens.list', athleteId: values.athlete });
    if (values.json) process.stdout.write(`${JSON.stringify(tokens)}\n`);
    else
      for (const t of tokens)
        process.stdout.write(
          `${Object.values(t)
            .map((v) => v ?? '')
            .join('\t')}\n`,
        );
  } else {
    const [tokenId] = positionals;
    if (!tokenId) throw new UsageError('Name the key to revoke: peakform token revoke --athlete A TOKEN_ID.');
    await runAdmin(values.data, { op: 'tokens.revoke', athleteId: values.athlete, tokenId });
    process.stdout.write(`revoked ${tokenId}\n`);
  }
  return 0;
}
