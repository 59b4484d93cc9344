import { z } from 'zod';
import { METRIC_NAMES, type MetricName } from './metrics.ts';
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

export const MetricNameSchema = z.enum(METRIC_NAMES as unknown as [MetricName, ...MetricName[]]);

export const TabularFormatSchema = z.enum(['arrow', 'parquet', 'csv', 'json']);
export type TabularFormat = z.infer<typeof TabularFormatSchema>;

/** The media type of each tabular format (what `Accept` asks for and `Content-Type` answers). */
export const TABULAR_MEDIA_TYPES: Record<TabularFormat, string> = {
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
  csv: 'text/csv',
  json: 'application/json',
};

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

const ZoneTimeSchema = z.object({
  zone: z.string(),
  from: z.number().describe('Lower bound (W or bpm), inclusive.'),
  to: z.number().nullable().describe('Upper bound, exclusive; null for the top zone.'),
  seconds: z.number(),
});

const RunningBestSchema = z.object({
  name: z.string(),
  distanceM: z.number(),
  timeS: z.number().nullable(),
  startS: z.number().nullable(),
  endS: z.number().nullable(),
  coveredM: z.number().nullable(),
  speedMps: z.number().nullable(),
});

const n = () => z.number().nullable();

export const ActivitySummarySchema = z
  .object({
    metrics: z.record(z.string(), MetricStatsSchema),
    distance_m: n(),
    elevation_gain_m: n(),
    elevation_loss_m: n(),
    moving_time_s: n(),
    avg_power_w: n().describe('Mean power over moving time (seconds with a reading).'),
    max_power_w: n(),
    normalized_power_w: n().describe(
      'Coggan NP over moving time: 30 s rolling mean, 4th-power mean, 4th root.',
    ),
    x_power_w: n(),
    variability_index: n(),
    intensity_factor: n().describe('NP / FTP; null without an FTP for the sport and date.'),
    tss: n().describe('Hours × IF² × 100; null without an FTP for the sport and date.'),
    work_kj: n(),
    efficiency_factor: n(),
    w_prime_balance_min_j: n().describe("Lowest W'bal (differential model); null without CP and W'."),
    w_prime_balance_min_at_s: n(),
    avg_heart_rate_bpm: n(),
    max_heart_rate_bpm: n(),
    trimp: n(),
    hr_tss: n(),
    avg_speed_mps: n(),
    max_speed_mps: n(),
    time_in_power_zones: z.array(ZoneTimeSchema).nullable(),
    time_in_heart_rate_zones: z.array(ZoneTimeSchema).nullable(),
    running_bests: z.array(RunningBestSchema).nullable(),
    thresholds: z.record(z.string(), z.number()).describe('The thresholds in force when this was computed.'),
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

// ---- Longitudinal engine (mean-max, aggregates, models, load, thresholds) ----

export const CurveMetricSchema = z.enum(['power', 'speed', 'heart_rate']);
export type CurveMetricName = z.infer<typeof CurveMetricSchema>;

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `durations`: one comma list of seconds (1–86400) or `all`; absent → the default set. */
export const DurationsSchema = z
  .string()
  .regex(/^(all|\d+(,\d+)*)$/, 'use a comma list of whole seconds (e.g. 5,60,300,1200) or all')
  .transform((text) =>
    text === 'all' ? ('all' as const) : [...new Set(text.split(',').map(Number))].sort((a, b) => a - b),
  )
  .refine(
    (v) => v === 'all' || v.every((d) => d >= 1 && d <= 86400),
    'durations must lie between 1 and 86400 seconds',
  )
  .refine((v) => v === 'all' || v.length <= 1000, 'at most 1000 durations');

export const MeanMaxQuerySchema = z
  .object({
    metric: CurveMetricSchema.default('power'),
    durations: DurationsSchema.optional(),
    envelope: booleanFlag
      .optional()
      .describe('true: best for at least d (monotone); default: the exact curve.'),
    format: TabularFormatSchema.optional(),
  })
  .strict();

const rangeFields = {
  sport: repeated(SportCodeSchema).describe('Repeat to match any of several sports.'),
  start: isoDate.optional().describe('First local date, inclusive (YYYY-MM-DD).'),
  end: isoDate.optional().describe('Last local date, inclusive (YYYY-MM-DD).'),
  format: TabularFormatSchema.optional().describe('Overrides the Accept header.'),
};

export const LongitudinalMeanMaxQuerySchema = z
  .object({
    ...rangeFields,
    metric: CurveMetricSchema.default('power'),
    durations: DurationsSchema.optional(),
    envelope: booleanFlag.optional(),
    after: z
      .preprocess(
        (v) =>
          v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')),
        z.array(z.coerce.number().int().min(1)).max(5, 'at most five after= values').optional(),
      )
      .describe('kJ of work done before the window (fatigue resistance); up to five values.'),
  })
  .strict();

export const LongitudinalDataQuerySchema = z
  .object({
    ...rangeFields,
    metrics: repeated(MetricNameSchema).describe('Repeat to choose columns; default: every metric.'),
  })
  .strict();

export const AggregateIntervalSchema = z.enum(['day', 'week', 'month', 'year']);

export const LongitudinalAggregateQuerySchema = z
  .object({
    ...rangeFields,
    interval: AggregateIntervalSchema.default('week'),
    metrics: repeated(
      z.enum(['power', 'heart_rate', 'cadence', 'speed', 'altitude', 'temperature']),
    ).describe(
      'Metrics whose mean (reading-weighted) and max are given per bucket; default power and heart_rate.',
    ),
  })
  .strict();

export const ModelNameSchema = z.enum(['cp2', 'cp3', 'exponential', 'omni']);

export const IntensityDurationModelQuerySchema = z
  .object({
    sport: SportCodeSchema.optional().describe('Default: cycling for power, running for speed.'),
    metric: z.enum(['power', 'speed']).default('power'),
    model: ModelNameSchema.default('cp2'),
    start: isoDate.optional().describe('Default: 90 days before end.'),
    end: isoDate.optional().describe('Default: today (UTC).'),
  })
  .strict();

export const IntensityDurationModelSchema = z.object({
  metric: z.enum(['power', 'speed']),
  model: ModelNameSchema,
  sport: z.string(),
  start: z.string(),
  end: z.string(),
  activity_count: z.number().int(),
  ok: z.boolean(),
  reason: z.string().nullable().describe('Why the fit failed; null when ok.'),
  parameters: z
    .record(z.string(), z.number())
    .describe('cp_w, w_prime_j, pmax_w, tau_s, a_w (power) or cs_mps, d_prime_m (speed).'),
  rmse: z.number().nullable(),
  r2: z.number().nullable(),
  window_s: z.tuple([z.number(), z.number()]),
  binding_durations_s: z.array(z.number()),
  curve: z.array(
    z.object({
      duration_s: z.number(),
      value: z.number().describe('Best effort for at least this duration over the range (envelope).'),
      modelled: z.number().nullable(),
      activity_id: z.string(),
    }),
  ),
});

export const TrainingLoadQuerySchema = z
  .object({
    start: isoDate.optional().describe('Default: 90 days before end.'),
    end: isoDate.optional().describe('Default: today (UTC).'),
    format: TabularFormatSchema.optional(),
  })
  .strict();

const thresholdValue = z.number().positive().nullable().optional();

export const ThresholdsSchema = z.object({
  sport: SportCodeSchema.describe('Applies to this sport and its sub-sports (cycling covers cycling.road).'),
  effective_from: isoDate.describe('Local date from which these values hold.'),
  ftp_w: thresholdValue,
  cp_w: thresholdValue,
  w_prime_j: thresholdValue,
  lthr_bpm: thresholdValue,
  max_hr_bpm: thresholdValue,
  rest_hr_bpm: thresholdValue,
  weight_kg: thresholdValue,
});
export type Thresholds = z.infer<typeof ThresholdsSchema>;

export const ThresholdsListSchema = z.object({ data: z.array(ThresholdsSchema) });
