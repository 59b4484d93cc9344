import { rm } from 'node:fs/promises';
import { Lake } from '../../store/lake.ts';
import { LakeFileWriter, storedPathsOf } from '../../store/lake-file-writer.ts';
import type { ActivityWrite } from '../../store/store.ts';
import { type DecodeRequest, type DecodeResult, decodeAndDerive } from './decode-and-derive.ts';

/**
 * One task in a worker: decode and derive, then write the lake files when asked; never throw.
 * Anything unexpected becomes a failed result with a stable code and a message without a stack
 * trace or a path.
 */
export async function runDecodeTask(
  request: DecodeRequest,
  /** Told before the lake files are written (the pool then stops timing the task: see DecodePool). */
  beforeWriting: () => void = () => {},
): Promise<DecodeResult> {
  let result: DecodeResult;
  try {
    result = decodeAndDerive(request);
  } catch (error) {
    const reason = error instanceof Error ? error.name : 'error';
    return {
      ok: false,
      code: 'ERR_INGEST_DECODE_FAILED',
      message: `The file could not be processed (${reason}). It may be damaged; export it again from the device or service.`,
    };
  }
  if (result.ok && request.writeLakeFiles) {
    beforeWriting();
    result = { ...result, writes: await writeAhead(result.writes, request.writeLakeFiles) };
  }
  return result;
}

/** This thread's lake writer, opened on the first write ahead. */
let lakeWriter: Promise<LakeFileWriter> | undefined;

/**
 * Writes the activities' lake files and hands them back with their paths and without samples.
 * When the files cannot be written here (disk full, a DuckDB error) none are left behind and the
 * activities come back as they were: the store writes them at commit, and fails as a write does.
 */
async function writeAhead(
  writes: ActivityWrite[],
  target: { dataDir: string; generation: string },
): Promise<ActivityWrite[]> {
  const lake = new Lake(target.dataDir);
  const done: ActivityWrite[] = [];
  try {
    // A writer that could not open is tried again by the next task.
    lakeWriter ??= LakeFileWriter.open().catch((error: unknown) => {
      lakeWriter = undefined;
      throw error;
    });
    const writer = await lakeWriter;
    for (const activity of writes) {
      if (!activity.samples) throw new Error(`activity ${activity.id} has no samples to write`);
      const lakeFiles = await writer.writeActivity(
        lake,
        { ...activity, samples: activity.samples },
        target.generation,
      );
      done.push({ ...activity, samples: null, lakeFiles });
    }
    return done;
  } catch {
    await discard(lake, done);
    return writes;
  }
}

async function discard(lake: Lake, written: readonly ActivityWrite[]): Promise<void> {
  await Promise.all(
    written
      .flatMap((a) => (a.lakeFiles ? storedPathsOf(a.lakeFiles) : []))
      .map((p) => rm(lake.fromStored(p), { force: true })),
  );
}
