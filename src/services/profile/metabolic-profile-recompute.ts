import type { RecomputeStatus } from '../../domain/metabolic-profile.ts';

/** Re-derives the athlete's sources with activities on or after `from`, reporting each one done. */
export type RecomputeRun = (
  athleteId: string,
  from: string,
  progress: { total(n: number): void; source(activities: number): void; cancelled(): boolean },
) => Promise<void>;

/** Where scheduled re-derivations are kept across restarts (the catalog's `pending_recomputes`). */
export interface RecomputeJournal {
  save(athleteId: string, from: string): Promise<void>;
  done(athleteId: string, from: string): Promise<void>;
}

interface AthleteState {
  status: RecomputeStatus;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
}

const IDLE: RecomputeStatus = {
  state: 'idle',
  from: null,
  done: 0,
  total: 0,
  activities: 0,
  started_at: null,
  finished_at: null,
  error: null,
  pending_from: null,
  runs: 0,
};

/**
 * Background re-derivation after a threshold change (a declared marker, a test, a body-mass
 * daily, PUT /profile/thresholds): stored metrics of the athlete's activities from the change's
 * effective date on are recomputed under the new thresholds, each source through the engine's
 * serialized write queue (so ingests and deletes interleave safely). Changes that arrive within
 * `coalesceMs` of each other, or while a run is going, are coalesced: one run from the earliest
 * date. Progress per athlete is kept in memory and answered by the API; what is still to do is
 * kept in the journal, so a restart resumes it (`Engine.open`).
 */
export class ThresholdRecompute {
  private readonly athletes = new Map<string, AthleteState>();
  private closed = false;
  /** Journal writes in flight; `flush` waits for them, so the catalog holds them before it closes. */
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private readonly run: RecomputeRun,
    private readonly coalesceMs = 200,
    private readonly journal?: RecomputeJournal,
  ) {}

  /** Asks for a re-derivation of the athlete's activities from `from` (a local date) on. */
  schedule(athleteId: string, from: string): void {
    if (this.closed) return;
    const athlete = this.stateOf(athleteId);
    const s = athlete.status;
    s.pending_from = s.pending_from && s.pending_from < from ? s.pending_from : from;
    // Only the resume after a crash depends on this write; the run below happens either way.
    const write = this.journal?.save(athleteId, from);
    if (write) {
      const settled: Promise<void> = write.catch(() => undefined).finally(() => this.writing.delete(settled));
      this.writing.add(settled);
    }
    if (athlete.running) return; // picked up when the run ends
    s.state = 'scheduled';
    this.arm(athleteId, athlete);
  }

  status(athleteId: string): RecomputeStatus {
    return { ...(this.athletes.get(athleteId)?.status ?? IDLE) };
  }

  /**
   * Resolves when every journal write scheduled so far has finished: a process that ends right
   * after a change (the CLI on a local data dir) calls it before closing the catalog, which the
   * write would otherwise outlive.
   */
  async flush(): Promise<void> {
    await Promise.all([...this.writing]);
  }

  /** Stops scheduling; a run in progress stops before its next source. */
  close(): void {
    this.closed = true;
    for (const athlete of this.athletes.values()) if (athlete.timer) clearTimeout(athlete.timer);
  }

  private stateOf(athleteId: string): AthleteState {
    let athlete = this.athletes.get(athleteId);
    if (!athlete) {
      athlete = { status: { ...IDLE }, timer: null, running: null };
      this.athletes.set(athleteId, athlete);
    }
    return athlete;
  }

  private arm(athleteId: string, athlete: AthleteState): void {
    if (athlete.timer) clearTimeout(athlete.timer);
    athlete.timer = setTimeout(() => {
      athlete.timer = null;
      athlete.running = this.runOnce(athleteId, athlete).finally(() => {
        athlete.running = null;
        if (athlete.status.pending_from && !this.closed) {
          athlete.status.state = 'scheduled';
          this.arm(athleteId, athlete);
        }
      });
    }, this.coalesceMs);
    athlete.timer.unref?.();
  }

  private async runOnce(athleteId: string, athlete: AthleteState): Promise<void> {
    const s = athlete.status;
    const from = s.pending_from!;
    Object.assign(s, {
      state: 'running',
      from,
      pending_from: null,
      done: 0,
      total: 0,
      activities: 0,
      started_at: new Date().toISOString(),
      finished_at: null,
      error: null,
    });
    try {
      await this.run(athleteId, from, {
        total: (n) => {
          s.total = n;
        },
        source: (activities) => {
          s.done++;
          s.activities += activities;
        },
        cancelled: () => this.closed,
      });
      s.state = this.closed ? 'failed' : 'done';
      if (this.closed) s.error = 'The server stopped before the recompute finished.';
      else await this.journal?.done(athleteId, from);
    } catch (error) {
      s.state = 'failed';
      s.error = error instanceof Error ? error.message : String(error);
    } finally {
      s.finished_at = new Date().toISOString();
      s.runs++;
    }
  }
}
