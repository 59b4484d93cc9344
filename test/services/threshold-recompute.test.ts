import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { rankMarkerCandidates } from '../../src/analytics/metabolic-markers.ts';
import { Engine } from '../../src/engine/engine.ts';
import { ThresholdRecompute } from '../../src/services/profile/metabolic-profile-recompute.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/** A run that waits until the test releases it, recording what it was asked. */
function controlledRuns() {
  const calls: { athleteId: string; from: string }[] = [];
  const releases: (() => void)[] = [];
  const started: (() => void)[] = [];
  const run = async (
    athleteId: string,
    from: string,
    progress: { total(n: number): void; source(activities: number): void },
  ) => {
    calls.push({ athleteId, from });
    progress.total(2);
    progress.source(1);
    started.shift()?.();
    await new Promise<void>((resolve) => releases.push(resolve));
    progress.source(3);
  };
  const nextStart = () => new Promise<void>((resolve) => started.push(resolve));
  return { calls, releases, run, nextStart };
}

const settled = async (recompute: ThresholdRecompute, athleteId: string) => {
  for (;;) {
    const s = recompute.status(athleteId);
    if (s.state === 'done' && s.pending_from === null) return s;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('ThresholdRecompute', () => {
  it('coalesces a burst of changes into one run from the earliest date', async () => {
    const runs = controlledRuns();
    const recompute = new ThresholdRecompute(runs.run, 5);
    expect(recompute.status('a').state).toBe('idle');
    const started = runs.nextStart();
    recompute.schedule('a', '2024-03-01');
    recompute.schedule('a', '2024-01-15');
    recompute.schedule('a', '2024-02-01');
    expect(recompute.status('a')).toMatchObject({ state: 'scheduled', pending_from: '2024-01-15' });
    await started;
    expect(recompute.status('a')).toMatchObject({ state: 'running', from: '2024-01-15', done: 1, total: 2 });
    runs.releases.shift()!();
    const done = await settled(recompute, 'a');
    expect(done).toMatchObject({
      state: 'done',
      from: '2024-01-15',
      done: 2,
      total: 2,
      activities: 4,
      runs: 1,
    });
    expect(done.started_at! <= done.finished_at!).toBe(true);
    expect(runs.calls).toEqual([{ athleteId: 'a', from: '2024-01-15' }]);
  });

  it('runs once more after a run for the changes that arrived during it', async () => {
    const runs = controlledRuns();
    const recompute = new ThresholdRecompute(runs.run, 5);
    const first = runs.nextStart();
    recompute.schedule('a', '2024-02-01');
    await first;
    recompute.schedule('a', '2024-05-01');
    recompute.schedule('a', '2024-04-01');
    expect(recompute.status('a')).toMatchObject({ state: 'running', pending_from: '2024-04-01' });
    const second = runs.nextStart();
    runs.releases.shift()!();
    await second;
    runs.releases.shift()!();
    expect(await settled(recompute, 'a')).toMatchObject({ runs: 2, from: '2024-04-01' });
    expect(runs.calls.map((c) => c.from)).toEqual(['2024-02-01', '2024-04-01']);
    // Athletes are independent.
    expect(recompute.status('b').state).toBe('idle');
  });

  it('reports a failed run with its reason, and stops scheduling once closed', async () => {
    const recompute = new ThresholdRecompute(async () => {
      throw new Error('disk on fire');
    }, 1);
    recompute.schedule('a', '2024-01-01');
    for (;;) {
      const s = recompute.status('a');
      if (s.state === 'failed') {
        expect(s.error).toBe('disk on fire');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    recompute.close();
    recompute.schedule('a', '2023-01-01');
    expect(recompute.status('a').state).toBe('failed');
  });
});

describe('rankMarkerCandidates', () => {
  const c = (provenance: 'measured' | 'modeled' | 'declared' | 'external', date: string, pinned = false) => ({
    value: 1,
    provenance,
    date,
    pinned,
    payload: `${provenance}@${date}${pinned ? '!' : ''}`,
  });
  const order = (list: ReturnType<typeof c>[], on: string) =>
    rankMarkerCandidates(list, on).map((x) => x.payload);

  it('puts pinned, then recent tests and declarations, then the model, then older values', () => {
    const list = [
      c('modeled', '2024-06-01'),
      c('measured', '2024-05-01'),
      c('declared', '2023-01-01', true),
      c('declared', '2024-01-01'),
      c('external', '2024-05-01'),
      c('measured', '2024-07-01'),
    ];
    expect(order(list, '2024-06-01')).toEqual([
      'declared@2023-01-01!',
      'measured@2024-05-01',
      'external@2024-05-01',
      'modeled@2024-06-01',
      'declared@2024-01-01',
    ]);
  });

  it('lets the model win once a test is older than 90 days', () => {
    const list = [c('measured', '2024-01-01'), c('modeled', '2024-06-01')];
    expect(order(list, '2024-03-30')[0]).toBe('measured@2024-01-01');
    expect(order(list, '2024-06-01')[0]).toBe('modeled@2024-06-01');
  });
});

describe('a threshold change across a restart', () => {
  it('is re-derived by the next process when the server stopped before the recompute ran', async () => {
    const dataDir = await makeTempDir('peakform-recompute-resume-');
    try {
      let engine = await Engine.open({ dataDir, decodeWorkers: 0 });
      await engine.profile.setThresholds('ann', {
        sport: 'cycling',
        effective_from: '2024-01-01',
        ftp_w: 250,
      });
      await settledEngine(engine, 'ann');
      const source = await engine.sources.ingest(
        'ann',
        csvRide({ startIso: '2024-02-01T07:00:00Z', durationS: 1200 }),
        { fileName: 'ride.csv' },
      );
      const id = source.activity_ids[0]!;
      const before = (await engine.activities.get('ann', id)).analysis!;
      expect(before.thresholds.ftp_w).toBe(250);
      // A new FTP, and the process ends before the coalesced run starts (as a server's shutdown
      // and the CLI do, after the journal write has reached the catalog).
      await engine.profile.setThresholds('ann', {
        sport: 'cycling',
        effective_from: '2024-01-15',
        ftp_w: 300,
      });
      await engine.flush();
      engine.close();

      engine = await Engine.open({ dataDir, decodeWorkers: 0 });
      await settledEngine(engine, 'ann');
      const after = (await engine.activities.get('ann', id)).analysis!;
      expect(after.thresholds.ftp_w).toBe(300);
      expect(after.tss).toBeCloseTo(before.tss! * (250 / 300) ** 2, 6);
      engine.close();
      // Done means done: a third process has nothing to resume.
      engine = await Engine.open({ dataDir, decodeWorkers: 0 });
      expect(engine.metabolicProfile.recomputeStatus('ann').state).toBe('idle');
      engine.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

async function settledEngine(engine: Engine, athleteId: string): Promise<void> {
  for (;;) {
    const { state } = engine.metabolicProfile.recomputeStatus(athleteId);
    if (state !== 'scheduled' && state !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
