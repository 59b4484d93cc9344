import { type RecordBatch, RecordBatchReader, type Table, tableFromIPC } from 'apache-arrow';
import type { z } from 'zod';
import { type OperationId, ROUTES, type RouteSpec, type Routes } from '../contract/index.ts';
import { ProblemSchema, TABULAR_MEDIA_TYPES } from '../domain/wire.ts';
import { jwtExpiry, refreshTokens, type TokenSet } from './auth.ts';
import { PeakformApiError, PeakformResponseError } from './errors.ts';
import { type QueryValue, toQueryString } from './query-string.ts';
import { isRetryable, parseRetryAfter, type RetryOptions, retryDelay, sleep } from './retry.ts';

/**
 * A typed client generated from the route table: one method per operation of the contract
 * (`client.listActivities(...)`, `client.getLongitudinalMeanMax(...)`, …), with the request and
 * response types of its declaration. JSON routes return parsed, schema-checked bodies; tabular
 * routes return apache-arrow Tables (`…Stream` methods yield RecordBatches as they arrive).
 */

/** Query parameters as a caller writes them: the schema's input keys, repeated keys as arrays or one value. */
type OneOrMany<V> = V extends readonly (infer I)[] ? I | readonly I[] : V;
type QueryInput<S> = S extends z.ZodType
  ? { [K in keyof z.input<S>]?: K extends keyof z.output<S> ? OneOrMany<NonNullable<z.output<S>[K]>> : never }
  : never;

/** What an operation takes: path parameters, then query and body as its route declares them. */
export type OperationInput<R extends RouteSpec> = (R['params'] extends z.ZodType
  ? z.input<R['params']>
  : unknown) &
  (R['query'] extends z.ZodType ? QueryInput<R['query']> : unknown) &
  (R['body'] extends z.ZodType ? { body: z.input<R['body']> } : unknown) &
  (R['bodyType'] extends 'multipart' ? { files: readonly UploadFile[]; tags?: readonly string[] } : unknown);

/** What an operation returns. */
export type OperationOutput<R extends RouteSpec> = R['response'] extends {
  kind: 'json';
  schema: infer S extends z.ZodType;
}
  ? z.output<S>
  : R['response'] extends { kind: 'table' }
    ? Table
    : R['response'] extends { kind: 'ndjson'; schema: infer S extends z.ZodType }
      ? z.output<S>[]
      : undefined;

type HasRequired<R extends RouteSpec> = R['params'] extends z.ZodType
  ? true
  : R['body'] extends z.ZodType
    ? true
    : R['bodyType'] extends 'multipart'
      ? true
      : false;

export type OperationMethod<R extends RouteSpec> =
  HasRequired<R> extends true
    ? (input: OperationInput<R>) => Promise<OperationOutput<R>>
    : (input?: OperationInput<R>) => Promise<OperationOutput<R>>;

type TableOperationId = {
  [K in OperationId]: Routes[K]['response'] extends { kind: 'table' } ? K : never;
}[OperationId];

export type GeneratedMethods = { [K in OperationId]: OperationMethod<Routes[K]> } & {
  [K in TableOperationId as `${K}Stream`]: (input?: OperationInput<Routes[K]>) => AsyncGenerator<RecordBatch>;
};

export interface UploadFile {
  name: string;
  bytes: Uint8Array | Blob;
}

export interface PeakformClientOptions {
  /** Where the API lives, e.g. `http://localhost:8787` (no `/api/v1`). */
  baseUrl: string;
  /** A personal API key (`peakform token create --athlete A`) or an OAuth access token. */
  token?: string | undefined;
  /**
   * OAuth tokens to keep fresh instead of a fixed `token`: the access token is refreshed (POST
   * /api/v1/oauth/token, grant_type=refresh_token) a minute before it expires, and once after a
   * 401. `onRefresh` receives each new pair, to store it.
   */
  oauth?: OAuthSession | undefined;
  /** Retries of GET, PUT and DELETE on network errors, 429 and 5xx, honouring `Retry-After`. */
  retry?: RetryOptions | undefined;
  /** A fetch to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch | undefined;
}

export interface OAuthSession extends TokenSet {
  clientId: string;
  /** Confidential clients only; public (PKCE) clients refresh without one. */
  clientSecret?: string | undefined;
  onRefresh?: ((tokens: TokenSet) => void | Promise<void>) | undefined;
}

/** Refresh this long before the access token's expiry. */
const REFRESH_SKEW_MS = 60_000;

