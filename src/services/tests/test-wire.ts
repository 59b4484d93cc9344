import { isoLocalMs, isoUtcMs } from '../../domain/aware-time.ts';
import type { ActivityRecord } from '../../domain/wire.ts';
import type { TestResults, TestSummary, TraceDetails } from '../../domain/wire-tests.ts';
import type { TestRow, TraceRow } from '../../query/test-sql.ts';

type Lap = NonNullable<TraceDetails['lap']>;

/** SweatStack's `TestSummary` of a stored test (app metadata is filled in by the caller's app). */
export function toTestSummary(row: TestRow): TestSummary {
  return {
    id: row.id,
    sport: row.sport,
    start: isoUtcMs(row.start_ms),
    end: isoUtcMs(row.end_ms),
    start_local: isoLocalMs(row.start_ms, row.start_offset_s),
    end_local: isoLocalMs(row.end_ms, row.end_offset_s),
    title: row.title,
    results: row.results === null ? null : (JSON.parse(row.results) as TestResults),
    tags: row.tags,
    created_by: row.created_by,
    app_metadata: null,
  };
}

/** SweatStack's `TraceDetails` of a stored trace with what it falls in and belongs to. */
export function toTraceDetails(
  row: TraceRow,
  context: { activity: ActivityRecord | null; lap: Lap | null; test: TestSummary | null },
): TraceDetails {
  return {
    id: row.id,
    timestamp: isoUtcMs(row.timestamp_ms),
    timestamp_local: isoLocalMs(row.timestamp_ms, row.utc_offset_s),
    test_id: row.test_id,
    lactate: row.lactate,
    rpe: row.rpe,
    notes: row.notes,
    power: row.power,
    speed: row.speed,
    heart_rate: row.heart_rate,
    vo2: row.vo2,
    sport: row.sport,
    tags: row.tags,
    lap: context.lap,
    activity: context.activity,
    test: context.test,
    test_match: row.test_id !== null ? 'explicit' : context.test !== null ? 'window' : null,
    app_metadata: null,
  };
}
