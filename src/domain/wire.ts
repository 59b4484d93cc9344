import { z } from 'zod';
import { DAILY_MEASURE_NAMES, DAILY_SOURCES, type DailyMeasure } from './daily-measures.ts';
import { isCalendarDate } from './date-range.ts';
import { METRIC_NAMES, type MetricName, WIRE_METRIC_NAMES } from './metrics.ts';
import { isSportCode } from './sport.ts';

/**
 * The wire contract: one zod schema per request and response shape. The API validates with these,
 * OpenAPI is generated from them, and the SDK infers its types from them.
 */

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date');

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
    sports: repeated(SportCodeSchema).describe('Deprecated alias of `sport`.'),
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

/** The wire's metric vocabulary (`Metric`), stored metrics and `duration` included. */
export const WireMetricSchema = z.enum(WIRE_METRIC_NAMES as [string, ...string[]]);

export const IntensityMetricSchema = z.enum(['power', 'speed']);

export const ActivityDataQuerySchema = z
  .object({
    metrics: repeated(WireMetricSchema).describe(
      'Repeat to choose columns; default: every metric the activity has. A metric it lacks is an all-null column.',
    ),
    segmentation_on: IntensityMetricSchema.optional().describe(
      'Merge consecutive seconds of similar power or speed into rows carrying their `duration`.',
    ),
    format: TabularFormatSchema.optional().describe('Overrides the Accept header.'),
  })
  .strict();

const MetricStatsSchema = z.object({
  mean: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  count: z.number().int(),
  first: z.number().nullable().optional().describe('The first reading.'),
  last: z.number().nullable().optional().describe('The last reading.'),
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

/** Peakform's analysis of an activity, computed at ingest (beside SweatStack's `summary` blocks). */
export const ActivityAnalysisSchema = z
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
    avg_power_w_per_kg: n()
      .optional()
      .describe('Mean power / the body mass in force on the date (metabolic profile); null without one.'),
    normalized_power_w_per_kg: n().optional().describe('NP / the body mass in force on the date.'),
  })
  .describe('Peakform addition: computed at ingest from the stored samples.')
  .meta({ id: 'ActivityAnalysis' });
export type ActivityAnalysis = z.infer<typeof ActivityAnalysisSchema>;

export const DataIssueSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'DataIssue' });

/** An ISO 8601 duration such as `PT1H2M5S` (WIRE.md §1.4: durations in JSON). */
export const IsoDurationSchema = z
  .string()
  .regex(/^P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, 'an ISO 8601 duration such as PT1H2M5S')
  .describe('ISO 8601 duration, e.g. `PT1H2M5S`.');

const utcInstant = () => z.string().describe('UTC instant, ISO 8601 with Z.');
const localDateTime = () =>
  z.string().describe('Local wall-clock time at the record’s place, ISO 8601 without offset.');

/** SweatStack's per-metric summary blocks (WIRE.md §2.1): every key optional, every value nullable. */
const block = <K extends string>(keys: readonly K[]) =>
  z.object(
    Object.fromEntries(keys.map((k) => [k, z.number().nullable().optional()])) as Record<
      K,
      z.ZodOptional<z.ZodNullable<z.ZodNumber>>
    >,
  );
const fullBlock = block(['mean', 'min', 'max', 'start', 'end']);
export const SummaryBlocksSchema = z
  .object({
    power: block(['mean', 'max']).nullable().optional(),
    speed: block(['mean', 'max']).nullable().optional(),
    distance: block(['sum']).nullable().optional(),
    altitude: block(['mean', 'gain', 'loss', 'min', 'max']).nullable().optional(),
    heart_rate: fullBlock.nullable().optional(),
    cadence: block(['mean', 'max']).nullable().optional(),
    temperature: fullBlock.nullable().optional(),
    core_temperature: fullBlock.nullable().optional(),
    smo2: fullBlock.nullable().optional(),
  })
  .describe(
    'Aggregates per metric (SweatStack `ActivitySummarySummary`); `start`/`end` are the first and last readings.',
  )
  .meta({ id: 'ActivitySummarySummary' });
export type SummaryBlocks = z.infer<typeof SummaryBlocksSchema>;

