import { z } from 'zod';
import { isCalendarDate } from './date-range.ts';
import { SportCodeSchema } from './wire.ts';
import { MARKER_UNITS } from './wire-tests.ts';

/**
 * The metabolic profile (a Peakform route; the modelled platform has the response models but no
 * path): markers per intensity metric, where each comes from, and the zones built on them.
 *
 * Marker names are the keys of WIRE.md §2.3 `TestResults` (WIRE.md has no separate `MarkerName`
 * enumeration): the threshold markers, each a `Marker` with power, speed, heart rate, lactate and
 * VO2, and the scalars. Peakform adds `ftp`, `lthr` and `heart_rate_rest`, which its
 * effective-dated thresholds have always held.
 */
export const THRESHOLD_MARKERS = [
  'first_threshold',
  'second_threshold',
  'fatmax',
  'lt1',
  'lt2',
  'vt1',
  'vt2',
  'mlss',
] as const;
export type ThresholdMarker = (typeof THRESHOLD_MARKERS)[number];

/** Scalar markers and the map (intensity metric) and unit each belongs to. */
export const SCALAR_MARKERS = {
  critical_power: { map: 'power', unit: 'W' },
  w_prime: { map: 'power', unit: 'kJ' },
  ftp: { map: 'power', unit: 'W' },
  critical_speed: { map: 'speed', unit: 'm/s' },
  d_prime: { map: 'speed', unit: 'm' },
  heart_rate_max: { map: 'heart_rate', unit: 'bpm' },
  lthr: { map: 'heart_rate', unit: 'bpm' },
  heart_rate_rest: { map: 'heart_rate', unit: 'bpm' },
  vo2max: { map: 'metabolic', unit: 'mL/min' },
  vo2peak: { map: 'metabolic', unit: 'mL/min' },
  vlamax: { map: 'metabolic', unit: 'mmol/L/s' },
  economy: { map: 'metabolic', unit: 'mL/kg/km' },
  efficiency: { map: 'metabolic', unit: '%' },
} as const satisfies Record<string, { map: ProfileMap; unit: string }>;
export type ScalarMarker = keyof typeof SCALAR_MARKERS;

export const MARKER_NAMES = [
  ...THRESHOLD_MARKERS,
  ...(Object.keys(SCALAR_MARKERS) as ScalarMarker[]),
] as const;
export type MarkerName = ThresholdMarker | ScalarMarker;

/** The maps of the profile. A threshold marker appears in power, speed and heart_rate (its unit there). */
export const PROFILE_MAPS = ['power', 'speed', 'heart_rate', 'metabolic'] as const;
export type ProfileMap = (typeof PROFILE_MAPS)[number];

/** The intensity a threshold marker is given in (a `Marker`'s fields and units, WIRE.md §2.3). */
export const MARKER_METRICS = MARKER_UNITS;
export type MarkerMetric = keyof typeof MARKER_METRICS;

export const PROVENANCES = ['measured', 'modeled', 'declared', 'external'] as const;
export type Provenance = (typeof PROVENANCES)[number];

export const ZONE_SYSTEM_NAMES = ['three_zone', 'five_zone', 'seven_zone', 'olt_i_scale'] as const;
export type ZoneSystemName = (typeof ZONE_SYSTEM_NAMES)[number];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date');

export const MarkerNameSchema = z.enum(MARKER_NAMES as unknown as [MarkerName, ...MarkerName[]]);
export const MarkerMetricSchema = z.enum(Object.keys(MARKER_METRICS) as [MarkerMetric, ...MarkerMetric[]]);
export const ProvenanceSchema = z.enum(PROVENANCES);

export const MarkerRecordSchema = z
  .object({
    type: z
      .enum(['test', 'model', 'marker', 'thresholds', 'daily'])
      .describe(
        '`test` (a test’s results), `model` (an effort-duration fit), `marker` (a declared marker), `thresholds` (PUT /profile/thresholds), `daily` (a daily measure).',
      ),
    id: z.string().nullable().describe('The test id or declared marker id; null for the other types.'),
    sport: z.string().nullable(),
    date: z.string().nullable().describe('The record’s own date (test day, effective date, daily date).'),
  })
  .describe('The record that produced a value.');

export const FitQualitySchema = z
  .object({
    model: z.string(),
    rmse: z.number().nullable(),
    r2: z.number().nullable(),
    window_s: z.tuple([z.number(), z.number()]).describe('Durations the model was fitted over (s).'),
    start: z.string().describe('First date of the training data fitted.'),
    end: z.string().describe('Last date of the training data fitted.'),
    activity_count: z.number().int(),
    binding_durations_s: z.array(z.number()),
  })
  .describe('How good a modeled value’s fit is, and over which data.');

export const MarkerValueSchema = z
  .object({
    name: MarkerNameSchema,
    value: z.number(),
    unit: z.string(),
    provenance: ProvenanceSchema,
    date: z.string().describe('The date the value dates from (YYYY-MM-DD).'),
    pinned: z.boolean().describe('A pinned declared value wins over tests and models from its date on.'),
    record: MarkerRecordSchema,
    fit: FitQualitySchema.nullable().describe('For `modeled` values: the fit’s quality and window.'),
    per_kg: z
      .number()
      .nullable()
      .describe('Power markers: W/kg; VO2 markers: mL/kg/min, with the body mass in force on the date.'),
  })
  .meta({ id: 'MetabolicMarker' });

export const MarkerEntrySchema = MarkerValueSchema.extend({
  alternatives: z
    .array(MarkerValueSchema)
    .describe('The other values known for this marker on this date, in order of precedence.'),
});

