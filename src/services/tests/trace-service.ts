import { randomBytes } from 'node:crypto';
import { isoLocalMs, isoUtcMs, parseAwareTimestamp } from '../../domain/aware-time.ts';
import { assertDateRange } from '../../domain/date-range.ts';
import { PeakformError } from '../../domain/errors.ts';
import type { ActivityRecord } from '../../domain/wire.ts';
import type { TestSummary, TraceDetails, TraceListQuery, TraceWrite } from '../../domain/wire-tests.ts';
import {
  compileActivitiesByIds,
  compileDeleteRecordAppMetadata,
  compileDeleteTrace,
  compileInsertTrace,
  compileLapsOfActivities,
  compileReplaceTrace,
  compileTestExists,
  compileTestsByIds,
  compileTraceById,
  compileTraceExists,
  compileTraceList,
  type TestRow,
  type TraceRow,
  type TraceValues,
} from '../../query/test-sql.ts';
import type { WriteTransaction } from '../../store/database.ts';
import type { Store } from '../../store/store.ts';
import {
  type ActivityRow,
  type LapRow,
  toActivityDetail,
  toActivityRecord,
} from '../activities/activity-wire.ts';
import { assertAthleteIdValid } from '../profile/athlete-id.ts';
import { toTestSummary, toTraceDetails } from './test-wire.ts';

/**
 * Traces: single measurements in time (lactate, RPE, power, heart rate, VO₂, notes), each shown
 * with the activity and lap it falls in and the test it belongs to (WIRE.md §2.2, §3.5, §7.5).
 */
export class TraceService {
  constructor(private readonly store: Store) {}

  /** Newest first, filtered by the local date of the timestamp, sports (any) and tags (all). */
  async list(athleteId: string, query: TraceListQuery): Promise<TraceDetails[]> {
    assertDateRange(query.start, query.end);
    return this.details(athleteId, await this.store.select<TraceRow>(compileTraceList(athleteId, query)));
  }

  async get(athleteId: string, traceId: string): Promise<TraceDetails> {
    const [row] = await this.store.select<TraceRow>(compileTraceById(athleteId, traceId));
    if (!row) throw traceNotFound(traceId);
    return (await this.details(athleteId, [row]))[0]!;
  }

  async create(athleteId: string, body: TraceWrite): Promise<TraceDetails> {
    assertAthleteIdValid(athleteId);
    const values = traceValues(body);
    const id = `trc_${randomBytes(12).toString('hex')}`;
    await this.store.write(async (tx) => {
      await assertTestExists(tx, athleteId, values.testId);
      const insert = compileInsertTrace(id, athleteId, values);
      await tx.run(insert.sql, insert.params as never);
    });
    return this.get(athleteId, id);
  }

  /** A full replace (WIRE.md §7.6): fields left out are cleared, a null `test_id` unlinks. */
  async replace(athleteId: string, traceId: string, body: TraceWrite): Promise<void> {
    const values = traceValues(body);
    await this.store.write(async (tx) => {
      const exists = compileTraceExists(athleteId, traceId);
      if ((await tx.all(exists.sql, exists.params as never)).length === 0) throw traceNotFound(traceId);
      await assertTestExists(tx, athleteId, values.testId);
      const update = compileReplaceTrace(athleteId, traceId, values);
      await tx.run(update.sql, update.params as never);
    });
  }

  /** Deletes a trace with every application's metadata of it. */
  async delete(athleteId: string, traceId: string): Promise<void> {
    await this.store.write(async (tx) => {
      const exists = compileTraceExists(athleteId, traceId);
      if ((await tx.all(exists.sql, exists.params as never)).length === 0) throw traceNotFound(traceId);
      for (const query of [
        compileDeleteTrace(athleteId, traceId),
        compileDeleteRecordAppMetadata(athleteId, 'trace', traceId),
      ])
        await tx.run(query.sql, query.params as never);
    });
  }