export const LapSchema = SummaryBlocksSchema.extend({
  start: utcInstant(),
  end: utcInstant(),
  duration: IsoDurationSchema.describe('Elapsed lap time, ISO 8601.'),
  start_local: localDateTime(),
  end_local: localDateTime(),
  index: z.number().int().describe('Peakform addition: zero-based lap index.'),
  timer_s: z.number().nullable().describe('Peakform addition: seconds the timer ran.'),
  trigger: z.string().nullable().describe('Peakform addition: what ended the lap (manual, distance, …).'),
}).meta({ id: 'Lap' });

export const ActivitySchema = z
  .object({
    id: z.string(),
    sport: z.string().describe('Open Sport Taxonomy code, e.g. `cycling.road`.'),
    start: utcInstant(),
    end: utcInstant(),
    start_local: localDateTime(),
    end_local: localDateTime(),
    duration: IsoDurationSchema.describe('Elapsed time, ISO 8601.'),
    metrics: z.array(z.string()).describe('The sample columns that hold at least one reading.'),
    source_id: z.string(),
    summary: SummaryBlocksSchema.nullable(),
    laps: z.array(LapSchema).nullable().describe('null in lists; see GET /api/v1/activities/{id}.'),
    traces: z.array(z.unknown()).nullable(),
    tags: z.array(z.string()).nullable(),
    app_metadata: z.record(z.string(), z.unknown()).nullable(),
    // Peakform additions
    utc_offset_s: z.number().int().nullable().describe('Peakform addition: the device’s offset from UTC.'),
    elapsed_s: z.number(),
    timer_s: z.number().nullable(),
    distance_m: z.number().nullable(),
    sample_count: z.number().int(),
    extra_fields: z.array(z.string()).describe('Developer fields kept without a canonical meaning.'),
    analysis: ActivityAnalysisSchema,
    device: z
      .object({
        manufacturer: z.string().nullable(),
        product: z.string().nullable(),
        serial_number: z.string().nullable(),
      })
      .nullable(),
    issues: z.array(DataIssueSchema),
  })
  .describe('SweatStack `ActivitySummary` with Peakform’s additions.')
  .meta({ id: 'ActivitySummary' });
export type ActivityRecord = z.infer<typeof ActivitySchema>;

export const ActivityDetailSchema = ActivitySchema.extend({
  laps: z.array(LapSchema),
  distance: z.number().nullable().describe('Metres.'),
  devices: z.array(z.string()).nullable().describe('Recording devices.'),
}).meta({ id: 'ActivityDetails' });
export type ActivityDetail = z.infer<typeof ActivityDetailSchema>;

export const ActivityListSchema = z.array(ActivitySchema).describe('Newest first.');

/** SweatStack's closed `SourceStatus`; a re-upload of stored bytes answers `processed` with `duplicate: true`. */
export const SourceStatusSchema = z.enum(['processing', 'processed', 'failed']);

export const SourceSchema = z
  .object({
    id: z.string(),
    type: z.string().nullable().describe('File type: fit, tcx, gpx or csv.'),
    origin: z.enum(['manual_upload', 'garmin_connect', 'intervals_icu', 'wahoo']),
    filename: z.string().nullable().describe('The uploaded file’s name (no directories).'),
    status: SourceStatusSchema,
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    activity_ids: z.array(z.string()),
    created_at: utcInstant(),
    // Peakform additions
    duplicate: z.boolean().describe('Peakform addition: these bytes were stored before; nothing changed.'),
    size_bytes: z.number().int(),
    issues: z.array(DataIssueSchema),
  })
  .meta({ id: 'SourceResponse' });
export type SourceRecord = z.infer<typeof SourceSchema>;

export const UploadResponseSchema = z
  .object({ sources: z.array(SourceSchema) })
  .meta({ id: 'UploadResponse' });

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
    metric: CurveMetricSchema.default('power').describe('power or speed (heart_rate: Peakform addition).'),
    durations: DurationsSchema.optional(),
    envelope: booleanFlag
      .optional()
      .describe('Peakform addition. true: best for at least d (monotone); default: the exact curve.'),
    segmentation: booleanFlag.optional().describe('Legacy flag; never changes the result.'),
    format: TabularFormatSchema.optional(),
  })
  .strict();

const rangeFields = {
  sport: repeated(SportCodeSchema).describe('Repeat to match any of several sports.'),
  sports: repeated(SportCodeSchema).describe('Deprecated alias of `sport`.'),
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
        z.array(z.coerce.number().min(0)).max(5, 'at most five after= values').optional(),
      )
      .describe(
        'kJ of work done before the window (fatigue resistance); up to five values; 0 is the whole activity.',
      ),
  })
  .strict();

