import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityListQuery } from '../../src/domain/wire.ts';
import { Engine } from '../../src/engine/engine.ts';
import { compileActivityList } from '../../src/query/activity-sql.ts';
import { type ActivityRow, toActivityRecord } from '../../src/services/activities/activity-wire.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

/**
 * The activity list and lookups by id answer from an in-memory catalog view per athlete. These
 * tests read (building the view), write through every path that changes activities, then read
 * again: the view must never answer what the catalog no longer holds.
 */
const ATHLETE = 'ann';
const list = (engine: Engine, query: Partial<ActivityListQuery> = {}) =>
  engine.activities.list(ATHLETE, { limit: 50, offset: 0, ...query });
const ids = async (engine: Engine, query: Partial<ActivityListQuery> = {}) =>
  (await list(engine, query)).map((a) => a.id);

async function settled(engine: Engine): Promise<void> {
  for (;;) {
    const { state } = engine.metabolicProfile.recomputeStatus(ATHLETE);
    if (state !== 'scheduled' && state !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the activity catalog view', () => {
  let dataDir: string;
  let engine: Engine;
  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-catalog-view-');
    engine = await Engine.open({ dataDir, decodeWorkers: 0 });
  });
  afterAll(async () => {
    engine.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('sees every write: single and bulk ingest, delete, re-upload, threshold recompute, user data', async () => {
    expect(await ids(engine)).toEqual([]);
    const first = await engine.sources.ingest(
      ATHLETE,
      csvRide({ startIso: '2024-02-01T07:00:00Z', durationS: 600 }),
      { fileName: 'a.csv', tags: ['race'] },
    );
    const a = first.activity_ids[0]!;
    expect(await ids(engine)).toEqual([a]);
    expect((await engine.activities.getRow(ATHLETE, a)).id).toBe(a);

    const bulk = await engine.sources.ingestMany(
      ATHLETE,
      [
        { startIso: '2024-02-03T07:00:00Z', sport: 'cycling.road' },
        { startIso: '2024-02-05T07:00:00Z', sport: 'running' },
      ].map((r, i) => {
        const bytes = csvRide({ ...r, durationS: 600 });
        return { fileName: `bulk-${i}.csv`, read: async () => bytes };
      }),
    );
    const [b, c] = bulk.map((s) => s.activity_ids[0]!);
    expect(await ids(engine)).toEqual([c, b, a]);

    await engine.activities.delete(ATHLETE, b!);
    expect(await ids(engine)).toEqual([c, a]);
    await expect(engine.activities.getRow(ATHLETE, b!)).rejects.toMatchObject({
      code: 'ERR_ACTIVITY_NOT_FOUND',
    });
    await expect(engine.activities.data(ATHLETE, b!)).rejects.toMatchObject({
      code: 'ERR_ACTIVITY_NOT_FOUND',
    });
    // The same bytes again restore the deleted activity.
    await engine.sources.ingest(
      ATHLETE,
      csvRide({ startIso: '2024-02-03T07:00:00Z', durationS: 600, sport: 'cycling.road' }),
      {
        fileName: 'bulk-0.csv',
      },
    );
    expect(await ids(engine)).toEqual([c, b, a]);

    // A new FTP re-derives the rides from its date on: the listed analysis follows.
    const ftpOf = async (id: string) =>
      (await list(engine)).find((r) => r.id === id)!.analysis!.thresholds.ftp_w;
    expect(await ftpOf(a)).toBeUndefined();
    await engine.profile.setThresholds(ATHLETE, {
      sport: 'cycling',
      effective_from: '2024-01-01',
      ftp_w: 280,
    });
    await settled(engine);
    await engine.flush();
    expect(await ftpOf(a)).toBe(280);
    expect((await engine.activities.getRow(ATHLETE, a)).summary).toContain('"ftp_w":280');
  });

  it('answers every filter and page exactly as the catalog query does', async () => {
    const queries: Partial<ActivityListQuery>[] = [
      {},
      { limit: 1 },
      { limit: 2, offset: 1 },
      { offset: 5 },
      { sport: ['cycling'] },
      { sport: ['cycling.road'] },
      { sport: ['cycling.track'] },
      { sport: ['running', 'cycling.road'] },
      { sport: ['cycling+stationary'] },
      { start: '2024-02-03' },
      { end: '2024-02-03' },
      { start: '2024-02-02', end: '2024-02-04' },
      { tags: ['race'] },
      { tags: ['race', 'other'] },
      { sport: ['cycling'], start: '2024-02-01', limit: 1, offset: 1 },
    ];
    for (const query of queries) {
      const full = { limit: 50, offset: 0, ...query };
      const rows = await engine.store.select<ActivityRow>(compileActivityList(ATHLETE, full));
      expect(await list(engine, query), JSON.stringify(query)).toEqual(rows.map(toActivityRecord));
    }
  });

  it('hands out copies: changing a listed record does not change the next list', async () => {
    const [record] = await list(engine);
    record!.app_metadata = { changed: true };
    expect((await list(engine))[0]!.app_metadata).toBeNull();
  });
});
