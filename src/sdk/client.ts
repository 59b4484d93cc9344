import { type RecordBatch, RecordBatchReader, type Table, tableFromIPC } from 'apache-arrow';
import { z } from 'zod';
import {
  type ActivityDataQuerySchema,
  ActivityDetailSchema,
  type ActivityListQuerySchema,
  ActivityListSchema,
  ActivitySchema,
  type IntensityDurationModelQuerySchema,
  IntensityDurationModelSchema,
  type LatestActivityQuerySchema,
  type LongitudinalAggregateQuerySchema,
  type LongitudinalDataQuerySchema,
  type LongitudinalMeanMaxQuerySchema,
  type MeanMaxQuerySchema,
  ProblemSchema,
  SourceSchema,
  TABULAR_MEDIA_TYPES,
  type TabularFormat,
  ThresholdsListSchema,
  type ThresholdsSchema,
  type TrainingLoadQuerySchema,
  UploadResponseSchema,
} from '../domain/wire.ts';
import { PeakformApiError, PeakformResponseError } from './errors.ts';
import { type QueryValue, toQueryString } from './query-string.ts';

// ---- Types, all inferred from the wire contract ----

export type Activity = z.output<typeof ActivitySchema>;
export type ActivityDetail = z.output<typeof ActivityDetailSchema>;
export type Source = z.output<typeof SourceSchema>;
export type IntensityDurationModel = z.output<typeof IntensityDurationModelSchema>;
export type Thresholds = z.output<typeof ThresholdsSchema>;
export type ThresholdsInput = z.input<typeof ThresholdsSchema>;

/**
 * Query parameters as a caller writes them: the keys (and optionality) of the schema's input, with
 * the decoded types of its output — `string[]` for a repeated key (one item may be given bare),
 * numbers, booleans, `number[] | 'all'` for durations. `toQueryString` encodes them back onto the
 * wire, where the server's schema decodes them again.
 */
export type QueryOf<S extends z.ZodType> = {
  [K in keyof z.input<S>]: K extends keyof z.output<S> ? OneOrMany<z.output<S>[K]> : never;
};
type OneOrMany<V> = V extends readonly (infer Item)[] ? V | Item : V;

export type ListActivitiesQuery = QueryOf<typeof ActivityListQuerySchema>;
export type LatestActivityQuery = QueryOf<typeof LatestActivityQuerySchema>;
export type ActivityMeanMaxQuery = Omit<QueryOf<typeof MeanMaxQuerySchema>, 'format'>;
export type LongitudinalMeanMaxQuery = Omit<QueryOf<typeof LongitudinalMeanMaxQuerySchema>, 'format'>;
export type LongitudinalDataQuery = Omit<QueryOf<typeof LongitudinalDataQuerySchema>, 'format'>;
export type LongitudinalAggregateQuery = Omit<QueryOf<typeof LongitudinalAggregateQuerySchema>, 'format'>;
export type IntensityDurationModelQuery = QueryOf<typeof IntensityDurationModelQuerySchema>;
export type TrainingLoadQuery = Omit<QueryOf<typeof TrainingLoadQuerySchema>, 'format'>;
export type ActivityDataOptions = Omit<QueryOf<typeof ActivityDataQuerySchema>, 'format'>;

/** A row of a JSON table: column name → value; instants are ISO 8601 strings, missing readings null. */
export type TableRow = Record<string, string | number | boolean | null>;
/** The formats the longitudinal table routes are read in: row objects or an Arrow table. */
export type RowFormat = 'json' | 'arrow';
/** What a table arrives as: Arrow `Table`, CSV text, Parquet bytes or JSON row objects. */
export type TabularResult<F extends TabularFormat> = F extends 'arrow'
  ? Table
  : F extends 'csv'
    ? string
    : F extends 'parquet'
      ? Uint8Array
      : TableRow[];

export interface UploadFile {
  name: string;
  bytes: Uint8Array | Blob;
}

export interface PeakformClientOptions {
  /** Where the API lives, e.g. `http://localhost:8787` (no `/api/v1`). */
  baseUrl: string;
  /** A personal API key (`peakform token create --athlete A`). */
  token: string;
  /** A fetch to use instead of the global one (tests, proxies, retries). */
  fetch?: typeof fetch;
}

const MEDIA_TYPES: Record<TabularFormat, string> = TABULAR_MEDIA_TYPES;

const TableRowsSchema = z.array(
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
) satisfies z.ZodType<TableRow[]>;

interface RequestSpec {
  query?: Readonly<Record<string, QueryValue>>;
  /** FormData is sent as multipart; anything else as JSON. */
  body?: unknown;
  accept: string;
}

