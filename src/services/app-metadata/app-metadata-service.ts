import { PeakformError } from '../../domain/errors.ts';
import {
  APP_METADATA_MAX_BYTES,
  APP_METADATA_MAX_DEPTH,
  PROFILE_APP_METADATA_MAX_BYTES,
} from '../../domain/wire-tests.ts';
import {
  type AppMetadataKind,
  compileAppMetadataOf,
  compileDeleteAppMetadata,
  compileRecordExists,
  compileUpsertAppMetadata,
} from '../../query/test-sql.ts';
import type { Store } from '../../store/store.ts';

/** The record kind of an id, by its prefix. */
const KIND_BY_PREFIX: Record<string, Exclude<AppMetadataKind, 'profile'>> = {
  act_: 'activity',
  tst_: 'test',
  trc_: 'trace',
};

const NOT_FOUND = {
  activity: 'ERR_ACTIVITY_NOT_FOUND',
  test: 'ERR_TEST_NOT_FOUND',
  trace: 'ERR_TRACE_NOT_FOUND',
  profile: 'ERR_APP_METADATA_NOT_FOUND',
} as const;

/** The caller as app metadata sees it: the client id of an application's token (WIRE.md §5.1). */
export interface MetadataCaller {
  audience?: string;
}

/**
 * App metadata (WIRE.md §3.4, §7.8): one JSON object per application, athlete and record, which
 * the server keeps but never interprets. Only the application that wrote it sees it, as
 * `app_metadata` on that record, and only with its own token; personal keys see nothing.
 */
export class AppMetadataService {
  constructor(private readonly store: Store) {}

  /** Replaces the calling application's object on a record (`recordId` ignored for the profile). */
  async set(
    athleteId: string,
    caller: MetadataCaller,
    kind: AppMetadataKind,
    recordId: string,
    value: unknown,
  ): Promise<void> {
    const clientId = applicationOf(caller);
    const id = kind === 'profile' ? '' : recordId;
    await this.assertRecord(athleteId, kind, id);
    const text = checkedText(
      value,
      kind === 'profile' ? PROFILE_APP_METADATA_MAX_BYTES : APP_METADATA_MAX_BYTES,
    );
    const upsert = compileUpsertAppMetadata(athleteId, clientId, kind, id, text);
    await this.store.write((tx) => tx.run(upsert.sql, upsert.params as never));
  }

  /** Removes the calling application's object; 404 when the record or the object does not exist. */
  async delete(
    athleteId: string,
    caller: MetadataCaller,
    kind: AppMetadataKind,
    recordId: string,
  ): Promise<void> {
    const clientId = applicationOf(caller);
    const id = kind === 'profile' ? '' : recordId;
    await this.assertRecord(athleteId, kind, id);
    const query = compileDeleteAppMetadata(athleteId, clientId, kind, id);
    const deleted = await this.store.write((tx) => tx.all(query.sql, query.params as never));
    if (deleted.length === 0) {
      throw new PeakformError(
        'ERR_APP_METADATA_NOT_FOUND',
        'This application has stored no app metadata here; there is nothing to delete.',
      );
    }
  }

  /** The calling application's object on the athlete's profile, or null. */
  async getProfile(athleteId: string, caller: MetadataCaller): Promise<Record<string, unknown> | null> {
    const clientId = applicationOf(caller);
    const [row] = await this.store.select<{ metadata: string }>(
      compileAppMetadataOf(athleteId, clientId, 'profile', ['']),
    );
    return row ? (JSON.parse(row.metadata) as Record<string, unknown>) : null;
  }

  /**
   * Fills `app_metadata` on every activity, test and trace object inside `value` (nested ones
   * too: a trace's activity and test, a test's traces and activities) with the calling
   * application's objects. Without an application token nothing is filled in (they stay null).
   */
  async attach<T>(athleteId: string, caller: MetadataCaller, value: T): Promise<T> {
    const clientId = caller.audience;
    if (clientId === undefined || value === null || typeof value !== 'object') return value;
    const holders = new Map<AppMetadataKind, Map<string, Record<string, unknown>[]>>();
    const stack: unknown[] = [value];
    while (stack.length > 0) {
      const item = stack.pop();
      if (Array.isArray(item)) {
        stack.push(...item);
      } else if (item !== null && typeof item === 'object') {
        const record = item as Record<string, unknown>;
        const id = record.id;
        if ('app_metadata' in record && typeof id === 'string') {
          const kind = KIND_BY_PREFIX[id.slice(0, 4)];
          if (kind) {
            const byId = holders.get(kind) ?? new Map<string, Record<string, unknown>[]>();
            holders.set(kind, byId);
            byId.set(id, [...(byId.get(id) ?? []), record]);
          }
        }
        for (const [key, child] of Object.entries(record))
          if (key === 'activity' || key === 'test' || key === 'traces' || key === 'activities')
            stack.push(child);
      }
    }
    await Promise.all(
      [...holders].map(async ([kind, byId]) => {
        const rows = await this.store.select<{ record_id: string; metadata: string }>(
          compileAppMetadataOf(athleteId, clientId, kind, [...byId.keys()]),
        );
        for (const row of rows)
          for (const record of byId.get(row.record_id) ?? []) record.app_metadata = JSON.parse(row.metadata);
      }),
    );
    return value;
  }

  private async assertRecord(athleteId: string, kind: AppMetadataKind, id: string): Promise<void> {
    if (kind === 'profile') return;
    const found = await this.store.select(compileRecordExists(athleteId, kind, id));
    if (found.length === 0) {
      throw new PeakformError(NOT_FOUND[kind], `No ${kind} ${id} for this athlete.`);
    }
  }
}

function applicationOf(caller: MetadataCaller): string {
  if (caller.audience === undefined) {
    throw new PeakformError(
      'ERR_APP_METADATA_APP_TOKEN',
      'App metadata belongs to an application: call with a token issued to your app (OAuth or `peakform token create --app`), not a personal API key.',
    );
  }
  return caller.audience;
}

/**
 * The compact UTF-8 JSON of a metadata object, checked: an object (422), at most
 * `APP_METADATA_MAX_DEPTH` levels (422; the object itself is level 1), at most `maxBytes` (413).
 */
export function checkedText(value: unknown, maxBytes: number): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PeakformError(
      'ERR_APP_METADATA_INVALID',
      'App metadata must be a JSON object, e.g. {"plan": "base", "week": 3}.',
    );
  }
  const depth = depthOf(value, APP_METADATA_MAX_DEPTH);
  if (depth > APP_METADATA_MAX_DEPTH) {
    throw new PeakformError(
      'ERR_APP_METADATA_TOO_DEEP',
      `App metadata may nest at most ${APP_METADATA_MAX_DEPTH} levels of objects and arrays; flatten it.`,
    );
  }
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new PeakformError(
      'ERR_APP_METADATA_TOO_LARGE',
      `App metadata is ${bytes} bytes as compact JSON; at most ${maxBytes} are kept here. Store less, or keep the rest in your app.`,
      413,
      { bytes, max_bytes: maxBytes },
    );
  }
  return text;
}

/** The nesting depth of objects and arrays (a scalar is 0), counted without recursion, stopping past `limit`. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return deepest;
}