export const LongitudinalDataQuerySchema = z
  .object({
    ...rangeFields,
    metrics: repeated(WireMetricSchema).describe(
      'Repeat to choose columns; default duration, power, heart_rate, speed.',
    ),
    segmentation_on: IntensityMetricSchema.optional(),
  })
  .strict();

export const AccumulatedWorkDurationQuerySchema = z
  .object({
    metric: IntensityMetricSchema.optional().describe('Default: power for cycling, speed otherwise.'),
    format: TabularFormatSchema.optional(),
  })
  .strict();

export const LongitudinalAccumulatedWorkDurationQuerySchema = z
  .object({
    ...rangeFields,
    metric: IntensityMetricSchema.default('power'),
  })
  .strict();

export const ProfileSportsQuerySchema = z
  .object({
    only_root: booleanFlag.optional().describe('true: top-level codes only (`cycling`, not `cycling.road`).'),
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
      duration: z.number().int().describe('Seconds (SweatStack `IntensityDurationModelResponse`).'),
      intensity: z
        .number()
        .describe(
          'The model at this duration (the best effort where the fit failed or does not reach): whole W, or m/s to 2 decimals.',
        ),
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

export const ThresholdsListSchema = z.array(ThresholdsSchema).describe('Oldest first.');

// ---- Profile and account (WIRE.md §2.6, §3.3, §3.8) ----

const CapabilityStatusSchema = z.enum(['ready', 'syncing', 'action_required', 'unavailable']);

/** What the account needs from the athlete, if anything (`StatusIssueResponse`). */
export const StatusIssueSchema = z.object({
  code: z.string(),
  status: z.enum(['action_required', 'syncing']),
  message: z.string(),
  destination: z.string().nullable().optional(),
});

export const AccountStatusSchema = z
  .object({
    issue: StatusIssueSchema.nullable(),
    capabilities: z.object({
      activities: CapabilityStatusSchema,
      activity_history: CapabilityStatusSchema,
      dailies: CapabilityStatusSchema,
      workouts: CapabilityStatusSchema,
    }),
  })
  .meta({ id: 'AccountStatusResponse' });

export const SportListSchema = z.array(z.string().min(1)).describe('Open Sport Taxonomy codes.');
export const TagListSchema = z.array(z.string());

export const BackfillStatusSchema = z
  .object({
    backfill_loaded_until: z
      .string()
      .nullable()
      .describe('The earliest instant whose activities are loaded (the oldest activity’s start), or null.'),
  })
  .meta({ id: 'BackfillStatus' });

// ---- Dailies (WIRE.md §2.5, §3.7, §7.4) ----

export const DailyMeasureParamsSchema = z.object({
  measure: z
    .enum(DAILY_MEASURE_NAMES as [DailyMeasure, ...DailyMeasure[]])
    .describe(
      'body_mass (kg), body_fat_pct (%), resting_hr (bpm), hrv (ms), sleep_duration (s), sleep_altitude (m), menstrual_cycle_day (day).',
    ),
});

export const DailyListQuerySchema = z
  .object({
    start: isoDate.describe('First date, inclusive (YYYY-MM-DD).'),
    end: isoDate.describe('Last date, inclusive (YYYY-MM-DD).'),
    interpolate: booleanFlag
      .optional()
      .describe('true: fill days without a value by the measure’s rule (status `estimated`); default false.'),
  })
  .strict();

export const DailyCreateSchema = z
  .object({
    date: isoDate,
    value: z.number().finite(),
  })
  .meta({ id: 'DailyCreate' });

export const DailyDeleteQuerySchema = z.object({ date: isoDate }).strict();

export const DailySchema = z
  .object({
    date: z.string().describe('YYYY-MM-DD.'),
    value: z.number().nullable().describe('In the measure’s unit; null when missing.'),
    status: z.enum(['stored', 'estimated', 'missing']),
    source: z.enum(DAILY_SOURCES).nullable().describe('Where a stored value came from; null unless stored.'),
  })
  .meta({ id: 'DailyResponse' });

export const DailyListSchema = z.array(DailySchema).describe('Exactly one row per date, ascending.');
