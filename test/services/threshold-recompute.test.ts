import { describe, expect, it } from 'vitest';
import { rankMarkerCandidates } from '../../src/analytics/metabolic-markers.ts';
import { ThresholdRecompute } from '../../src/services/profile/metabolic-profile-recompute.ts';

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
