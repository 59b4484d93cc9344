/**
 * The write side of an ingest alone (issue 11 items 1 and 3): the synthetic athlete's first weeks
 * decoded and derived once in this process, then written with `Store.writeSources` in batches of
 * 16 (as `ingestMany` does) for a new athlete each round, so the CPU counted is originals, Parquet
 * files (samples, extras, curves) and the catalog commit only. Reports CPU per activity and per
 * sample (median of the rounds).
 *
 *   npx tsx bench/lake-write.ts [--weeks 4] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CURVE_GAP_POLICY } from '../src/analytics/gap-policy.ts';
import {
  lakeThresholds,
  planSyntheticActivities,
  syntheticActivityCsv,
} from '../src/demo/synthetic-activities.ts';
import { sha256Hex, sourceIdFor } from '../src/domain/ids.ts';
import { decodeAndDerive } from '../src/services/sources/decode-and-derive.ts';
import { type SourceBatchItem, Store } from '../src/store/store.ts';
import { writeBenchResult } from './report.ts';

const { values } = parseArgs({
  options: { weeks: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' } },
});
const WEEKS = Number(values.weeks);
const ROUNDS = Number(values.rounds);
const plan = planSyntheticActivities({ seed: 20_200_106, years: WEEKS / 52 });
const files = plan.map((a) => ({ fileName: a.fileName, bytes: syntheticActivityCsv(a) }));
const thresholds = lakeThresholds(plan) as Parameters<typeof decodeAndDerive>[0]['thresholds'];

function batchFor(athleteId: string): SourceBatchItem[] {
  return files.map((f) => {
    const contentSha256 = sha256Hex(f.bytes);
    const sourceId = sourceIdFor(athleteId, contentSha256);
    const decoded = decodeAndDerive({
      bytes: f.bytes,
      fileName: f.fileName,
      athleteId,
      sourceId,
      tags: [],
      thresholds,
      curveGapPolicy: DEFAULT_CURVE_GAP_POLICY,
      skipActivityIds: [],
    });
    if (!decoded.ok) throw new Error(`${f.fileName}: ${decoded.message}`);
    const row = {
      id: sourceId,
      athlete_id: athleteId,
      content_sha256: contentSha256,
      file_name: f.fileName,
      size_bytes: f.bytes.length,
      format: decoded.format,
      status: 'processed',
      error_code: null,
      error_message: null,
      issues: JSON.stringify(decoded.issues),
    };
    return {
      source: { athleteId, contentSha256, bytes: f.bytes, row },
      status: 'processed',
      activities: decoded.writes,
      restoreDeleted: false,
    };
  });
}

const dataDir = await mkdtemp(join(tmpdir(), 'peakform-bench-lake-write-'));
const store = await Store.open(dataDir);
const runs: { cpuMsPerActivity: number; cpuUsPerSample: number }[] = [];
let activities = 0;
let samples = 0;
// Round 0 warms up (statements, staging tables) and is not counted.
for (let round = 0; round <= ROUNDS; round++) {
  const items = batchFor(`bench${round}`);
  activities = items.reduce((n, i) => n + i.activities.length, 0);
  samples = items.flatMap((i) => i.activities).reduce((n, a) => n + Number(a.row.sample_count), 0);
  const cpu = process.cpuUsage();
  for (let i = 0; i < items.length; i += 16) await store.writeSources(items.slice(i, i + 16));
  const used = process.cpuUsage(cpu);
  const us = used.user + used.system;
  if (round === 0) continue;
  runs.push({ cpuMsPerActivity: us / 1000 / activities, cpuUsPerSample: us / samples });
  process.stderr.write(
    `round ${round}: ${(us / 1000 / activities).toFixed(1)} ms CPU per activity, ${(us / samples).toFixed(2)} µs per sample\n`,
  );
}
store.close();
await rm(dataDir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const result = {
  activities,
  samples,
  cpuMsPerActivity: Number(median(runs.map((r) => r.cpuMsPerActivity)).toFixed(1)),
  cpuUsPerSample: Number(median(runs.map((r) => r.cpuUsPerSample)).toFixed(2)),
};
console.table([result]);
console.log(
  `written to ${writeBenchResult('lake-write', { weeks: WEEKS, rounds: ROUNDS, ...result, runs })}`,
);
