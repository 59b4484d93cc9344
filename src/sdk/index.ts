export type {
  Activity,
  ActivityDataOptions,
  ActivityDetail,
  ActivityMeanMaxQuery,
  IntensityDurationModel,
  IntensityDurationModelQuery,
  LatestActivityQuery,
  ListActivitiesQuery,
  LongitudinalAggregateQuery,
  LongitudinalDataQuery,
  LongitudinalMeanMaxQuery,
  PeakformClientOptions,
  QueryOf,
  RowFormat,
  Source,
  TableRow,
  TabularResult,
  Thresholds,
  ThresholdsInput,
  TrainingLoadQuery,
  UploadFile,
} from './client.ts';
export { PeakformClient } from './client.ts';
export { PeakformApiError, PeakformResponseError, type Problem } from './errors.ts';
export { type QueryValue, toQueryString } from './query-string.ts';
