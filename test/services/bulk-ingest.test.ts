import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SourceRecord } from '../../src/domain/wire.ts';
import { Engine } from '../../src/engine/engine.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');

/** Catalog tables an ingest writes, and the columns that differ between two runs by nature. */
const TABLES = ['sources', 'activities', 'laps', 'activity_metrics', 'activity_zones', 'curve_points'];
const VOLATILE = /(_path|_at)$/;

interface Side {
  dataDir: string;
  engine: Engine;
}

/**
 * Issue 11 item 1: `ingestMany` (the bulk path of `peakform ingest <folder>`) against ingesting
 * the same files one by one: the same results, catalog rows, lake files and webhook events.
 */
describe('bulk ingest', () => {
  let files: { fileName: string; bytes: Uint8Array }[];
  let single: Side;
  let bulk: Side;

  async function open(prefix: string, decodeWorkers: number | undefined): Promise<Side> {
    const dataDir = await makeTempDir(prefix);
    const engine = await Engine.open({ dataDir, ...(decodeWorkers === undefined ? {} : { decodeWorkers }) });
    // An app that Ann authorized, with an endpoint, so that every change writes outbox rows.
    const { application } = await engine.identity.applications.create(null, { name: 'Coach app' });
    await engine.webhooks.addEndpoint(null, application.id, { url: 'https://example.com/hook' });
    await engine.tokens.create('ann', { clientId: application.id });
    await engine.profile.setThresholds('ann', { sport: 'cycling', effective_from: '2020-01-01', ftp_w: 260 });
    return { dataDir, engine };
  }

  beforeAll(async () => {
    const names = (await readdir(FIXTURES)).filter((f) => /\.(fit|tcx|gpx|csv)$/.test(f)).sort();
    files = [];
    for (const name of names)
      files.push({ fileName: name, bytes: new Uint8Array(await readFile(join(FIXTURES, name))) });
    const short = files.find((f) => f.fileName === 'ride-short.fit')!;
    const corrupt = new TextEncoder().encode('this is not an activity file');
    files.splice(2, 0, { fileName: 'corrupt.fit', bytes: corrupt });
    // The same bytes again, in the same batch and in a later one; a corrupt file twice.
    files.push({ fileName: 'again.fit', bytes: short.bytes });
    files.splice(4, 0, { fileName: 'copy.fit', bytes: short.bytes });
    files.push({ fileName: 'corrupt-again.fit', bytes: corrupt });
    for (let i = 0; i < 5; i++) {
      files.push({
        fileName: `ride-${i}.csv`,
        bytes: csvRide({ startIso: `2024-03-0${i + 1}T07:00:00Z`, durationS: 1800 + 300 * i }),
      });
    }
    single = await open('peakform-single-', 0);
    // The bulk side decodes in worker threads, as the CLI does.
    bulk = await open('peakform-bulk-', undefined);
  });

  afterAll(async () => {
    for (const side of [single, bulk]) {
      side?.engine.close();
      if (side) await rm(side.dataDir, { recursive: true, force: true });
    }
  });

  const ingestOneByOne = async (engine: Engine) => {
    const results: SourceRecord[] = [];
    for (const f of files)
      results.push(await engine.sources.ingest('ann', f.bytes, { fileName: f.fileName, tags: ['x'] }));
    return results;
  };
  const ingestInBulk = (engine: Engine) =>
    engine.sources.ingestMany(
      'ann',
      files.map((f) => ({ fileName: f.fileName, read: async () => f.bytes })),
      { tags: ['x'], batchFiles: 3 },
    );

  it('gives the same results, catalog rows, lake files and webhook events as ingesting one by one', async () => {
    const expected = await ingestOneByOne(single.engine);
    const batches: number[] = [];
    const actual = await bulk.engine.sources.ingestMany(
      'ann',
      files.map((f) => ({ fileName: f.fileName, read: async () => f.bytes })),
      { tags: ['x'], batchFiles: 3, onBatch: (results, first) => batches.push(first, results.length) },
    );
    expect(batches).toEqual(files.flatMap((_, i) => (i % 3 === 0 ? [i, Math.min(3, files.length - i)] : [])));
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    // What the run holds: a multi-activity file, failures and duplicates.
    expect(actual.some((r) => r.activity_ids.length > 1)).toBe(true);
    expect(actual.filter((r) => r.status === 'failed')).toHaveLength(2);
    expect(actual.filter((r) => r.duplicate)).toHaveLength(2);
    await expectSameState();
  });

  it('changes nothing when the same files come again, and restores deleted activities as an upload does', async () => {
    const eventsBefore = (await events(bulk.engine)).length;
    const again = await ingestInBulk(bulk.engine);
    expect(again.filter((r) => r.status === 'processed').every((r) => r.duplicate)).toBe(true);
    expect((await events(bulk.engine)).length).toBe(eventsBefore);

    const deleted = again.find((r) => r.activity_ids.length > 1)!.activity_ids[1]!;
    for (const side of [single, bulk]) await side.engine.activities.delete('ann', deleted);
    const expected = await ingestOneByOne(single.engine);
    const actual = await ingestInBulk(bulk.engine);
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    expect(actual.flatMap((r) => r.activity_ids)).toContain(deleted);
    await expectSameState();
    for (const side of [single, bulk]) expect(await side.engine.checkConsistency()).toEqual([]);
  });

  it('ends a batch early at the file that reaches its byte budget', async () => {
    const rides = [1, 2, 3].map((day) => csvRide({ startIso: `2024-05-0${day}T07:00:00Z`, durationS: 600 }));
    const firsts = async (athleteId: string, batchBytes: number) => {
      const seen: number[] = [];
      const results = await bulk.engine.sources.ingestMany(
        athleteId,
        rides.map((bytes, i) => ({ fileName: `r${i}.csv`, read: async () => bytes })),
        { batchBytes, onBatch: (_, first) => seen.push(first) },
      );
      expect(results.map((r) => r.status)).toEqual(['processed', 'processed', 'processed']);
      return seen;
    };
    expect(await firsts('dee', 1)).toEqual([0, 1, 2]);
    expect(await firsts('eve', rides[0]!.length + 1)).toEqual([0, 2]);
  });

  it('derives every file under the thresholds in force when it commits, when they change mid-run', async () => {
    const { engine } = bulk;
    const rides = [1, 2, 3, 4].map((day) => ({
      fileName: `cy-${day}.csv`,
      read: async () => csvRide({ startIso: `2024-04-0${day}T07:00:00Z`, durationS: 1200 }),
    }));
    await engine.profile.setThresholds('cy', { sport: 'cycling', effective_from: '2020-01-01', ftp_w: 250 });
    // The recompute that the change schedules runs first, so it cannot re-derive the files below.
    for (;;) {
      const { state } = engine.metabolicProfile.recomputeStatus('cy');
      if (state !== 'scheduled' && state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The thresholds change once the first file has committed, while the second is decoded ahead
    // (as a change whose recompute ran before the rest of the run committed): seen directly, no
    // recompute involved.
    let ftpW = 250;
    const read = engine.profile.ingestThresholds.bind(engine.profile);
    const spy = vi
      .spyOn(engine.profile, 'ingestThresholds')
      .mockImplementation(async (athleteId) => (await read(athleteId)).map((t) => ({ ...t, ftp_w: ftpW })));
    try {
      const results = await engine.sources.ingestMany('cy', rides, {
        batchFiles: 1,
        onBatch: () => {
          ftpW = 300;
        },
      });
      const ftps = [];
      for (const source of results) {
        ftps.push((await engine.activities.get('cy', source.activity_ids[0]!)).analysis!.thresholds.ftp_w);
      }
      expect(ftps).toEqual([250, 300, 300, 300]);
      // The files the workers wrote under the old thresholds are gone, not left for the next start.
      expect(await engine.checkConsistency()).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('writes lake files in its workers ahead of the commit, and leaves none behind when cancelled', async () => {
    const { engine, dataDir } = bulk;
    const rides = [1, 2, 3].map((day) => ({
      fileName: `fay-${day}.csv`,
      read: async () => csvRide({ startIso: `2024-06-0${day}T07:00:00Z`, durationS: 900 }),
    }));
    // Counted synchronously: the cancelled batch's files are removed as soon as the check returns.
    const samplesFiles = () =>
      readdirSync(join(dataDir, 'lake', 'samples', 'athlete_id=fay'), { recursive: true }).filter((f) =>
        String(f).endsWith('.parquet'),
      ).length;
    let checks = 0;
    let filesAtCancel = -1;
    const results = await engine.sources.ingestMany('fay', rides, {
      batchFiles: 1,
      // Asked before each batch commits: the second time, the second batch has been decoded.
      cancelled: () => {
        if (++checks < 2) return false;
        filesAtCancel = samplesFiles();
        return true;
      },
    });
    expect(results).toHaveLength(1);
    // One committed file and one written ahead by a worker for the batch that never committed.
    expect(filesAtCancel).toBe(2);
    expect(samplesFiles()).toBe(1);
    expect(await engine.checkConsistency()).toEqual([]);
  });

  it("writes a single file's lake files in a worker too, and removes them when the commit fails", async () => {
    const { engine, dataDir } = bulk;
    const lakeFiles = () =>
      ['samples', 'curves'].flatMap((kind) => {
        const dir = join(dataDir, 'lake', kind, 'athlete_id=gus');
        return existsSync(dir)
          ? readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.parquet'))
          : [];
      }).length;
    let filesAtCommit = -1;
    const commit = vi.spyOn(engine.store, 'writeSources').mockImplementationOnce(async () => {
      filesAtCommit = lakeFiles();
      throw new Error('disk full');
    });
    const ride = csvRide({ startIso: '2024-07-01T07:00:00Z', durationS: 900 });
    try {
      await expect(engine.sources.ingest('gus', ride, { fileName: 'gus.csv' })).rejects.toThrow('disk full');
    } finally {
      commit.mockRestore();
    }
    // The worker had written the samples and curves files before the commit was tried.
    expect(filesAtCommit).toBe(2);
    expect(lakeFiles()).toBe(0);
    expect(await engine.checkConsistency()).toEqual([]);
    // The same file again lands whole.
    expect((await engine.sources.ingest('gus', ride, { fileName: 'gus.csv' })).status).toBe('processed');
    expect(lakeFiles()).toBe(2);
    expect(await engine.checkConsistency()).toEqual([]);
  });

  async function expectSameState() {
    for (const table of TABLES) {
      const rows = await tableRows(single.engine, table);
      expect(rows.length, table).toBeGreaterThan(0);
      expect(await tableRows(bulk.engine, table), table).toEqual(rows);
    }
    expect((await events(single.engine)).length).toBeGreaterThan(files.length);
    expect(await lakeDigests(bulk)).toEqual(await lakeDigests(single));
    expect(await events(bulk.engine)).toEqual(await events(single.engine));
  }
});

function comparable(record: SourceRecord) {
  const { created_at: _, ...rest } = record;
  return rest;
}

/** A table's rows without volatile columns (paths, timestamps), sorted, as JSON text. */
async function tableRows(engine: Engine, table: string): Promise<string[]> {
  const rows = await engine.store.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
  return rows
    .map((row) =>
      JSON.stringify(
        Object.fromEntries(Object.entries(row).filter(([name]) => !VOLATILE.test(name))),
        (_, v) => (typeof v === 'bigint' ? String(v) : v),
      ),
    )
    .sort();
}

/** Each activity's lake files by kind, as digests of their bytes. */
async function lakeDigests(side: Side): Promise<Record<string, string>> {
  const rows = await side.engine.store.all<Record<string, string | null>>(
    'SELECT id, samples_path, extras_path, curves_path FROM activities ORDER BY id',
  );
  const out: Record<string, string> = {};
  for (const row of rows) {
    for (const kind of ['samples_path', 'extras_path', 'curves_path']) {
      const path = row[kind];
      if (!path) continue;
      const bytes = await readFile(join(side.dataDir, path));
      out[`${row.id} ${kind}`] = createHash('sha256').update(bytes).digest('hex');
    }
  }
  return out;
}

/** The outbox in order: which events, for what, and how many deliveries each. */
async function events(engine: Engine): Promise<string[]> {
  const rows = await engine.store.all<{
    event_type: string;
    resource_id: string | null;
    athlete_id: string;
    n: bigint;
  }>(
    `SELECT e.event_type, e.resource_id, e.athlete_id, count(d.id) AS n
     FROM webhook_events e LEFT JOIN webhook_deliveries d ON d.event_id = e.id
     GROUP BY e.seq, e.event_type, e.resource_id, e.athlete_id ORDER BY e.seq`,
  );
  return rows.map((r) => `${r.athlete_id} ${r.event_type} ${r.resource_id} ${r.n}`);
}
