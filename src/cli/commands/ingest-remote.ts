import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SourceRecord } from '../../domain/wire.ts';
import type { ImportJob } from '../../domain/wire-imports.ts';
import type { PeakformClient } from '../../sdk/client.ts';
import { PeakformApiError, PeakformRateLimitError } from '../../sdk/errors.ts';
import type { IngestProgressLine } from '../ingest-progress.ts';

/** Files per import job: the server's limit per upload. */
const FILES_PER_IMPORT = 10;
/** How often a running job is read for its progress. */
const POLL_MS = 250;

export type FileResult = Pick<SourceRecord, 'status' | 'duplicate' | 'activity_ids' | 'error'> &
  Partial<SourceRecord>;

/**
 * `peakform ingest --server`: the files go to the server as import jobs of up to 10 files (the
 * next one uploaded while the current one runs), ingested there through the bulk path; each
 * job's progress (files, samples, rate, ETA) is polled and drawn on the progress line, and each
 * file is reported when its batch has committed. A file the server refuses by itself (over its
 * upload limit) is retried alone through the upload route and reported as failed; a server
 * without import jobs gets every file through the upload route, one request per file. Ctrl-C
 * cancels the running job on the server (its committed batches stay).
 */
export async function ingestRemotely(
  client: PeakformClient,
  files: readonly string[],
  tags: string[] | undefined,
  report: (file: string, source: FileResult) => void,
  line: IngestProgressLine | undefined,
): Promise<void> {
  const chunks: string[][] = [];
  for (let i = 0; i < files.length; i += FILES_PER_IMPORT) chunks.push(files.slice(i, i + FILES_PER_IMPORT));
  const startedMs = performance.now();
  const totals = { files: 0, samples: 0 };
  const draw = (files: number, samples: number) =>
    line?.update({
      files,
      totalFiles: chunksTotal(chunks),
      samples,
      elapsedS: (performance.now() - startedMs) / 1000,
    });
  let importsServed = true;
  const active = new Set<string>();
  const onInterrupt = () => {
    line?.clear();
    process.stderr.write(
      `Cancelling import ${[...active].join(', ')} on the server (committed batches stay)…\n`,
    );
    void Promise.all([...active].map((id) => client.cancelImport({ id }).catch(() => undefined))).finally(
      () => process.exit(130),
    );
  };
  process.once('SIGINT', onInterrupt);
  const submit = async (chunk: string[]): Promise<ImportJob | undefined> => {
    if (!importsServed) return undefined;
    const upload = async () =>
      client.createImport({
        files: await Promise.all(
          chunk.map(async (path) => ({ name: basename(path), bytes: await readFile(path) })),
        ),
        ...(tags ? { tags } : {}),
      });
    for (;;) {
      try {
        const job = await upload();
        active.add(job.id);
        return job;
      } catch (error) {
        if (error instanceof PeakformRateLimitError) {
          // The server's import queue is full: wait as it says, then send the files again.
          await new Promise((resolve) => setTimeout(resolve, (error.retryAfterS ?? 5) * 1000));
          continue;
        }
        if (error instanceof PeakformApiError && error.code === 'ERR_UPLOAD_TOO_LARGE') return undefined;
        if (error instanceof PeakformApiError && error.code === 'ERR_ROUTE_NOT_FOUND') {
          importsServed = false;
          return undefined;
        }
        throw error;
      }
    }
  };
  try {
    let next: Promise<ImportJob | undefined> | undefined = chunks.length > 0 ? submit(chunks[0]!) : undefined;
    for (const [k, chunk] of chunks.entries()) {
      const job = await next!;
      // The next chunk is uploaded while this one runs on the server.
      next = k + 1 < chunks.length ? submit(chunks[k + 1]!) : undefined;
      next?.catch(() => undefined);
      if (!job) {
        for (const path of chunk) {
          const source = await uploadFile(client, path, tags);
          line?.clear();
          report(path, source);
          totals.files++;
          draw(totals.files, totals.samples);
        }
        continue;
      }
      const last = await follow(client, job, (current, newlyDone) => {
        if (newlyDone.length > 0) line?.clear();
        for (const index of newlyDone) report(chunk[index]!, resultOf(current, index));
        draw(totals.files + current.files_done, totals.samples + current.samples);
      });
      active.delete(job.id);
      totals.files += chunk.length;
      totals.samples += last.samples;
      if (last.state !== 'succeeded') {
        throw new Error(
          `Import ${last.id} on the server ended ${last.state}${last.error ? `: ${last.error.message}` : ''}.`,
        );
      }
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

function chunksTotal(chunks: readonly string[][]): number {
  return chunks.reduce((n, chunk) => n + chunk.length, 0);
}

/** Polls a job until it ends; `onPoll` hears each state and the indexes of the files done since the last. */
async function follow(
  client: PeakformClient,
  created: ImportJob,
  onPoll: (job: ImportJob, newlyDone: number[]) => void,
): Promise<ImportJob> {
  const reported = new Set<number>();
  let job = created;
  for (;;) {
    const ended = job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
    const newlyDone = job.files
      .filter((f) => (ended || f.state !== 'pending') && !reported.has(f.index))
      .map((f) => f.index);
    for (const index of newlyDone) reported.add(index);
    onPoll(job, newlyDone);
    if (ended) return job;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await client.getImport({ id: created.id });
  }
}

/** A file's result in a job: its source, or, when the job ended before it, a failure saying so. */
function resultOf(job: ImportJob, index: number): FileResult {
  const file = job.files[index]!;
  if (file.source) return file.source;
  return {
    status: 'failed',
    duplicate: false,
    activity_ids: [],
    error: {
      code: job.error?.code ?? job.state,
      message: `Import ${job.id} ended (${job.state}) before this file${job.error ? `: ${job.error.message}` : ''}.`,
    },
  };
}

/**
 * One file uploaded to a server: its source, or, when the server refuses the file itself (larger
 * than its upload limit), a failed result for this file alone, as a local ingest reports a file it
 * cannot read. Other refusals (auth, a full disk) end the command.
 */
export async function uploadFile(
  client: PeakformClient,
  path: string,
  tags: string[] | undefined,
): Promise<FileResult> {
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
