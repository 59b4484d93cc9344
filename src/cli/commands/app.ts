import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';

export const APP_USAGE = `peakform app create NAME [--data DIR] [--redirect-uri URI]... [--confidential] [--owner ATHLETE] [-d DESCRIPTION] [--webhook-url URL]... [--json]
  Registers an OAuth application and prints its client id (and, when confidential, its first
  client secret, once). Redirect URIs match exactly; http loopback URIs on any port.
  --webhook-url adds a webhook endpoint; --json prints the app with its webhook_secret.
peakform app list [--data DIR] [--owner ATHLETE] [--json]
peakform app delete CLIENT_ID [--data DIR]
  Deletes the app with its secrets, grants and tokens.
peakform app secret add CLIENT_ID [--label LABEL] [--data DIR] [--json]
peakform app secret list CLIENT_ID [--data DIR] [--json]
peakform app secret delete CLIENT_ID SECRET_ID [--data DIR]
  Deleting a secret ends every token issued under it.`;

export async function appCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      confidential: { type: 'boolean' },
      owner: { type: 'string' },
      description: { type: 'string', short: 'd' },
      label: { type: 'string' },
      json: { type: 'boolean' },
      'webhook-url': { type: 'string', multiple: true },
    },
  });
  const print = (value: unknown, line: string) =>
    process.stdout.write(values.json ? `${JSON.stringify(value)}\n` : `${line}\n`);
  switch (action) {
    case 'create': {
      const [name] = positionals;
      if (!name) throw new UsageError('Name the app: peakform app create NAME.');
      const created = await runAdmin(values.data, {
        op: 'apps.create',
        name,
        owner: values.owner,
        description: values.description,
        redirectUris: values['redirect-uri'] ?? [],
        confidential: values.confidential ?? false,
        webhookUrls: values['webhook-url'],
      });
      print(
        created,
        created.client_secret
          ? `client_id\t${created.client_id}\nclient_secret\t${created.client_secret}`
          : `client_id\t${created.client_id}`,
      );
      return 0;
    }
    case 'list': {
      const apps = await runAdmin(values.data, { op: 'apps.list', owner: values.owner });
      print(
        apps,
        apps
          .map((app) => `${app.client_id}\t${app.name}\t${app.confidential ? 'confidential' : 'public'}`)
          .join('\n'),
      );
      return 0;
    }
    case 'delete': {
      const [clientId] = positionals;
      if (!clientId) throw new UsageError('Name the app to delete: peakform app delete CLIENT_ID.');
      await runAdmin(values.data, { op: 'apps.delete', clientId });
      process.stdout.write(`deleted ${clientId}\n`);
      return 0;
    }
    case 'secret':
      return secretCommand(positionals, values, print);
    default:
      throw new UsageError(`Unknown app action "${action ?? ''}". Use:\n${APP_USAGE}`);
  }
}

async function secretCommand(
  positionals: string[],
  values: { data?: string; label?: string },
  print: (value: unknown, line: string) => void,
): Promise<number> {
  const [verb, clientId, secretId] = positionals;
  if (!clientId) throw new UsageError('Name the app: peakform app secret add|list|delete CLIENT_ID.');
  if (verb === 'add') {
    const secret = await runAdmin(values.data, { op: 'apps.secrets.add', clientId, label: values.label });
    print(secret, `secret_id\t${secret.id}\nclient_secret\t${secret.client_secret}`);
  } else if (verb === 'list') {
    const secrets = await runAdmin(values.data, { op: 'apps.secrets.list', clientId });
    print(secrets, secrets.map((s) => `${s.id}\t${s.label ?? ''}\t${s.createdAt}`).join('\n'));
  } else if (verb === 'delete') {
    if (!secretId) throw new UsageError('Name the secret: peakform app secret delete CLIENT_ID SECRET_ID.');
    await runAdmin(values.data, { op: 'apps.secrets.delete', clientId, secretId });
    process.stdout.write(`deleted ${secretId}\n`);
  } else {
    throw new UsageError(`Unknown app secret action "${verb ?? ''}": add, list or delete.`);
  }
  return 0;
}
