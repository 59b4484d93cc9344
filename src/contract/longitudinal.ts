import {
  LongitudinalAccumulatedWorkDurationQuerySchema,
  LongitudinalAggregateQuerySchema,
  LongitudinalDataQuerySchema,
  LongitudinalMeanMaxQuerySchema,
} from '../domain/wire.ts';
import { AUTH_ERRORS, defineRoute, TABLE_ERRORS } from './route.ts';
import {
  LONGITUDINAL_ACCUMULATED_WORK_DURATION_TABLE,
  LONGITUDINAL_AGGREGATE_TABLE,
  LONGITUDINAL_DATA_TABLE,
  LONGITUDINAL_MEAN_MAX_TABLE,
} from './tables.ts';

const FORMATS =
  'Parquet by default (no Accept or */*); Arrow IPC stream (sent batch by batch), CSV or JSON by `Accept` or `?format=`.';
const RANGE =
  'Dates are local and inclusive; `sport` repeats (any of) and matches sub-sports (`cycling` matches `cycling.road`).';

export const LONGITUDINAL_ROUTES = {
  getLongitudinalMeanMax: defineRoute({
    operationId: 'getLongitudinalMeanMax',
    method: 'GET',
    path: '/api/v1/activities/longitudinal-mean-max',
    tag: 'longitudinal',
    summary: 'Best efforts over many activities, each naming the activity that set it',
    description: `The pointwise maximum of the activities' exact curves; ties go to the earliest activity. \`after\` (up to five kJ values, decimals accepted; 0 is the whole activity) gives fatigue-resistance curves in long format with an \`after\` column: 0 and the stored work ladder (250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000 kJ) come from stored curves over the whole range; any other value is computed from the power samples of the 365 days ending at \`end\`, as the modelled platform caps \`after\` queries. ${RANGE} ${FORMATS}`,
    scope: 'data:read',
    query: LongitudinalMeanMaxQuerySchema,
    response: { kind: 'table', table: LONGITUDINAL_MEAN_MAX_TABLE },
    errors: [
      ...AUTH_ERRORS,
      ...TABLE_ERRORS,
      'ERR_DATE_RANGE_INVALID',
      'ERR_DATE_RANGE_TOO_LONG',
      'ERR_AFTER_WORK_UNSUPPORTED',
      'ERR_AFTER_WORK_DURATIONS',
    ],
    aliases: ['/api/v1/longitudinal-mean-max'],
  }),
  getLongitudinalData: defineRoute({
    operationId: 'getLongitudinalData',
    method: 'GET',
    path: '/api/v1/activities/longitudinal-data',
    tag: 'longitudinal',
    summary: 'The samples of every matching activity, streamed',
    description: `Columns \`timestamp\`, \`timestamp_local\`, \`activity_id\`, \`sport\` and the metrics (default duration, power, heart_rate, speed). ${RANGE} ${FORMATS}`,
    scope: 'data:read',
    query: LongitudinalDataQuerySchema,
    response: { kind: 'table', table: LONGITUDINAL_DATA_TABLE },
    errors: [...AUTH_ERRORS, ...TABLE_ERRORS, 'ERR_DATE_RANGE_INVALID', 'ERR_DATE_RANGE_TOO_LONG'],
    aliases: ['/api/v1/longitudinal-data'],
  }),
  getLongitudinalAccumulatedWorkDuration: defineRoute({
    operationId: 'getLongitudinalAccumulatedWorkDuration',
    method: 'GET',
    path: '/api/v1/activities/longitudinal-accumulated-work-duration',
    tag: 'longitudinal',
    summary: 'Daily time at or above each intensity, summarised over the range (provisional)',
    description: `Per intensity: the highest daily time at or above it (\`max\`) and its 90th, 75th and 50th percentile over days with activity (\`hard\`, \`medium\`, \`easy\`). The modelled platform has not published its levels, so these are Peakform's and may change. ${RANGE} ${FORMATS}`,
    scope: 'data:read',
    query: LongitudinalAccumulatedWorkDurationQuerySchema,
    response: { kind: 'table', table: LONGITUDINAL_ACCUMULATED_WORK_DURATION_TABLE },
    errors: [...AUTH_ERRORS, ...TABLE_ERRORS, 'ERR_DATE_RANGE_INVALID', 'ERR_DATE_RANGE_TOO_LONG'],
  }),
  getLongitudinalAggregate: defineRoute({
    operationId: 'getLongitudinalAggregate',
    method: 'GET',
    path: '/api/v1/activities/longitudinal-aggregate',
    tag: 'longitudinal',
    summary: 'Totals per day, week, month or year (Peakform route)',
    description: `Per local-date bucket: count, elapsed, moving, distance, work, TSS, the reading-weighted mean and the max of each chosen metric and seconds per zone; empty buckets between the range's ends are included. ${RANGE} ${FORMATS}`,
    scope: 'data:read',
    query: LongitudinalAggregateQuerySchema,
    response: { kind: 'table', table: LONGITUDINAL_AGGREGATE_TABLE },
    errors: [...AUTH_ERRORS, ...TABLE_ERRORS, 'ERR_DATE_RANGE_INVALID', 'ERR_DATE_RANGE_TOO_LONG'],
  }),
} as const;
