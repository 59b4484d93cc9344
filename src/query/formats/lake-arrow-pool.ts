import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LakeArrowRequest, LakeFileOutput } from './lake-arrow-task.ts';

/** Set in the built CLI (scripts/build.mjs): the folder of its bundles, which hold the worker's. */
declare const __peakformBundle: string | undefined;
const WORKER_URL =
  typeof __peakformBundle === 'string'
    ? new URL('lake-arrow-worker.js', __peakformBundle)
    : new URL('./lake-arrow-worker.mjs', import.meta.url);

interface Job {
  request: LakeArrowRequest;
  resolve: (messages: LakeFileOutput[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/** A job failed because one of its files no longer exists (`path`). */
export class LakeFileMissing extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * Worker threads that read lake samples files into Arrow record-batch messages
 * (`encodeLakeFiles`), so decoding never runs on the thread that serves requests. One pool per
 * process, started on first use; idle workers do not keep the process alive. A worker that dies
 * fails the job it had and is replaced.
 */
export class LakeArrowPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];

  constructor(readonly size: number) {}

  /** What the request's files become (record-batch messages, text, Parquet parts), in their order. */
  encode(request: LakeArrowRequest): Promise<LakeFileOutput[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts every worker now (a server does, so its first Arrow request does not wait for them to load). */
  warm(): void {
    while (this.slots.length < this.size) this.start();
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.start();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage(job.request);
    }
  }

  private start(): Slot {
    const worker = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB },
    });
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (message: { messages?: LakeFileOutput[]; error?: string; missing?: string }) => {
      const job = slot.job;
      slot.job = undefined;
      worker.unref();
      if (job) {
        if (message.messages) job.resolve(message.messages);
        else if (message.missing)
          job.reject(new LakeFileMissing(message.error ?? 'lake file missing', message.missing));
        else job.reject(new Error(message.error ?? 'lake Arrow worker failed'));
      }
      this.dispatch();
    });
    const fail = (error: Error) => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      slot.job?.reject(error);
      slot.job = undefined;
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`lake Arrow worker stopped (exit code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again, and an idle
    // worker must not keep the process alive (a bench or script that warmed the pool hung at exit).
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}

/**
 * A worker's old generation. What a job keeps alive is small (its output is in transferred
 * buffers, outside the heap), but V8 let the garbage of text jobs (number and instant strings)
 * grow each worker's heap past 110 MB: a year of CSV took the process to 700 MB. Bounded at 160
 * MB it peaked at 540 MB for the same CPU (bench/lake-threads.ts); at 64 MB, 480 MB but 20 % more
 * CPU, most of it in V8's marking threads.
 */
const WORKER_OLD_GENERATION_MB = 160;

let shared: LakeArrowPool | undefined;

/** The process's pool: as many workers as cores, at most 4. */
export function lakeArrowPool(): LakeArrowPool {
  shared ??= new LakeArrowPool(Math.max(1, Math.min(4, availableParallelism())));
  return shared;
}
