export {
  beginSignIn,
  completeSignIn,
  createPkcePair,
  jwtExpiry,
  type PendingSignIn,
  type PkcePair,
  PUBLIC_SDK_CLIENT_ID,
  refreshTokens,
  type SignInOptions,
  type TokenSet,
} from './auth.ts';
export {
  type GeneratedMethods,
  type OAuthSession,
  type OperationInput,
  type OperationOutput,
  PeakformClient,
  type PeakformClientOptions,
  type UploadFile,
} from './client.ts';
export {
  PeakformApiError,
  PeakformAuthError,
  PeakformConflictError,
  PeakformNotFoundError,
  PeakformRateLimitError,
  PeakformResponseError,
  PeakformServerError,
  PeakformValidationError,
  type Problem,
} from './errors.ts';
export { type QueryValue, toQueryString } from './query-string.ts';
export { isRetryable, parseRetryAfter, type RetryOptions, retryDelay } from './retry.ts';
