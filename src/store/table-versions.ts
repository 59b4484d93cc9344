/**
 * Counts the writes to each catalog table, so that a reader can keep what it derived from a few
 * tables for as long as none of them changed (ingest's thresholds, read before every upload from
 * four tables that uploads never write). The database bumps a table after every transaction that
 * wrote it has ended, so a version read before a query never labels data older than itself.
 * Anything whose target cannot be told (DDL, an unrecognised statement) bumps every table: a
 * mistake here can only cost a cache miss, never serve stale data.
 */
export class TableVersions {
  static #instances = 0;
  /** Keys of two databases never meet, so a cache outside one may hold both. */
  readonly #instance = TableVersions.#instances++;
  #epoch = 0;
  readonly #versions = new Map<string, number>();

  /**
   * A key that differs from every earlier key of the same tables once any of them was written, and
   * from every key of another `TableVersions`.
   */
  of(tables: readonly string[]): string {
    let key = `${this.#instance}/${this.#epoch}`;
    for (const table of tables) key += `:${this.#versions.get(table.toLowerCase()) ?? 0}`;
    return key;
  }

  bump(written: WrittenTables): void {
    if (written === 'all') {
      this.#epoch++;
      return;
    }
    for (const table of written) this.#versions.set(table, (this.#versions.get(table) ?? 0) + 1);
  }
}

/**
 * Values per key (an athlete) kept under the table version (`TableVersions.of`) they were derived
 * at: one is answered only while the version is the same, and past `limit` keys the oldest goes.
 * A null version (a transaction that wrote one of the tables) neither answers nor keeps.
 */
export class VersionedMemo<T> {
  readonly #entries = new Map<string, { version: string; value: T }>();

  constructor(private readonly limit: number) {}

  get(key: string, version: string | null): T | undefined {
    const entry = this.#entries.get(key);
    return version !== null && entry?.version === version ? entry.value : undefined;
  }

  set(key: string, version: string | null, value: T): void {
    this.#entries.delete(key);
    if (version === null) return;
    if (this.#entries.size >= this.limit) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { version, value });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** The tables a statement may write: none, some (lower case), or any. */
export type WrittenTables = ReadonlySet<string> | 'all';

const NONE: ReadonlySet<string> = new Set();

/** Statements that read and write no table (a `COPY (query) TO file` writes only its file). */
const READ_ONLY =
  /^(?:SELECT|FROM|DESCRIBE|SHOW|SUMMARIZE|EXPLAIN|PRAGMA\s+(?:table_info|show|database_size|version)|COPY\s*\(|BEGIN|COMMIT|ROLLBACK|CHECKPOINT|FORCE\s+CHECKPOINT|SET|RESET)\b/i;

/** Words of a statement that may write: a `WITH` query without any is a read. */
const WRITE_WORD = /\b(?:INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE)\b/i;

/** A table a DML statement names as its target, possibly schema-qualified or quoted. */
const TARGET =
  /\b(?:INSERT\s+(?:OR\s+(?:REPLACE|IGNORE)\s+)?INTO|MERGE\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|COPY)\s+((?:"[^"]+"|\w+)(?:\s*\.\s*(?:"[^"]+"|\w+))*)/gi;

/** Statement kinds whose targets TARGET finds; anything else (DDL, ATTACH, …) counts as all. */
const DML = /^(?:INSERT|MERGE|UPDATE|DELETE|TRUNCATE|COPY|WITH)\b/i;

/**
 * The tables `sql` may write. Conservative: an `ON CONFLICT DO UPDATE SET` or a keyword inside a
 * string literal adds names that are not tables (one more bump), and a statement that is neither a
 * plain read nor DML whose targets are found bumps every table.
 */
export function writtenTables(sql: string): WrittenTables {
  const text = sql.replace(/^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
  if (READ_ONLY.test(text) || (/^WITH\b/i.test(text) && !WRITE_WORD.test(text))) return NONE;
  if (!DML.test(text)) return 'all';
  const tables = new Set<string>();
  for (const match of text.matchAll(TARGET)) {
    const parts = match[1]!.split('.');
    tables.add(parts[parts.length - 1]!.trim().replace(/^"|"$/g, '').toLowerCase());
  }
  return tables.size > 0 ? tables : 'all';
}
