import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceRecord } from '../../domain/wire.ts';
import { listFiles } from '../../engine/engine.ts';
import type { PeakformClient } from '../../sdk/client.ts';
import { PeakformApiError } from '../../sdk/errors.ts';
import { openAdminSession } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { ProgressBar } from '../progress-bar.ts';
import { actingAs, openRemote, TARGET_FLAGS } from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const INGEST_USAGE = USAGE.ingest;

const ACTIVITY_EXTENSIONS = /\.(fit|tcx|gpx|csv)$/i;

export async function ingestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_FLAGS,
      athlete: { type: 'string' },
      tag: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  const remote = await openRemote(values);
  if (!remote && !values.athlete)
    throw new UsageError('--athlete is required with a local data dir: the athlete the files belong to.');
  if (positionals.length === 0) throw new UsageError('Name at least one file or folder to ingest.');
  const files = await collectFiles(positionals);
  if (files.length === 0)
    throw new UsageError(`No .fit, .tcx, .gpx or .csv files under ${positionals.join(', ')}.`);

  // On a remote server each file is uploaded; locally through a running server's admin socket when
  // there is one (files named by absolute path, read by the server: same machine, same user), else
  // in this process. One request per file, so each result prints as it comes.
  const client = remote && (await actingAs(remote, values.athlete)).client;
  const session = client
    ? {
        run: (request: { path: string; fileName: string; tags: string[] | undefined }) =>
          uploadFile(client, request.path, request.tags),
        close: () => {},
      }
    : await openAdminSession(values.data);
  const progress =
    !values.json && process.stderr.isTTY ? new ProgressBar(files.length, process.stderr) : undefined;
  let failed = 0;
  const counts = { processed: 0, duplicate: 0, failed: 0, activities: 0 };
  try {
    for (const file of files) {
      const source = await session.run({
        op: 'sources.ingest',
        athleteId: values.athlete!,
        path: resolve(file),
        fileName: file,
        tags: values.tag,
      });
      if (source.duplicate) counts.duplicate++;
      else if (source.status === 'failed') counts.failed++;
      else counts.processed++;
      if (source.status === 'processed' && !source.duplicate) counts.activities += source.activity_ids.length;
      if (source.status === 'failed') failed++;
      if (values.json) process.stdout.write(`${JSON.stringify({ file, ...source })}\n`);
      else if (source.status === 'failed') {
        progress?.clear();
        process.stderr.write(`✗ ${file}: ${source.error?.message}\n`);
      }
      progress?.tick(file);
    }
  } finally {
    progress?.clear();
    session.close();
  }
  if (!values.json) {
    process.stdout.write(
      `${counts.processed} file(s) ingested (${counts.activities} activities), ${counts.duplicate} already present, ${counts.failed} failed.\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}

async function collectFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new UsageError(`${path} does not exist.`);
    });
    if (info.isDirectory())
      files.push(...(await listFiles(path)).filter((f) => ACTIVITY_EXTENSIONS.test(f)).sort());
    else files.push(path);
  }
  return files;
}

/**
 * One file uploaded to a server: its source, or, when the server refuses the file itself (larger
 * than its upload limit), a failed result for this file alone, as a local ingest reports a file it
 * cannot read. Other refusals (auth, a full disk) end the command.
 */
async function uploadFile(
  client: PeakformClient,
  path: string,
  tags: string[] | undefined,
): Promise<Pick<SourceRecord, 'status' | 'duplicate' | 'activity_ids' | 'error'>> {
  const bytes = await readFile(path);
  try {
    const { sources } = await client.uploadActivities({
      files: [{ name: basename(path), bytes }],
      ...(tags ? { tags } : {}),
    });
    return sources[0]!;
  } catch (error) {
    if (error instanceof PeakformApiError && error.code === 'ERR_UPLOAD_TOO_LARGE') {
      return {
        status: 'failed',
        duplicate: false,
        activity_ids: [],
        error: { code: error.code, message: error.detail },
      };
    }
    throw error;
  }
}
