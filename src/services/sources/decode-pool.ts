import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DecodeRequest, DecodeResult } from './decode-and-derive.ts';

export interface DecodePoolOptions {
  /** Worker threads (default: the cores, at most 4). */
  size?: number;
  /** The longest a file may take to decode and derive (default 120 s); then its worker is replaced. */
  timeoutMs?: number;
  /** Heap of one worker (default 2 GiB); a file that needs more fails alone, its worker is replaced. */
  maxHeapMb?: number;
}

interface Task {
  request: DecodeRequest;
  resolve: (result: DecodeResult) => void;
  /** For a task the pool drops when it closes: no result, so no source is recorded as failed. */
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  task: Task | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Whether the task went to the worker (it waits for the worker to be ready). */
  sent: boolean;
}

/** Set in the built CLI (scripts/build.mjs): the folder of its bundles, which hold the worker's. */
declare const __peakformBundle: string | undefined;
const WORKER_URL =
  typeof __peakformBundle === 'string'
    ? new URL('decode-worker.js', __peakformBundle)
    : new URL('./decode-worker.mjs', import.meta.url);

/**
 * Decodes and derives files in worker threads, so the event loop that serves requests never runs
 * the CPU-heavy part of an ingest. Each file is bounded in time and memory: past either, its
 * worker is terminated and replaced, and the file is reported as a failed source. Idle workers do
 * not keep a process alive.
 */
export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private closed = false;
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;

  constructor(options: DecodePoolOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(4, availableParallelism()));
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.maxHeapMb = options.maxHeapMb ?? 2048;
  }

  run(request: DecodeRequest): Promise<DecodeResult> {
    if (this.closed) return Promise.reject(new Error('the decode pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts every worker now (a server does, so the first upload does not wait for one to load). */
  warm(): void {
    while (!this.closed && this.slots.length < this.size) this.spawn();
  }

  /**
   * Stops the workers: each ends itself once it is not writing lake files (decode-worker.mjs), so
   * a task already running finishes; queued tasks are dropped (their promises reject). A worker
   * must not be stopped from outside while it writes: DuckDB's threads call into its JavaScript
   * then (the typed_columns scan), and stopping it aborted the whole process.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0))
      task.reject(new Error('the decode pool closed before this file was processed'));
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            slot.worker.once('exit', () => resolve());
            // Referenced until it has ended, so that a process closing its engine waits for it.
            slot.worker.ref();
            if (slot.task && !slot.sent) {
              // Assigned but not yet sent (the worker was still loading): dropped like the queue.
              slot.task.reject(new Error('the decode pool closed before this file was processed'));
              slot.task = undefined;
            }
            slot.worker.postMessage({ close: true });
          }),
      ),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      this.start(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    let markReady!: () => void;
    const slot: Slot = {
      worker,
      ready: new Promise((r) => (markReady = r)),
      task: undefined,
      timer: undefined,
      sent: false,
    };
    worker.on('message', (message: DecodeResult | { ready: true } | { writing: true }) => {
      if ('ready' in message) return markReady();
      // The file is decoded and derived; what is left is writing its files, bounded by their size
      // (the time limit is for runaway decoding, and stopping a worker mid-write aborts the process).
      if ('writing' in message) return clearTimeout(slot.timer);
      this.finish(slot, message);
    });
    // A worker that dies (out of memory, a crash) fails only the file it was working on.
    worker.on('error', () =>
      this.replace(slot, resourceFailure('needed more memory than one file may take')),
    );
    worker.on('exit', () => this.replace(slot, resourceFailure('stopped its worker')));
    // After the listeners, which ref the worker's port again: an idle worker does not keep the
    // process alive.
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, task: Task): void {
    slot.task = task;
    // A busy worker keeps the process alive until its file is done (the CLI awaits it).
    slot.worker.ref();
    slot.timer = setTimeout(
      () => this.replace(slot, resourceFailure(`took longer than ${Math.round(this.timeoutMs / 1000)} s`)),
      this.timeoutMs,
    );
    slot.sent = false;
    void slot.ready.then(() => {
      if (slot.task !== task || this.closed) return;
      slot.sent = true;
      slot.worker.postMessage(task.request);
    });
  }

  private finish(slot: Slot, result: DecodeResult): void {
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    // A closing pool keeps its workers referenced until they have ended (see `close`).
    if (!this.closed) slot.worker.unref();
    task?.resolve(result);
    if (!this.closed) this.dispatch();
  }

  /** Ends a worker that failed or ran too long, answers its task, and lets a new worker take its place. */
  private replace(slot: Slot, result: DecodeResult): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    clearTimeout(slot.timer);
    void slot.worker.terminate();
    slot.task?.resolve(result);
    slot.task = undefined;
    if (!this.closed) this.dispatch();
  }
}

function resourceFailure(what: string): DecodeResult {
  return {
    ok: false,
    code: 'ERR_INGEST_RESOURCES',
    message: `Processing this file ${what}; it is far larger or more complex than an activity file should be.`,
  };
}
