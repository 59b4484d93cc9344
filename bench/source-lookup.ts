/**
 * An upload's source lookup (issue 11): a catalog of synthetic rows (`--activities` sources with
 * one activity each, over 1,000 athletes), then CPU per lookup of one source with its activity
 * ids, the way `IngestService.find` does it now (by key: the source by id, its activities through
 * the activities_source index) next to the previous single query, whose join scanned every
 * activity; and the same for a bulk batch of 16 sources (`IN` lists of parameters, next to the
 * previous join with `list_contains` over one list parameter). Answers are compared first.
 *
 *   npx tsx bench/source-lookup.ts [--activities 1000000] [--lookups 20]
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { compileActivityIdsOfSources, compileSourcesByIds } from '../src/query/catalog-sql.ts';
import { Store } from '../src/store/store.ts';
import { writeBenchResult } from './report.ts';

const { values: args } = parseArgs({
  options: { activities: { type: 'string', default: '1000000' }, lookups: { type: 'string', default: '20' } },
});
const N = Number(args.activities);
const dataDir = await mkdtemp(join(tmpdir(), 'peakform-bench-lookup-'));
const store = await Store.open(dataDir);
const md5 = (i: number) => createHash('md5').update(String(i)).digest('hex');
await store.write((tx) =>
  tx.run(`INSERT INTO sources (id, athlete_id, content_sha256, size_bytes, status)
  SELECT 'src_' || md5(i::VARCHAR), 'ath' || (i % 1000), md5(i::VARCHAR), 100, 'processed' FROM range(${N}) t(i)`),
);
await store.write((tx) =>
  tx.run(`INSERT INTO activities (id, athlete_id, source_id, session_index, sport, start_utc, end_utc,
    start_local, end_local, local_date, elapsed_s, sample_count, metrics, extra_fields, tags, samples_path, gap_policy,
    summary, issues)
  SELECT 'act_' || md5(i::VARCHAR), 'ath' || (i % 1000), 'src_' || md5(i::VARCHAR), 0, 'cycling', now(), now(),
    now()::TIMESTAMP, now()::TIMESTAMP, current_date, 3600, 3600, ['power'], [], [], 'x', 'interp:23', '{}', '[]'
  FROM range(${N}) t(i)`),
);

const i = Math.floor(N / 2);
const sourceId = `src_${md5(i)}`;
const athleteId = `ath${i % 1000}`;
const byKey = async () => {
  const [source] = await store.select<{ athlete_id: string; id: string }>(compileSourcesByIds([sourceId]));
  const activities = await store.select<{ id: string }>(compileActivityIdsOfSources([sourceId]));
  return source?.athlete_id === athleteId ? activities.map((a) => a.id) : null;
};
// A bulk batch: 16 sources of one athlete.
const batchIds = Array.from({ length: 16 }, (_, k) => `src_${md5(i + k * 1000)}`);
const batchByKey = async () => {
  const sources = await store.select<{ athlete_id: string; id: string }>(compileSourcesByIds(batchIds));
  const activities = await store.select<{ source_id: string; id: string }>(
    compileActivityIdsOfSources(batchIds),
  );
  const mine = new Set(sources.filter((s) => s.athlete_id === athleteId).map((s) => s.id));
  return activities
    .filter((a) => mine.has(a.source_id))
    .map((a) => a.id)
    .sort();
};
const batchJoined = async () => {
  const rows = await store.all<{ activity_ids: string[] }>(
    `SELECT s.id, list(a.id ORDER BY a.session_index) FILTER (WHERE a.id IS NOT NULL) AS activity_ids
       FROM sources s LEFT JOIN activities a ON a.source_id = s.id
       WHERE s.athlete_id = $1 AND list_contains(CAST(CAST($2 AS JSON) AS VARCHAR[]), s.id) GROUP BY ALL`,
    [athleteId, JSON.stringify(batchIds)],
  );
  return rows.flatMap((r) => r.activity_ids ?? []).sort();
};
// The query IngestService.find ran before (catalog-sql.ts at 45ff6b2).
const joined = async () => {
  const [row] = await store.all<{ activity_ids: string[] }>(
    `SELECT s.id, list(a.id ORDER BY a.session_index) FILTER (WHERE a.id IS NOT NULL) AS activity_ids
       FROM sources s LEFT JOIN activities a ON a.source_id = s.id
       WHERE s.athlete_id = $1 AND list_contains(CAST(CAST($2 AS JSON) AS VARCHAR[]), s.id) GROUP BY ALL`,
    [athleteId, JSON.stringify([sourceId])],
  );
  return row?.activity_ids ?? null;
};
const [a, b] = [await byKey(), await joined()];
if (JSON.stringify(a) !== JSON.stringify(b) || !a?.length) throw new Error(`answers differ: ${a} / ${b}`);
const [c, d] = [await batchByKey(), await batchJoined()];
if (JSON.stringify(c) !== JSON.stringify(d) || c.length !== 16)
  throw new Error(`batch answers differ: ${c} / ${d}`);

const cpuMs: Record<string, number> = {};
const bench = new Bench({ iterations: 1, time: 0, warmup: false });
for (const [name, lookup] of Object.entries({
  'by key': byKey,
  'joined (before)': joined,
  'batch of 16 by key': batchByKey,
  'batch of 16 joined (before)': batchJoined,
})) {
  bench.add(
    name,
    async () => {
      for (let k = 0; k < 5; k++) await lookup();
      const start = process.cpuUsage();
      for (let k = 0; k < Number(args.lookups); k++) await lookup();
      const used = process.cpuUsage(start);
      cpuMs[name] = (used.user + used.system) / 1000 / Number(args.lookups);
    },
    { async: true },
  );
}
await bench.run();
store.close();
await rm(dataDir, { recursive: true, force: true });
const rows = Object.entries(cpuMs).map(([path, ms]) => ({
  path,
  activities: N,
  cpuMsPerLookup: Number(ms.toFixed(2)),
}));
console.table(rows);
console.log(`written to ${writeBenchResult('source-lookup', { rows })}`);
