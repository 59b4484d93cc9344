export {
  type GeneratedMethods,
  type OperationInput,
  type OperationOutput,
  PeakformClient,
  type PeakformClientOptions,
  type UploadFile,
} from './client.ts';
export { PeakformApiError, PeakformResponseError, type Problem } from './errors.ts';
export { type QueryValue, toQueryString } from './query-string.ts';
