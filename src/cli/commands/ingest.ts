import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceRecord } from '../../domain/wire.ts';
import { listFiles } from '../../engine/engine.ts';
import { openAdminSession } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { IngestProgressLine } from '../ingest-progress.ts';
import { actingAs, openRemote, TARGET_FLAGS } from '../remote/session.ts';
import { USAGE } from '../usage.ts';
import { ingestRemotely } from './ingest-remote.ts';

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
      process.stderr.write(`✗ ${file}: ${source.error?.message}\n`);
    }
  };

  // On a remote server the files go as import jobs of up to 10 files each, run there through the
  // bulk path, with their progress polled (see ingestRemotely). Locally (through a running server's admin socket when there is one: files named by
  // absolute path, read by the server, same machine and user; else in this process) the files go
  // through the bulk path, decoded in parallel and committed in batches.
  const client = remote && (await actingAs(remote, values.athlete)).client;
  if (client) {
    const line = values.json ? undefined : new IngestProgressLine(process.stderr);
    try {
      await ingestRemotely(client, files, values.tag, report, line);
    } finally {
      line?.clear();
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