/**
 * A typed client for the Peakform HTTP API. Every method sends the bearer token, validates the
 * response against the wire contract, and throws `PeakformApiError` when the server answers with a
 * problem or `PeakformResponseError` when the answer breaks the contract; network errors propagate.
 */
export class PeakformClient {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: PeakformClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    // Called unbound, never as a method of the client: browsers' fetch rejects a foreign `this`.
    this.#fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
  }

  // ---- Activities ----

  /** Activities newest first; dates are local and inclusive; `sport` matches sub-sports. */
  async listActivities(query: ListActivitiesQuery = {}): Promise<Activity[]> {
    return (await this.#json('GET', '/api/v1/activities', ActivityListSchema, { query })).data;
  }

  /** The most recent activity, optionally of one sport; throws 404 `ERR_ACTIVITY_NOT_FOUND` when none. */
  latestActivity(query: LatestActivityQuery = {}): Promise<Activity> {
    return this.#json('GET', '/api/v1/activities/latest', ActivitySchema, { query });
  }

  /** One activity with its summary, laps, device and data-quality issues. */
  getActivity(id: string): Promise<ActivityDetail> {
    return this.#json('GET', `/api/v1/activities/${encodeURIComponent(id)}`, ActivityDetailSchema);
  }

  /** Deletes an activity (its samples and catalog rows; the original file is kept). */
  async deleteActivity(id: string): Promise<void> {
    const response = await this.#send('DELETE', `/api/v1/activities/${encodeURIComponent(id)}`, {
      accept: 'application/json',
    });
    await response.body?.cancel();
  }

  /** An uploaded file: its status, error and the activity ids it produced. */
  getSource(id: string): Promise<Source> {
    return this.#json('GET', `/api/v1/sources/${encodeURIComponent(id)}`, SourceSchema);
  }

  /**
   * Uploads up to 10 files (FIT, TCX, GPX, CSV) as multipart/form-data and returns one source per
   * file (`processed`, `duplicate` or `failed`). When no file could be read the server answers 422
   * and this throws `PeakformApiError` `ERR_UPLOAD_UNREADABLE`; its `problem.sources` holds the
   * failed sources with their reasons.
   */
  async upload(files: readonly UploadFile[], options: { tags?: readonly string[] } = {}): Promise<Source[]> {
    const form = new FormData();
    for (const file of files) {
      const blob = file.bytes instanceof Blob ? file.bytes : new Blob([file.bytes]);
      form.append('file', blob, file.name);
    }
    for (const tag of options.tags ?? []) form.append('tags', tag);
    const uploaded = await this.#json('POST', '/api/v1/activities/upload', UploadResponseSchema, {
      body: form,
    });
    return uploaded.sources;
  }

  /**
   * The per-second samples of an activity (`timestamp` in UTC and the chosen metrics; missing
   * readings are null): an Arrow `Table`, JSON row objects, CSV text or Parquet bytes.
   */
  async activityData<F extends TabularFormat>(
    id: string,
    options: ActivityDataOptions & { format: F },
  ): Promise<TabularResult<F>> {
    return this.#table(`/api/v1/activities/${encodeURIComponent(id)}/data`, options);
  }

  /**
   * The samples of an activity as Arrow record batches, read as they arrive, so a result larger
   * than memory can be processed batch by batch. The request is sent when iteration starts, so a
   * problem (a 404, a bad token) is thrown by the first `next()`; breaking out of the loop cancels
   * the download.
   */
  async *activityDataStream(id: string, options: ActivityDataOptions = {}): AsyncGenerator<RecordBatch> {
    const path = `/api/v1/activities/${encodeURIComponent(id)}/data`;
    const response = await this.#send('GET', path, {
      query: { ...options, format: 'arrow' },
      accept: MEDIA_TYPES.arrow,
    });
    const body = expectBody(response, 'arrow', `GET ${path}`);
    yield* await RecordBatchReader.from(body);
  }

  // ---- Curves, aggregates, models, load, thresholds ----

  /** One activity's mean-max curve (best mean for each duration) of power, speed or heart rate. */
  activityMeanMax<F extends RowFormat = 'json'>(
    id: string,
    query: ActivityMeanMaxQuery & { format?: F } = {},
  ): Promise<TabularResult<F>> {
    return this.#table(`/api/v1/activities/${encodeURIComponent(id)}/mean-max`, query);
  }

  /** The best mean-max curve over a date range and sports, optionally after kJ of prior work. */
  longitudinalMeanMax<F extends RowFormat = 'json'>(
    query: LongitudinalMeanMaxQuery & { format?: F } = {},
  ): Promise<TabularResult<F>> {
    return this.#table('/api/v1/activities/longitudinal-mean-max', query);
  }

  /** The samples of every activity in a date range, one table. */
  longitudinalData<F extends RowFormat = 'json'>(
    query: LongitudinalDataQuery & { format?: F } = {},
  ): Promise<TabularResult<F>> {
    return this.#table('/api/v1/activities/longitudinal-data', query);
  }

  /** Per-interval (day, week, month, year) totals and metric means/maxima over a date range. */
  longitudinalAggregate<F extends RowFormat = 'json'>(
    query: LongitudinalAggregateQuery & { format?: F } = {},
  ): Promise<TabularResult<F>> {
    return this.#table('/api/v1/activities/longitudinal-aggregate', query);
  }

  /** A critical-power (or critical-speed) model fitted to the best efforts of a date range. */
  intensityDurationModel(query: IntensityDurationModelQuery = {}): Promise<IntensityDurationModel> {
    return this.#json('GET', '/api/v1/profile/intensity-duration-model', IntensityDurationModelSchema, {
      query,
    });
  }

  /** Daily training load (stress, fitness, fatigue) over a date range. */
  trainingLoad<F extends RowFormat = 'json'>(
    query: TrainingLoadQuery & { format?: F } = {},
  ): Promise<TabularResult<F>> {
    return this.#table('/api/v1/profile/training-load', query);
  }

  /** Every threshold set of the athlete (FTP, CP, W′, heart rates, weight by sport and date). */
  async getThresholds(): Promise<Thresholds[]> {
    return (await this.#json('GET', '/api/v1/profile/thresholds', ThresholdsListSchema)).data;
  }

  /** Stores one threshold set (per sport and effective date) and returns them all. */
  async putThresholds(thresholds: ThresholdsInput): Promise<Thresholds[]> {
    return (await this.#json('PUT', '/api/v1/profile/thresholds', ThresholdsListSchema, { body: thresholds }))
      .data;
  }

  // ---- The one way a request is made ----

  async #send(method: string, path: string, spec: RequestSpec): Promise<Response> {
    const url = `${this.#baseUrl}${path}${toQueryString(spec.query)}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: spec.accept };
    let body: FormData | string | undefined;
    if (spec.body instanceof FormData) body = spec.body;
    else if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    const response = await this.#fetch(url, { method, headers, body });
    if (!response.ok) throw await readError(response, `${method} ${path}`);
    return response;
  }

  async #json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    spec: Omit<RequestSpec, 'accept'> = {},
  ): Promise<z.output<S>> {
    const response = await this.#send(method, path, { ...spec, accept: MEDIA_TYPES.json });
    return readJson(response, schema, `${method} ${path}`);
  }

  async #table<F extends TabularFormat>(
    path: string,
    query: Readonly<Record<string, QueryValue>> & { format?: F },
  ): Promise<TabularResult<F>> {
    const format: TabularFormat = query.format ?? 'json';
    const response = await this.#send('GET', path, {
      query: { ...query, format },
      accept: MEDIA_TYPES[format],
    });
    const label = `GET ${path}`;
    const body = expectBody(response, format, label);
    const result =
      format === 'arrow'
        ? await tableFromIPC(body)
        : format === 'csv'
          ? await response.text()
          : format === 'parquet'
            ? new Uint8Array(await response.arrayBuffer())
            : await readJson(response, TableRowsSchema, label);
    return result as TabularResult<F>;
  }
}

/** Checks that a 2xx table answer is in the format asked for and has a body, and returns the body. */
function expectBody(response: Response, format: TabularFormat, label: string): ReadableStream<Uint8Array> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith(MEDIA_TYPES[format])) {
    void response.body?.cancel();
    throw new PeakformResponseError(
      `${label} answered with content type "${type}", not ${MEDIA_TYPES[format]} as asked.`,
      response,
    );
  }
  if (!response.body) throw new PeakformResponseError(`${label} answered with no body.`, response);
  return response.body;
}

async function readJson<S extends z.ZodType>(
  response: Response,
  schema: S,
  label: string,
): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new PeakformResponseError(
      `${label} answered ${response.status} with a body that is not JSON.`,
      response,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new PeakformResponseError(
      `${label}: the response does not match the wire contract; are the SDK and the server the same version?\n${z.prettifyError(parsed.error)}`,
      response,
      parsed.error.issues,
    );
  }
  return parsed.data;
}

/** A problem body becomes `PeakformApiError`; any other error answer is a `PeakformResponseError`. */
async function readError(response: Response, label: string): Promise<Error> {
  const text = await response.text().catch(() => '');
  if ((response.headers.get('content-type') ?? '').startsWith('application/problem+json')) {
    const parsed = ProblemSchema.safeParse(parseJsonOrUndefined(text));
    if (parsed.success) return new PeakformApiError(parsed.data);
  }
  const excerpt = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new PeakformResponseError(
    `${label} answered ${response.status} ${response.statusText} without a problem+json body${excerpt ? `: ${excerpt}` : '.'}`,
    response,
  );
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
