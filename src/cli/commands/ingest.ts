import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceRecord } from '../../domain/wire.ts';
import { listFiles } from '../../engine/engine.ts';
import type { PeakformClient } from '../../sdk/client.ts';
import { PeakformApiError } from '../../sdk/errors.ts';
import { openAdminSession } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { IngestProgressLine } from '../ingest-progress.ts';
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

  const progress =
    remote && !values.json && process.stderr.isTTY
      ? new ProgressBar(files.length, process.stderr)
      : undefined;
  let failed = 0;
  const counts = { processed: 0, duplicate: 0, failed: 0, activities: 0 };
  const report = (
    file: string,
    source: Pick<SourceRecord, 'status' | 'duplicate' | 'activity_ids' | 'error'>,
  ) => {
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
  };

  // On a remote server each file is uploaded, one request per file so each result prints as it
  // comes. Locally (through a running server's admin socket when there is one: files named by
  // absolute path, read by the server, same machine and user; else in this process) the files go
  // through the bulk path, decoded in parallel and committed in batches.
  const client = remote && (await actingAs(remote, values.athlete)).client;
  if (client) {
    try {
      for (const file of files) {
        report(file, await uploadFile(client, file, values.tag));
        progress?.tick(file);
      }
    } finally {
      progress?.clear();
    }
  } else {
    await ingestInBulk(values.athlete!, files, values.data, values.tag, values.json, report);
  }
  if (!values.json) {
    process.stdout.write(
      `${counts.processed} file(s) ingested (${counts.activities} activities), ${counts.duplicate} already present, ${counts.failed} failed.\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}

/** Files per request on the admin channel: a running server answers each chunk as a whole. */
const FILES_PER_REQUEST = 256;

/** The local path: `sources.ingestMany` in chunks, with progress (files, samples, rate, ETA) on stderr. */
async function ingestInBulk(
  athleteId: string,
  files: string[],
  dataFlag: string | undefined,
  tags: string[] | undefined,
  json: boolean,
  report: (file: string, source: SourceRecord) => void,
): Promise<void> {
  const session = await openAdminSession(dataFlag);
  const line = json ? undefined : new IngestProgressLine(process.stderr);
  const startedMs = performance.now();
  const totals = { files: 0, samples: 0 };
  try {
    for (let first = 0; first < files.length; first += FILES_PER_REQUEST) {
      const chunk = files.slice(first, first + FILES_PER_REQUEST);
      const samplesBefore = totals.samples;
      let reported = 0;
      const sources = await session.run(
        {
          op: 'sources.ingestMany',
          athleteId,
          files: chunk.map((file) => ({ path: resolve(file), fileName: file })),
          tags,
        },
        {
          // In process, each batch prints as it commits; through a server, the chunk at its end.
          ingestBatch: (batch, firstIndex, progress) => {
            line?.clear();
            for (const [i, source] of batch.entries()) report(chunk[firstIndex + i]!, source);
            reported = firstIndex + batch.length;
            totals.samples = samplesBefore + progress.samples;
            line?.update({
              files: first + reported,
              totalFiles: files.length,
              samples: totals.samples,
              elapsedS: (performance.now() - startedMs) / 1000,
            });
          },
        },
      );
      line?.clear();
      for (let i = reported; i < sources.length; i++) report(chunk[i]!, sources[i]!);
      totals.files = first + chunk.length;
      line?.update({
        files: totals.files,
        totalFiles: files.length,
        samples: totals.samples,
        elapsedS: (performance.now() - startedMs) / 1000,
      });
    }
  } finally {
    line?.clear();
    session.close();
  }
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
