import { z } from 'zod';
import { isCalendarDate } from './date-range.ts';
import { ActivitySchema, LapSchema, SportCodeSchema } from './wire.ts';

/**
 * Wire shapes of tests, traces and app metadata (WIRE.md §2.2, §2.3, §3.4–§3.6, §7.5–§7.8).
 * Requests follow SweatStack's `TraceCreateOrUpdate`, `TestCreate` and `TestUpdate`; responses
 * its `TraceDetails`, `TestSummary` and `TestDetails`, every key present (null where unset).
 */

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date');

function repeated<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]),
    z.array(item).optional(),
  );
}

/**
 * An ISO 8601 date-time as sent (the offset is checked by the service, which answers a naive
 * timestamp with 422 as WIRE.md §1.4 asks).
 */
export const RequestDateTimeSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$/,
    'an ISO 8601 date-time with an offset, e.g. 2026-05-18T17:32:00+02:00',
  )
  .describe('ISO 8601 with an offset (`Z` or `±HH:MM`); a naive timestamp is refused with 422.');

const utcInstant = () => z.string().describe('UTC instant, ISO 8601 with Z.');
const localDateTime = () =>
  z.string().describe('Wall-clock time at the offset the record was sent with, ISO 8601 without offset.');

const nonNegativeInt = () => z.number().int().min(0);
const tags = () => z.array(z.string().min(1).max(64)).max(64);

// ---- Tests (WIRE.md §2.3) ----

export const MarkerSchema = z
  .object({
    power: z.number().int().nullable().optional().describe('W.'),
    speed: z.number().nullable().optional().describe('m/s.'),
    heart_rate: z.number().int().nullable().optional().describe('bpm.'),
    lactate: z.number().nullable().optional().describe('mmol/L.'),
    vo2: z.number().nullable().optional().describe('mL/min (absolute).'),
  })
  .describe('The intensity at which a threshold occurs; any subset of the keys.')
  .meta({ id: 'Marker' });

const marker = (doc: string) => MarkerSchema.nullable().optional().describe(doc);

/** The units of each scalar result and of each marker field (also in the descriptions of the schema). */
export const TEST_RESULT_UNITS = {
  vo2max: 'mL/min',
  vo2peak: 'mL/min',
  vlamax: 'mmol/L/s',
  heart_rate_max: 'bpm',
  critical_power: 'W',
  critical_speed: 'm/s',
  w_prime: 'kJ',
  d_prime: 'm',
  economy: 'mL O2/kg/km',
  efficiency: '%',
} as const;

export const MARKER_UNITS = {
  power: 'W',
  speed: 'm/s',
  heart_rate: 'bpm',
  lactate: 'mmol/L',
  vo2: 'mL/min',
} as const;

export const TestResultsSchema = z
  .object({
    first_threshold: marker('First (aerobic) threshold: LT1 / VT1.'),
    second_threshold: marker('Second (anaerobic) threshold: LT2 / VT2 / MLSS.'),
    fatmax: marker('Maximal fat oxidation.'),
    lt1: marker('First lactate threshold.'),
    lt2: marker('Second lactate threshold.'),
    vt1: marker('First ventilatory threshold.'),
    vt2: marker('Second ventilatory threshold.'),
    mlss: marker('Maximal lactate steady state.'),
    vo2max: z.number().nullable().optional().describe('mL/min (absolute).'),
    vo2peak: z.number().nullable().optional().describe('mL/min (absolute).'),
    vlamax: z.number().nullable().optional().describe('mmol/L/s.'),
    heart_rate_max: z.number().int().nullable().optional().describe('bpm.'),
    critical_power: z.number().int().nullable().optional().describe('W.'),
    critical_speed: z.number().nullable().optional().describe('m/s.'),
    w_prime: z.number().nullable().optional().describe('kJ.'),
    d_prime: z.number().nullable().optional().describe('m.'),
    economy: z.number().nullable().optional().describe('mL O₂/kg/km.'),
    efficiency: z.number().nullable().optional().describe('%.'),
  })
  .describe('Every key optional and nullable; units in each description.')
  .meta({ id: 'TestResults' });
export type TestResults = z.infer<typeof TestResultsSchema>;

const testWriteFields = {
  sport: SportCodeSchema,
  start: RequestDateTimeSchema.describe('When the test began, with its offset.'),
  title: z.string().max(500).nullable().optional(),
  end: RequestDateTimeSchema.nullable()
    .optional()
    .describe('When the test ended, with its offset; default (also on PUT) start + 3 h.'),
  results: TestResultsSchema.nullable().optional(),
  tags: tags().nullable().optional(),
};

export const TestCreateSchema = z.object(testWriteFields).meta({ id: 'TestCreate' });
export const TestUpdateSchema = z
  .object(testWriteFields)
  .describe('A full replace: every field left out or null is cleared (`end` goes back to start + 3 h).')
  .meta({ id: 'TestUpdate' });
export type TestWrite = z.infer<typeof TestCreateSchema>;

export const TestSummarySchema = z
  .object({
    id: z.string(),
    sport: z.string(),
    start: utcInstant(),
    end: utcInstant().nullable(),
    start_local: localDateTime(),
    end_local: localDateTime().nullable(),
    title: z.string().nullable(),
    results: TestResultsSchema.nullable(),
    tags: z.array(z.string()).nullable(),
    created_by: z.string().nullable().describe('The client id of the application that created it, if any.'),
    app_metadata: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('The calling application’s own metadata; null without an application token.'),
  })
  .meta({ id: 'TestSummary' });