  /**
   * Wire shapes of trace rows: the activity each falls in (as a summary without its traces), the
   * lap of that activity, and its test (linked, or the one whose window holds it), read in a few
   * queries for the whole list. `known` supplies tests already read.
   */
  async details(
    athleteId: string,
    rows: readonly TraceRow[],
    known: readonly TestSummary[] = [],
  ): Promise<TraceDetails[]> {
    if (rows.length === 0) return [];
    const activityIds = unique(rows.map((r) => r.activity_id));
    const tests = new Map(known.map((t) => [t.id, t]));
    const testIds = unique(rows.map((r) => r.test_id ?? r.window_test_id)).filter((id) => !tests.has(id));
    const [activityRows, lapRows, testRows] = await Promise.all([
      activityIds.length > 0
        ? this.store.select<ActivityRow>(compileActivitiesByIds(athleteId, activityIds))
        : Promise.resolve([]),
      activityIds.length > 0
        ? this.store.select<LapRow & { activity_id: string }>(compileLapsOfActivities(activityIds))
        : Promise.resolve([]),
      testIds.length > 0
        ? this.store.select<TestRow>(compileTestsByIds(athleteId, testIds))
        : Promise.resolve([]),
    ]);
    for (const row of testRows) tests.set(row.id, toTestSummary(row));
    const activities = new Map<string, { record: ActivityRecord; row: ActivityRow; laps: LapRow[] }>();
    for (const row of activityRows) activities.set(row.id, { record: toActivityRecord(row), row, laps: [] });
    for (const lap of lapRows) activities.get(lap.activity_id)?.laps.push(lap);
    return rows.map((row) => {
      const activity = row.activity_id === null ? undefined : activities.get(row.activity_id);
      const testId = row.test_id ?? row.window_test_id;
      return toTraceDetails(row, {
        activity: activity?.record ?? null,
        lap: activity ? lapAt(activity.row, activity.laps, row.timestamp_ms) : null,
        test: testId === null ? null : (tests.get(testId) ?? null),
      });
    });
  }
}

type Lap = NonNullable<TraceDetails['lap']>;

/** The wire lap of an activity that holds the instant (the later one where two touch). */
function lapAt(row: ActivityRow, laps: readonly LapRow[], atMs: number): Lap | null {
  let found = -1;
  laps.forEach((lap, i) => {
    if (lap.start_s * 1000 <= atMs && atMs <= lap.end_s * 1000) found = i;
  });
  if (found < 0) return null;
  return toActivityDetail(row, [laps[found]!]).laps[0] ?? null;
}

function unique(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}

function traceValues(body: TraceWrite): TraceValues {
  const at = parseAwareTimestamp(body.timestamp, 'timestamp');
  return {
    timestampUtc: isoUtcMs(at.epochMs),
    offsetS: at.offsetS,
    localDate: isoLocalMs(at.epochMs, at.offsetS).slice(0, 10),
    testId: body.test_id ?? null,
    lactate: body.lactate ?? null,
    rpe: body.rpe ?? null,
    notes: body.notes ?? null,
    power: body.power ?? null,
    speed: body.speed ?? null,
    heartRate: body.heart_rate ?? null,
    vo2: body.vo2 ?? null,
    sport: body.sport ?? null,
    tags: body.tags ?? null,
  };
}

async function assertTestExists(
  tx: WriteTransaction,
  athleteId: string,
  testId: string | null,
): Promise<void> {
  if (testId === null) return;
  const query = compileTestExists(athleteId, testId);
  if ((await tx.all(query.sql, query.params as never)).length === 0) throw testNotFound(testId);
}

export function traceNotFound(traceId: string): PeakformError {
  return new PeakformError(
    'ERR_TRACE_NOT_FOUND',
    `No trace ${traceId} for this athlete. List yours with GET /api/v1/traces/.`,
  );
}

export function testNotFound(testId: string): PeakformError {
  return new PeakformError(
    'ERR_TEST_NOT_FOUND',
    `No test ${testId} for this athlete. List yours with GET /api/v1/tests/.`,
  );
}