export const ZoneBandSchema = z.object({
  zone: z.string(),
  from: z.number().describe('Inclusive lower bound in the map’s unit.'),
  to: z.number().nullable().describe('Exclusive upper bound; null for the top zone.'),
});

export const ZoneSetSchema = z.object({
  system: z.enum(ZONE_SYSTEM_NAMES),
  anchor: z.string().describe('What the percentages are of: `threshold`, `heart_rate_max`.'),
  anchor_value: z.number(),
  anchor_marker: MarkerNameSchema.describe('The marker that gave the anchor.'),
  zones: z.array(ZoneBandSchema),
});

export const ProfileMapSchema = z.object({
  unit: z.string(),
  markers: z.record(z.string(), MarkerEntrySchema).describe('Resolved markers by name.'),
  threshold: MarkerValueSchema.nullable().describe(
    'The anchor of the zones (FTP-like for power, threshold speed, LTHR): the highest-precedence value among the second-threshold markers (power: ftp, second_threshold, lt2, mlss, vt2, critical_power).',
  ),
  first_threshold: MarkerValueSchema.nullable().describe('first_threshold, lt1 or vt1, by precedence.'),
  zones: z.record(z.string(), ZoneSetSchema.nullable()),
});

export const ModelStatusSchema = z.object({
  metric: z.enum(['power', 'speed']),
  ok: z.boolean(),
  reason: z.string().nullable(),
  fit: FitQualitySchema.nullable(),
});

export const RecomputeStatusSchema = z
  .object({
    state: z
      .enum(['idle', 'scheduled', 'running', 'done', 'failed'])
      .describe(
        '`idle` before any change; `scheduled` while changes are coalesced; then running, done or failed.',
      ),
    from: z.string().nullable().describe('Activities on and after this local date are (being) re-derived.'),
    done: z.number().int().describe('Sources re-derived so far in this run.'),
    total: z.number().int().describe('Sources this run re-derives.'),
    activities: z.number().int().describe('Activities re-derived so far in this run.'),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    error: z.string().nullable(),
    pending_from: z
      .string()
      .nullable()
      .describe('A change that arrived during the run: another run from this date follows.'),
    runs: z.number().int().describe('Runs finished since the server started.'),
  })
  .meta({ id: 'ThresholdRecomputeStatus' });
export type RecomputeStatus = z.infer<typeof RecomputeStatusSchema>;

export const IngestThresholdsSchema = z
  .record(z.string(), z.number())
  .describe('The thresholds ingest applies on this date for this sport (ftp_w, lthr_bpm, weight_kg, …).');

export const MetabolicProfileSchema = z
  .object({
    sport: z.string(),
    date: z.string(),
    body_mass: MarkerValueSchema.omit({ name: true })
      .extend({ name: z.literal('body_mass') })
      .nullable()
      .describe('The body mass in force on the date (the latest body_mass daily on or before it).'),
    power: ProfileMapSchema,
    speed: ProfileMapSchema,
    heart_rate: ProfileMapSchema,
    metabolic: ProfileMapSchema.pick({ unit: true, markers: true }),
    models: z.array(ModelStatusSchema).describe('The effort-duration fits behind modeled markers.'),
    thresholds: IngestThresholdsSchema,
    recompute: RecomputeStatusSchema,
  })
  .meta({ id: 'MetabolicProfile' });
export type MetabolicProfile = z.infer<typeof MetabolicProfileSchema>;
export type MarkerValue = z.infer<typeof MarkerValueSchema>;
export type MarkerEntry = z.infer<typeof MarkerEntrySchema>;

export const MetabolicProfileQuerySchema = z
  .object({
    sport: SportCodeSchema.optional().describe('Default: cycling.'),
    date: isoDate.optional().describe('The day the profile is for; default today (UTC).'),
  })
  .strict();

export const MarkerParamsSchema = z.object({ name: MarkerNameSchema });

export const MarkerWriteSchema = z
  .object({
    sport: SportCodeSchema,
    value: z.number().positive(),
    metric: MarkerMetricSchema.optional().describe(
      'Required for threshold markers (first_threshold … mlss): which of the `Marker` fields this is.',
    ),
    effective_from: isoDate
      .optional()
      .describe('Local date from which the value holds; default today (UTC).'),
    provenance: z.enum(['declared', 'external']).default('declared'),
    pinned: z
      .boolean()
      .default(true)
      .describe('Pinned values win over tests and models from their date on; unpinned ones compete by date.'),
    note: z.string().max(500).nullable().optional(),
  })
  .strict();
export type MarkerWrite = z.output<typeof MarkerWriteSchema>;

export const MarkerDeleteQuerySchema = z
  .object({
    sport: SportCodeSchema,
    metric: MarkerMetricSchema.optional(),
    effective_from: isoDate.optional().describe('Only the declaration of this date; default all of them.'),
  })
  .strict();

export const DeclaredMarkerSchema = z
  .object({
    id: z.string(),
    name: MarkerNameSchema,
    metric: z.string(),
    sport: z.string(),
    value: z.number(),
    unit: z.string(),
    effective_from: z.string(),
    provenance: z.enum(['declared', 'external']),
    pinned: z.boolean(),
    note: z.string().nullable(),
  })
  .meta({ id: 'DeclaredMarker' });
export type DeclaredMarker = z.infer<typeof DeclaredMarkerSchema>;
export const DeclaredMarkerListSchema = z.array(DeclaredMarkerSchema);