class ClientCore {
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #retry: RetryOptions;
  #token: string;
  #session: OAuthSession | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: PeakformClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    const token = options.oauth?.accessToken ?? options.token;
    if (!token) throw new TypeError('PeakformClient needs a token or oauth tokens');
    this.#token = token;
    this.#session = options.oauth && {
      ...options.oauth,
      expiresAt: options.oauth.expiresAt ?? jwtExpiry(options.oauth.accessToken),
    };
    this.#retry = options.retry ?? {};
    // Called unbound, never as a method of the client: browsers' fetch rejects a foreign `this`.
    this.#fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
  }

  /** The current tokens (after any refresh). */
  get tokens(): TokenSet {
    return { ...this.#session, accessToken: this.#token };
  }

  #canRefresh(): boolean {
    return Boolean(this.#session?.refreshToken && this.#session.clientId);
  }

  async #refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      const session = this.#session!;
      const next = await refreshTokens(this.#baseUrl, session.refreshToken!, session.clientId, {
        clientSecret: session.clientSecret,
        fetch: this.#fetch,
      });
      this.#session = { ...session, ...next };
      this.#token = next.accessToken;
      await session.onRefresh?.(next);
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #accessToken(): Promise<string> {
    const expiresAt = this.#session?.expiresAt;
    if (this.#canRefresh() && expiresAt !== undefined && expiresAt - REFRESH_SKEW_MS <= Date.now()) {
      await this.#refresh();
    }
    return this.#token;
  }

  async call(route: RouteSpec, input: Record<string, unknown> = {}, stream = false): Promise<unknown> {
    const { path, query, init } = this.#request(route, input);
    const response = await this.#send(route, path, query, init);
    const url = `${route.method} ${route.path}`;
    const kind = route.response.kind;
    if (kind === 'empty') {
      await response.body?.cancel();
      return undefined;
    }
    if (kind === 'table') {
      const body = response.body;
      if (!body) throw new PeakformResponseError(`${url} answered without a body`, response);
      if (stream) return RecordBatchReader.from(body);
      return tableFromIPC(new Uint8Array(await response.arrayBuffer()));
    }
    const text = await response.text();
    const schema = (route.response as { schema: z.ZodType }).schema;
    const values =
      kind === 'ndjson'
        ? text
            .split('\n')
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l))
        : [JSON.parse(text)];
    const parsed = values.map((value) => {
      const result = schema.safeParse(value);
      if (!result.success) {
        throw new PeakformResponseError(
          `${url} answered a body that breaks the contract`,
          response,
          result.error.issues,
        );
      }
      return result.data;
    });
    return kind === 'ndjson' ? parsed : parsed[0];
  }

  #request(route: RouteSpec, input: Record<string, unknown>) {
    const rest = { ...input };
    let path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = rest[name];
      delete rest[name];
      if (value === undefined) throw new TypeError(`${route.operationId} needs ${name}`);
      return encodeURIComponent(String(value));
    });
    path = path.replace(/\/$/, '/');
    const init: RequestInit = { method: route.method };
    if (route.bodyType === 'multipart') {
      const form = new FormData();
      for (const file of (rest.files as UploadFile[]) ?? []) {
        form.append(
          'files',
          file.bytes instanceof Blob ? file.bytes : new Blob([file.bytes as Uint8Array<ArrayBuffer>]),
          file.name,
        );
      }
      for (const tag of (rest.tags as string[] | undefined) ?? []) form.append('tags', tag);
      init.body = form;
      delete rest.files;
      delete rest.tags;
    } else if (route.body) {
      init.body = JSON.stringify(rest.body);
      init.headers = { 'content-type': 'application/json' };
      delete rest.body;
    }
    const query = route.response.kind === 'table' ? { ...rest, format: 'arrow' } : rest;
    return { path, query: query as Record<string, QueryValue>, init };
  }

  async #send(
    route: RouteSpec,
    path: string,
    query: Record<string, QueryValue>,
    init: RequestInit,
  ): Promise<Response> {
    const accept = route.response.kind === 'table' ? TABULAR_MEDIA_TYPES.arrow : 'application/json';
    const url = `${this.#baseUrl}${path}${toQueryString(query)}`;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(url, {
          ...init,
          headers: {
            ...(init.headers as Record<string, string>),
            authorization: `Bearer ${await this.#accessToken()}`,
            accept,
          },
        });
      } catch (error) {
        const wait = isRetryable(route.method, 'network')
          ? retryDelay(this.#retry, attempt, undefined)
          : undefined;
        if (wait === undefined) throw error;
        await sleep(wait);
        continue;
      }
      if (response.ok) return response;
      if (response.status === 401 && !refreshed && this.#canRefresh()) {
        await response.body?.cancel();
        refreshed = true;
        await this.#refresh();
        attempt--;
        continue;
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const wait = isRetryable(route.method, response.status)
        ? retryDelay(this.#retry, attempt, retryAfterMs)
        : undefined;
      if (wait !== undefined) {
        await response.body?.cancel();
        await sleep(wait);
        continue;
      }
      const text = await response.text();
      const problem = ProblemSchema.safeParse(parseJson(text));
      if (problem.success) {
        throw PeakformApiError.from(
          problem.data,
          retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
        );
      }
      throw new PeakformResponseError(
        `${route.method} ${path} answered ${response.status} without a problem body`,
        response,
      );
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Errors come back as `PeakformApiError` (status, code, detail, requestId); network errors propagate. */
export type PeakformClient = GeneratedMethods & {
  /** The tokens in use, refreshed ones included (with `oauth`). */
  readonly tokens: TokenSet;
};

interface PeakformClientConstructor {
  new (options: PeakformClientOptions): PeakformClient;
}

/** Builds the client's methods from the route table once; every instance shares them. */
export const PeakformClient = function PeakformClient(this: object, options: PeakformClientOptions) {
  const core = new ClientCore(options);
  const methods: Record<string, unknown> = {};
  for (const [operationId, route] of Object.entries(ROUTES) as [string, RouteSpec][]) {
    methods[operationId] = (input?: Record<string, unknown>) => core.call(route, input);
    if (route.response.kind === 'table') {
      methods[`${operationId}Stream`] = async function* (input?: Record<string, unknown>) {
        yield* (await core.call(route, input, true)) as AsyncIterable<RecordBatch>;
      };
    }
  }
  Object.defineProperty(this, 'tokens', { get: () => core.tokens, enumerable: false });
  return Object.assign(this, methods);
} as unknown as PeakformClientConstructor;
