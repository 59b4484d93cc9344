import { randomBytes } from 'node:crypto';
import { isoLocalMs, isoUtcMs, parseAwareTimestamp } from '../../domain/aware-time.ts';
import { assertDateRange } from '../../domain/date-range.ts';
import { PeakformError } from '../../domain/errors.ts';
import type { TestDetails, TestListQuery, TestSummary, TestWrite } from '../../domain/wire-tests.ts';
import {
  compileActivitiesOverlapping,
  compileDeleteRecordAppMetadata,
  compileDeleteTest,
  compileInsertTest,
  compileReplaceTest,
  compileTestById,
  compileTestExists,
  compileTestList,
  compileTestTraces,
  compileUnlinkTraces,
  type TestRow,
  type TestValues,
  type TraceRow,
} from '../../query/test-sql.ts';
import type { WriteTransaction } from '../../store/database.ts';
import { emitWebhookEvents } from '../../store/outbox-repository.ts';
import type { Store } from '../../store/store.ts';
import { type ActivityRow, toActivityRecord } from '../activities/activity-wire.ts';
import { assertAthleteIdValid } from '../profile/athlete-id.ts';
import { toTestSummary } from './test-wire.ts';
import { type TraceService, testNotFound } from './trace-service.ts';

/** A test without an `end` lasts this long (WIRE.md §7.11). */
export const DEFAULT_TEST_DURATION_MS = 3 * 3600 * 1000;

/**
 * Tests (lab and field tests with their results): the traces they hold and the activities that
 * overlap them (WIRE.md §2.3, §3.6, §7.5). A test created with an application's token can be
 * changed or deleted only with a token of that application. Creating, replacing and deleting a
 * test writes its webhook event in the same catalog transaction.
 */
export class TestService {
  constructor(
    private readonly store: Store,
    private readonly traces: TraceService,
    /** Called after a test is stored, replaced or deleted, with the earliest local date it touched. */
    private readonly onChange: (athleteId: string, fromDate: string) => void = () => {},
  ) {}

  /** Newest first, filtered by the local date of the start, sports (any), tags (all) and creating app. */
  async list(athleteId: string, query: TestListQuery): Promise<TestSummary[]> {
    assertDateRange(query.start, query.end);
    const rows = await this.store.select<TestRow>(
      compileTestList(athleteId, { ...query, createdBy: query.created_by }),
    );
    return rows.map(toTestSummary);
  }

  /** One test with its traces (`auto` or `linked`, oldest first) and the activities it overlaps. */
  async get(athleteId: string, testId: string, resolution: 'auto' | 'linked' = 'auto'): Promise<TestDetails> {
    const [row] = await this.store.select<TestRow>(compileTestById(athleteId, testId));
    if (!row) throw testNotFound(testId);
    const summary = toTestSummary(row);
    const window = { id: row.id, startUtc: isoUtcMs(row.start_ms), endUtc: isoUtcMs(row.end_ms) };
    const [traceRows, activityRows] = await Promise.all([
      this.store.select<TraceRow>(compileTestTraces(athleteId, window, resolution)),
      this.store.select<ActivityRow>(compileActivitiesOverlapping(athleteId, window.startUtc, window.endUtc)),
    ]);
    return {
      ...summary,
      traces: await this.traces.details(athleteId, traceRows, [summary]),
      activities: activityRows.map(toActivityRecord),
    };
  }

  /** Stores a test; `createdBy` is the client id of the application whose token created it, if any. */
  async create(athleteId: string, body: TestWrite, createdBy: string | null): Promise<TestSummary> {
    assertAthleteIdValid(athleteId);
    const values = testValues(body);
    const id = `tst_${randomBytes(12).toString('hex')}`;
    await this.store.write(async (tx) => {
      const insert = compileInsertTest(id, athleteId, values, createdBy);
      await tx.run(insert.sql, insert.params as never);
      await emitWebhookEvents(tx, [{ athleteId, eventType: 'test_created', resourceId: id }]);
    });
    this.onChange(athleteId, values.localDate);
    const [row] = await this.store.select<TestRow>(compileTestById(athleteId, id));
    return toTestSummary(row!);
  }

  /** A full replace (WIRE.md §7.6): fields left out are cleared; `end` goes back to start + 3 h. */
  async replace(
    athleteId: string,
    testId: string,
    body: TestWrite,
    callerClientId: string | null,
  ): Promise<void> {
    const values = testValues(body);
    const before = await this.store.write(async (tx) => {
      const date = await assertMayChange(tx, athleteId, testId, callerClientId);
      const update = compileReplaceTest(athleteId, testId, values);
      await tx.run(update.sql, update.params as never);
      await emitWebhookEvents(tx, [{ athleteId, eventType: 'test_updated', resourceId: testId }]);
      return date;
    });
    this.onChange(athleteId, [before, values.localDate].sort()[0]!);
  }

  /** Deletes a test and every application's metadata of it; traces linked to it stay, unlinked. */
  async delete(athleteId: string, testId: string, callerClientId: string | null): Promise<void> {
    const date = await this.store.write(async (tx) => {
      const date = await assertMayChange(tx, athleteId, testId, callerClientId);
      for (const query of [
        compileUnlinkTraces(athleteId, testId),
        compileDeleteRecordAppMetadata(athleteId, 'test', testId),
        compileDeleteTest(athleteId, testId),
      ])
        await tx.run(query.sql, query.params as never);
      await emitWebhookEvents(tx, [{ athleteId, eventType: 'test_deleted', resourceId: testId }]);
      return date;
    });
    this.onChange(athleteId, date);
  }
}

/**
 * 404 for an unknown test; 403 when an application created it and the caller is not that
 * application. Returns the test's local date.
 */
async function assertMayChange(
  tx: WriteTransaction,
  athleteId: string,
  testId: string,
  callerClientId: string | null,
): Promise<string> {
  const query = compileTestExists(athleteId, testId);
  const [row] = await tx.all<{ created_by: string | null; local_date: string }>(
    query.sql,
    query.params as never,
  );
  if (!row) throw testNotFound(testId);
  if (row.created_by !== null && row.created_by !== callerClientId) {
    throw new PeakformError(
      'ERR_TEST_OWNED_BY_APP',
      `Test ${testId} was created by the application ${row.created_by}; only a token of that application may change or delete it.`,
    );
  }
  return row.local_date;
}

function testValues(body: TestWrite): TestValues {
  const start = parseAwareTimestamp(body.start, 'start');
  const end = body.end
    ? parseAwareTimestamp(body.end, 'end')
    : { epochMs: start.epochMs + DEFAULT_TEST_DURATION_MS, offsetS: start.offsetS };
  if (end.epochMs < start.epochMs) {
    throw new PeakformError(
      'ERR_TEST_WINDOW_INVALID',
      `end (${body.end}) is before start (${body.start}); swap them or leave end out (start + 3 h).`,
    );
  }
  return {
    sport: body.sport,
    startUtc: isoUtcMs(start.epochMs),
    startOffsetS: start.offsetS,
    endUtc: isoUtcMs(end.epochMs),
    endOffsetS: end.offsetS,
    localDate: isoLocalMs(start.epochMs, start.offsetS).slice(0, 10),
    title: body.title ?? null,
    results: body.results ? JSON.stringify(body.results) : null,
    tags: body.tags ?? null,
  };
}
