import { sportMatches } from '../../domain/sport.ts';
import type { ActivityListQuery, ActivityRecord } from '../../domain/wire.ts';
import { compileAthleteActivities } from '../../query/catalog-sql.ts';
import type { Store } from '../../store/store.ts';
import { type ActivityRow, toActivityRecord } from './activity-wire.ts';

interface Entry {
  row: ActivityRow;
  record: ActivityRecord;
  localDate: string;
}

/** A filter as the list takes it, sports merged (`sport` and its alias `sports`). */
export type CatalogFilter = Pick<ActivityListQuery, 'start' | 'end' | 'tags' | 'limit' | 'offset'> & {
  sport?: readonly string[];
};

/**
 * One athlete's activities held in memory in the list's order (newest first, then id), each with
 * its catalog row and its wire record built once: a list page or a lookup by id is then a filter
 * over an array rather than a DuckDB query, summary JSON parse and record build per request.
 * Derived state, like the curve index: built on first use, dropped on every write for the athlete.
 */
export class ActivityCatalogView {
  private readonly byId: Map<string, Entry>;

  private constructor(private readonly entries: readonly Entry[]) {
    this.byId = new Map(entries.map((entry) => [entry.row.id, entry]));
  }

  static async load(store: Store, athleteId: string): Promise<ActivityCatalogView> {
    const rows = await store.select<ActivityRow & { local_date: string }>(
      compileAthleteActivities(athleteId),
    );
    return new ActivityCatalogView(
      rows.map(({ local_date, ...row }) => ({
        row,
        record: Object.freeze(toActivityRecord(row)),
        localDate: local_date,
      })),
    );
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * A page of the list, as the SQL of `compileActivityList` selects it: local dates inclusive,
   * any of the sports (DESIGN.md §2 matching), all of the tags. The records are the view's own,
   * frozen (so a response can reuse their encoded bytes); what they hold must not be changed.
   */
  list(filter: CatalogFilter): readonly Readonly<ActivityRecord>[] {
    const { start, end, sport, tags } = filter;
    const page: ActivityRecord[] = [];
    let skip = filter.offset;
    for (const entry of this.entries) {
      if (page.length >= filter.limit) break;
      if (start !== undefined && entry.localDate < start) continue;
      if (end !== undefined && entry.localDate > end) continue;
      if (sport && sport.length > 0 && !sport.some((s) => sportMatches(entry.row.sport, s))) continue;
      if (tags && tags.length > 0 && !tags.every((tag) => entry.row.tags?.includes(tag))) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      page.push(entry.record);
    }
    return page;
  }

  /** The catalog row of one activity (shared: not to be changed), or undefined. */
  row(activityId: string): ActivityRow | undefined {
    return this.byId.get(activityId)?.row;
  }
}
