import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_PAGE_BYTES, MAX_PAGE_FILES } from '../../domain/wire-pages.ts';
import { UsageError } from '../cli-error.ts';
import { PROJECT_FILE, readProjectConfig } from '../project-config.ts';
import { openRemote, TARGET_FLAGS } from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const PAGE_USAGE = USAGE.page;

export async function pageCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      server: TARGET_FLAGS.server,
      token: TARGET_FLAGS.token,
      project: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (action !== 'deploy' && action !== 'rollback' && action !== 'show') {
    throw new UsageError(`Unknown page action "${action ?? ''}". Use:\n${PAGE_USAGE}`);
  }
  const projectDir = resolve(values.project ?? process.cwd());
  const project = await readProjectConfig(projectDir);
  const slug = positionals[0] ?? project?.page?.slug;
  if (!slug) {
    throw new UsageError(
      `Name the page: peakform page ${action} SLUG, or link this directory first (peakform app link) so that ${PROJECT_FILE} names it.`,
    );
  }
  const remote = await openRemote(values);
  if (!remote) {
    throw new UsageError(
      'Pages live on a server: sign in with peakform login [--server URL], or pass --server URL --token T.',
    );
  }
  const { client } = remote;
  const print = (value: unknown, line: string) =>
    process.stdout.write(values.json ? `${JSON.stringify(value)}\n` : `${line}\n`);

  if (action === 'show') {
    const page = await client.getPage({ slug });
    print(
      page,
      [
        `url\t${page.url}`,
        `version\t${page.version ?? 'none'}`,
        `previous\t${page.previous_version ?? 'none'}`,
        `files\t${page.files?.length ?? 0} (${formatBytes(page.size_bytes ?? 0)})`,
      ].join('\n'),
    );
    return 0;
  }
  if (action === 'rollback') {
    const page = await client.rollbackPage({ slug });
    print(page, `${page.url}\tversion ${page.version} (was ${page.previous_version})`);
    return 0;
  }

  const directory = positionals[1]
    ? resolve(positionals[1])
    : project?.page?.directory
      ? resolve(projectDir, project.page.directory)
      : undefined;
  if (!directory) {
    throw new UsageError(
      `Name the site's folder: peakform page deploy ${slug} DIR, or set [page] directory in ${PROJECT_FILE}.`,
    );
  }
  const files = await readSite(directory);
  // In a linked directory the page is ensured first (created with its redirect URI when the app
  // has none yet), as the platform's CLI does; elsewhere the page must exist.
  const applicationId = project?.app?.client_id;
  if (applicationId) await client.ensureApplicationPage({ id: applicationId, body: { slug } });
  const page = await client.deployPage({ slug, files });
  print(
    page,
    `deployed ${files.length} files (${formatBytes(page.size_bytes ?? 0)}) as version ${page.version}\n${page.url}` +
      (page.application.is_private
        ? `\nThe application is private until it has a description, URL, image and privacy statement (PUT /api/v1/applications/${page.application.id}).`
        : ''),
  );
  return 0;
}

/**
 * Every file under the site folder with its path relative to it ('/'-separated). Dot files and
 * folders (.git, .env) and symbolic links are left out; the limits are checked here too, so a
 * site too large fails before anything is sent.
 */
async function readSite(directory: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const stats = await lstat(directory).catch(() => undefined);
  if (!stats?.isDirectory()) throw new UsageError(`${directory} is not a folder.`);
  const files: { name: string; bytes: Uint8Array }[] = [];
  let total = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      if (entry.name.startsWith('.') || (prefix === '' && entry.name === PROJECT_FILE)) continue;
      const path = join(dir, entry.name);
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path, name);
      else if (entry.isFile()) {
        const bytes = await readFile(path);
        total += bytes.byteLength;
        if (total > MAX_PAGE_BYTES)
          throw new UsageError(
            `${directory} holds more than 10 MB; a page holds at most ${MAX_PAGE_BYTES} bytes.`,
          );
        files.push({ name, bytes });
        if (files.length > MAX_PAGE_FILES)
          throw new UsageError(
            `${directory} holds more than ${MAX_PAGE_FILES} files; bundle the site's assets.`,
          );
      }
    }
  };
  await walk(directory, '');
  if (files.length === 0) throw new UsageError(`${directory} holds no file to deploy.`);
  return files;
}

function formatBytes(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}
