import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { readProjectConfig, writeProjectConfig } from '../project-config.ts';
import { openRemote, type RemoteSession, TARGET_FLAGS } from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const APP_USAGE = USAGE.app;

export async function appCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      ...TARGET_FLAGS,
      page: { type: 'string' },
      directory: { type: 'string' },
      project: { type: 'string' },
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
  if (action === 'link') return linkCommand(positionals, values);
  // On a server when one is named or signed in to (issue 13); else the local data dir, as before.
  const remote = action === 'secret' ? undefined : await openRemote(values);
  if (remote) return remoteAppCommand(remote, action, positionals, values, print);
  switch (action) {
    case 'create': {
      const [name] = positionals;
      if (!name) throw new UsageError('Name the app: peakform app create NAME.');
      if (values.page !== undefined) {
        throw new UsageError(
          'A page is served by a server: add --server URL --token T, or sign in with peakform login.',
        );
      }
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

interface AppValues {
  server?: string;
  token?: string;
  page?: string;
  description?: string;
  'redirect-uri'?: string[];
  confidential?: boolean;
  owner?: string;
  json?: boolean;
  'webhook-url'?: string[];
  directory?: string;
  project?: string;
}

/** `app create|list|delete` through the API of a server, as the signed-in user. */
async function remoteAppCommand(
  remote: RemoteSession,
  action: string | undefined,
  positionals: string[],
  values: AppValues,
  print: (value: unknown, line: string) => void,
): Promise<number> {
  if (values.owner !== undefined) {
    throw new UsageError('--owner names an athlete of a local data dir; on a server the app is yours.');
  }
  const { client } = remote;
  switch (action) {
    case 'create': {
      const [name] = positionals;
      if (!name) throw new UsageError('Name the app: peakform app create NAME.');
      const app = await client.createApplication({
        body: {
          name,
          ...(values.description !== undefined ? { description: values.description } : {}),
          ...(values['redirect-uri'] ? { redirect_uris: values['redirect-uri'] } : {}),
          ...(values.page !== undefined ? { page: values.page } : {}),
          ...(values['webhook-url'] ? { webhook_endpoints: values['webhook-url'] } : {}),
          generate_secret: values.confidential ?? false,
        },
      });
      const lines = [`client_id\t${app.id}`];
      if (app.client_secret) lines.push(`client_secret\t${app.client_secret}`);
      if (app.page)
        lines.push(`page\t${app.page.url}`, `redirect_uri\t${app.page.redirect_uri ?? app.page.url}`);
      print(app, lines.join('\n'));
      return 0;
    }
    case 'list': {
      const apps = await client.listApplications();
      print(apps, apps.map((app) => `${app.id}\t${app.name}\t${app.page_slug ?? ''}`.trimEnd()).join('\n'));
      return 0;
    }
    case 'delete': {
      const [clientId] = positionals;
      if (!clientId) throw new UsageError('Name the app to delete: peakform app delete CLIENT_ID.');
      await client.deleteApplication({ id: clientId });
      process.stdout.write(`deleted ${clientId}\n`);
      return 0;
    }
    default:
      throw new UsageError(`Unknown app action "${action ?? ''}". Use:\n${APP_USAGE}`);
  }
}

/**
 * `app link`: lists the user's apps and writes peakform.toml for the one named (or the only one),
 * keeping a site directory already configured there.
 */
async function linkCommand(positionals: string[], values: AppValues): Promise<number> {
  const remote = await openRemote(values);
  if (!remote) {
    throw new UsageError(
      'app link lists your apps on a server: sign in with peakform login, or pass --server URL --token T.',
    );
  }
  const apps = await remote.client.listApplications();
  const listing = apps
    .map((app) => `  ${app.id}\t${app.name}${app.page_slug ? `\t/pages/${app.page_slug}/` : ''}`)
    .join('\n');
  const [clientId] = positionals;
  const chosen = clientId ? apps.find((app) => app.id === clientId) : apps.length === 1 ? apps[0] : undefined;
  if (!chosen) {
    if (apps.length === 0)
      throw new UsageError('You have no application yet: peakform app create NAME [--page SLUG].');
    throw new UsageError(
      clientId
        ? `No application ${clientId} of yours. Yours:\n${listing}`
        : `Name the app to link: peakform app link CLIENT_ID. Yours:\n${listing}`,
    );
  }
  const projectDir = resolve(values.project ?? process.cwd());
  const existing = await readProjectConfig(projectDir);
  const directory = values.directory ?? existing?.page?.directory ?? '.';
  const path = await writeProjectConfig(projectDir, {
    app: { name: chosen.name, client_id: chosen.id },
    page: { ...(chosen.page_slug ? { slug: chosen.page_slug } : {}), directory },
  });
  process.stdout.write(
    `${listing}\nlinked ${chosen.name} (${chosen.id}) in ${path}` +
      (chosen.page_slug
        ? `\npeakform page deploy uploads ${directory} to /pages/${chosen.page_slug}/`
        : `\nThe app has no page yet: peakform page deploy SLUG gives it one and uploads ${directory}.`) +
      '\n',
  );
  return 0;
}