export type TestSummary = z.infer<typeof TestSummarySchema>;

export const TestListQuerySchema = z
  .object({
    start: isoDate.optional().describe('First local date of the test’s start, inclusive.'),
    end: isoDate.optional().describe('Last local date of the test’s start, inclusive.'),
    sport: repeated(SportCodeSchema).describe('Repeat to match any of several sports.'),
    tags: repeated(z.string().min(1).max(64)).describe('Repeat; a test must carry every tag.'),
    created_by: z.string().min(1).max(64).optional().describe('The client id of the app that created it.'),
    limit: z.coerce.number().int().min(1).max(50).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type TestListQuery = z.output<typeof TestListQuerySchema>;

export const TestIdParamsSchema = z.object({
  id: z.string().regex(/^tst_[0-9a-z]{1,40}$/, 'a test id looks like tst_…'),
});

export const TestDetailQuerySchema = z
  .object({
    traces: z
      .enum(['auto', 'linked'])
      .default('auto')
      .describe(
        '`auto`: traces linked to this test plus unlinked traces inside its window; `linked`: only those linked by `test_id`.',
      ),
  })
  .strict();

// ---- Traces (WIRE.md §2.2) ----

export const TraceWriteSchema = z
  .object({
    timestamp: RequestDateTimeSchema,
    test_id: z.string().max(64).nullable().optional().describe('Links the trace to a test (404 if unknown).'),
    lactate: z.number().nullable().optional().describe('mmol/L.'),
    rpe: z.number().int().nullable().optional().describe('Rating of perceived exertion.'),
    notes: z.string().max(10_000).nullable().optional(),
    power: nonNegativeInt().nullable().optional().describe('W.'),
    speed: z.number().min(0).nullable().optional().describe('m/s.'),
    heart_rate: nonNegativeInt().nullable().optional().describe('bpm.'),
    vo2: z.number().min(0).nullable().optional().describe('mL/min.'),
    tags: tags().nullable().optional(),
    sport: SportCodeSchema.nullable().optional(),
  })
  .describe('POST and PUT (a full replace: every field left out or null is cleared).')
  .meta({ id: 'TraceCreateOrUpdate' });
export type TraceWrite = z.infer<typeof TraceWriteSchema>;

export const TraceSchema = z
  .object({
    id: z.string(),
    timestamp: utcInstant(),
    timestamp_local: localDateTime(),
    test_id: z.string().nullable(),
    lactate: z.number().nullable().describe('mmol/L.'),
    rpe: z.number().int().nullable(),
    notes: z.string().nullable(),
    power: nonNegativeInt().nullable().describe('W.'),
    speed: z.number().min(0).nullable().describe('m/s.'),
    heart_rate: nonNegativeInt().nullable().describe('bpm.'),
    vo2: z.number().min(0).nullable().describe('mL/min.'),
    sport: z.string().nullable(),
    tags: z.array(z.string()).nullable(),
    lap: LapSchema.nullable().describe('The lap of `activity` the trace falls in.'),
    activity: ActivitySchema.nullable().describe('The activity the trace falls in (without its traces).'),
    test: TestSummarySchema.nullable().describe('The test it belongs to (linked, or by its window).'),
    test_match: z
      .enum(['explicit', 'window'])
      .nullable()
      .describe('`explicit`: linked by `test_id`; `window`: inside the test’s time window.'),
    app_metadata: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'TraceDetails' });
export type TraceDetails = z.infer<typeof TraceSchema>;

export const TestDetailSchema = TestSummarySchema.extend({
  traces: z
    .array(TraceSchema)
    .nullable()
    .describe('Resolved by `traces=auto|linked` (WIRE.md §7.5), oldest first.'),
  activities: z
    .array(ActivitySchema)
    .nullable()
    .describe('The activities overlapping the test in time, oldest first.'),
}).meta({ id: 'TestDetails' });
export type TestDetails = z.infer<typeof TestDetailSchema>;

export const TraceListQuerySchema = z
  .object({
    start: isoDate.optional().describe('First local date of the trace’s timestamp, inclusive.'),
    end: isoDate.optional().describe('Last local date of the trace’s timestamp, inclusive.'),
    sport: repeated(SportCodeSchema).describe('Repeat to match any of several sports.'),
    tags: repeated(z.string().min(1).max(64)).describe('Repeat; a trace must carry every tag.'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type TraceListQuery = z.output<typeof TraceListQuerySchema>;

export const TraceIdParamsSchema = z.object({
  id: z.string().regex(/^trc_[0-9a-z]{1,40}$/, 'a trace id looks like trc_…'),
});

/** The body of full-replace PUTs, app-metadata PUTs and test deletes (WIRE.md §2.10). */
export const MessageSchema = z.object({ message: z.string() }).meta({ id: 'Message' });

// ---- App metadata (WIRE.md §3.4, §7.8) ----

export const APP_METADATA_MAX_BYTES = 1024;
export const PROFILE_APP_METADATA_MAX_BYTES = 4096;
export const APP_METADATA_MAX_DEPTH = 32;

export const AppMetadataBodySchema = z
  .unknown()
  .describe(
    'A JSON object: at most 1024 bytes (4096 on the profile) in its compact UTF-8 form and 32 levels deep. Replaces what the application stored before.',
  );

export const ProfileAppMetadataSchema = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe('What the calling application stored on the profile, or null.');
