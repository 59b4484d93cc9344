import { z } from 'zod';
import { METRIC_NAMES } from './metrics.ts';
import { isSportCode } from './sport.ts';

/**
 * The wire contract: one zod schema per request and response shape. The API validates with these,
 * OpenAPI is generated from them, and the SDK infers its types from them.
 */

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date as YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'not a calendar date');

export const SportCodeSchema = z
  .string()
  .refine(isSportCode, 'use an Open Sport Taxonomy code such as cycling, cycling.road or running+stationary')
  .describe('Open Sport Taxonomy code; `cycling` matches `cycling.road` and `cycling+stationary`.');

/** A query key that may be repeated (`?sport=a&sport=b`) arrives as a string or an array. */
function repeated<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]),
    z.array(item).optional(),
  );
}

export const MetricNameSchema = z.enum(METRIC_NAMES as unknown as [string, ...string[]]);

export const TabularFormatSchema = z.enum(['arrow', 'parquet', 'csv', 'json']);
export type TabularFormat = z.infer<typeof TabularFormatSchema>;

export const ActivityListQuerySchema = z
  .object({
    start: isoDate.optional().describe('First local date, inclusive (YYYY-MM-DD).'),
    end: isoDate.optional().describe('Last local date, inclusive (YYYY-MM-DD).'),
    sport: repeated(SportCodeSchema).describe('Repeat to match any of several sports.'),
    tags: repeated(z.string().min(1).max(64)).describe('Repeat; an activity must carry every tag.'),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type ActivityListQuery = z.infer<typeof ActivityListQuerySchema>;

export const LatestActivityQuerySchema = z.object({ sport: SportCodeSchema.optional() }).strict();

export const ActivityIdParamsSchema = z.object({
  id: z.string().regex(/^act_[0-9a-z]{1,40}$/, 'an activity id looks like act_…'),
});
export const SourceIdParamsSchema = z.object({
  id: z.string().regex(/^src_[0-9a-z]{1,40}$/, 'a source id looks like src_…'),
});

export const ActivityDataQuerySchema = z
  .object({
    metrics: repeated(MetricNameSchema).describe(
      'Repeat to choose columns; default: every metric the activity has.',
    ),
    format: TabularFormatSchema.optional().describe('Overrides the Accept header.'),
  })
  .strict();

const MetricStatsSchema = z.object({
  mean: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  count: z.number().int(),
});

export const ActivitySummarySchema = z
  .object({
    metrics: z.record(z.string(), MetricStatsSchema),
    distance_m: z.number().nullable(),
    elevation_gain_m: z.number().nullable(),
    elevation_loss_m: z.number().nullable(),
    moving_time_s: z.number().nullable(),
    avg_power_w: z.number().nullable().describe('Mean power over moving time (seconds with a reading).'),
    normalized_power_w: z.number().nullable(),
    work_kj: z.number().nullable(),
    tss: z.number().nullable().describe('Needs an FTP for the athlete; null until one is set.'),
  })
  .describe('Computed at ingest from the stored samples.');

export const DataIssueSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const LapSchema = z.object({
  index: z.number().int(),
  start: z.string(),
  end: z.string(),
  elapsed_s: z.number(),
  timer_s: z.number().nullable(),
  distance_m: z.number().nullable(),
  avg_power_w: z.number().nullable(),
  avg_heart_rate_bpm: z.number().nullable(),
  trigger: z.string().nullable(),
});

export const ActivitySchema = z.object({
  id: z.string(),
  source_id: z.string(),
  sport: z.string(),
  start: z.string().describe('UTC instant, ISO 8601 with Z.'),
  end: z.string(),
  start_local: z.string().describe('Local wall-clock time of the device, without offset.'),
  end_local: z.string(),
  utc_offset_s: z.number().int().nullable(),
  elapsed_s: z.number(),
  timer_s: z.number().nullable(),
  distance_m: z.number().nullable(),
  sample_count: z.number().int(),
  metrics: z.array(z.string()).describe('The sample columns that hold at least one reading.'),
  extra_fields: z.array(z.string()).describe('Developer fields kept without a canonical meaning.'),
  tags: z.array(z.string()),
  summary: ActivitySummarySchema,
  device: z
    .object({
      manufacturer: z.string().nullable(),
      product: z.string().nullable(),
      serial_number: z.string().nullable(),
    })
    .nullable(),
  issues: z.array(DataIssueSchema),
});
export type ActivityRecord = z.infer<typeof ActivitySchema>;

export const ActivityDetailSchema = ActivitySchema.extend({ laps: z.array(LapSchema) });
export type ActivityDetail = z.infer<typeof ActivityDetailSchema>;

export const ActivityListSchema = z.object({
  data: z.array(ActivitySchema),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const SourceStatusSchema = z.enum(['processed', 'duplicate', 'failed']);

export const SourceSchema = z.object({
  id: z.string(),
  file_name: z.string().nullable(),
  format: z.string().nullable(),
  size_bytes: z.number().int(),
  status: SourceStatusSchema.describe(
    '`processed`: stored now; `duplicate`: the same bytes were stored before (nothing changed); `failed`: see error.',
  ),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  activity_ids: z.array(z.string()),
  issues: z.array(DataIssueSchema),
  created_at: z.string(),
});
export type SourceRecord = z.infer<typeof SourceSchema>;

export const UploadResponseSchema = z.object({ sources: z.array(SourceSchema) });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Stable machine-readable code, ERR_<AREA>_<WHAT>.'),
    detail: z.string().describe('What went wrong and how to fix it.'),
    request_id: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .describe('RFC 9457 problem details (application/problem+json); routes may add members (e.g. `sources`).');

export const HealthSchema = z.object({ status: z.literal('ok'), version: z.string() });
