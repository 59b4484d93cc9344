import { resolve } from 'node:path';
import {
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  DuckDBTableFunction,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  DuckDBVector,
  INTEGER,
  JSDuckDBValueConverter,
} from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import { PeakformError } from '../domain/errors.ts';
import type { ColumnBatch, ColumnType, RawData, ResultColumn } from './column-batch.ts';
import { TableVersions, type WrittenTables, writtenTables } from './table-versions.ts';

const STREAMING_BUFFER = '64MB';
/**
 * Read connections kept open between reads. A burst of concurrent requests (50 connections) opens
 * one each; keeping them spares the next burst a connect, a SET and a close per request.
 */
const MAX_IDLE_READERS = 64;

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;

/**
 * The one door to DuckDB: one instance per process (a new one costs ~45 ms), a small pool of read
 * connections, and one write connection whose transactions are serialized. DuckDB errors are
 * wrapped here, once.
 */
/**
 * Catalog files this process has open. DuckDB's file lock keeps other processes out, but a second
 * open of the same file in this process succeeds and the two instances then corrupt the catalog.
 */
const OPEN_IN_THIS_PROCESS = new Set<string>();

export class Database {
  private readonly idleReaders: DuckDBConnection[] = [];
  private writeQueue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The write connection's `typed_columns(id)` table function and the columns it reads. */
  private readonly typedColumns: TypedColumns;
  /** The write connection's statements with parameters, prepared once (see `PreparedStatements`). */
  private readonly preparedWrites: PreparedStatements;
  /** Writes per table, for readers that cache what they derive from a few tables. */
  private readonly versions = new TableVersions();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    /** The catalog file, or null for an in-memory instance. */
    private readonly path: string | null,
  ) {
    this.preparedWrites = new PreparedStatements(writer);
    this.typedColumns = new TypedColumns(writer);
  }

  /**
   * An in-memory instance with no catalog of its own, for work that only turns staged rows into
   * files (the lake's Parquet writes). `threads` bounds DuckDB's workers: for many small COPYs one
   * thread spends less CPU than a pool (see `Store`).
   */
  static async inMemory(options: { threads: number }): Promise<Database> {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      threads: String(options.threads),
    });
    return new Database(instance, await instance.connect(), null);
  }

  static async open(file: string): Promise<Database> {
    const path = resolve(file);
    if (OPEN_IN_THIS_PROCESS.has(path)) {
      throw new PeakformError(
        'ERR_STORE_LOCKED',
        `The data directory is already open in this process (${path}). Use the engine that holds it.`,
        409,
        { pid: process.pid, program: process.argv[1] ?? process.execPath },
      );
    }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, {
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/lock/i.test(message)) {
        // DuckDB names the holder ("Conflicting lock is held in /usr/bin/node (PID 123)"): pass it on.
        const holder = /held in (.+?) \(PID (\d+)\)/.exec(message);
        throw new PeakformError(
          'ERR_STORE_LOCKED',
          `The data directory is in use by another Peakform process (${path}${holder ? `; held by PID ${holder[2]}, ${holder[1]}` : ''}). Stop it (e.g. the running server) or upload through its API instead.`,
          409,
          holder ? { pid: Number(holder[2]), program: holder[1] } : undefined,
        );
      }
      throw error;
    }
    const writer = await instance.connect();
    OPEN_IN_THIS_PROCESS.add(path);
    return new Database(instance, writer, path);
  }

  /**
   * A key that changes whenever any of `tables` may have changed (see `TableVersions`): what was
   * read from them under one key can be kept until the key changes.
   */
  tableVersion(tables: readonly string[]): string {
    return this.versions.of(tables);
  }

  /** Runs a read on a pooled connection. */
  async all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    try {
      return await this.withReader(async (connection) => {
        const reader = await wrap(sql, () => connection.runAndReadAll(sql, params));
        return reader.convertRowObjects(JSDuckDBValueConverter) as T[];
      });
    } finally {
      this.noteAutocommit(sql);
    }
  }

  /**
   * Streams a read chunk by chunk as columnar batches, so memory stays bounded. The next chunk is
   * requested before the current one is handed out, so DuckDB works while the consumer does.
   * `groupedColumns` names text columns whose equal values come in runs (e.g. `activity_id` when
   * files are read in order): a chunk whose first and last values agree is constant and arrives
   * coded, without a string per row.
   */
  async *stream(
    sql: string,
    params?: SqlParams,
    groupedColumns: readonly string[] = [],
  ): AsyncGenerator<ColumnBatch> {
    const connection = await this.acquireReader();
    let pending: Promise<DuckDBDataChunk | null> | undefined;
    this.noteAutocommit(sql);
    try {
      const result = await wrap(sql, () => connection.stream(sql, params));
      const names = result.deduplicatedColumnNames();
      const types = result.columnTypes().map(toColumnType);
      const grouped = names.map((name) => groupedColumns.includes(name));
      let yielded = false;
      pending = wrap(sql, () => result.fetchChunk());
      for (;;) {
        const chunk = await pending;
        pending = undefined;
        if (!chunk || chunk.rowCount === 0) break;
        pending = wrap(sql, () => result.fetchChunk());
        yielded = true;
        yield {
          rowCount: chunk.rowCount,
          columns: names.map((name, i) => resultColumn(name, types[i]!, chunk, i, grouped[i]!)),
        };
      }
      // An empty result still carries its schema, so that writers can describe it.
      if (!yielded)
        yield { rowCount: 0, columns: names.map((name, i) => ({ name, type: types[i]!, values: [] })) };
    } finally {
      // A consumer that stops early leaves a fetch in flight; it must settle before the connection is reused.
      await pending?.catch(() => undefined);
      this.releaseReader(connection);
    }
  }

  /** Runs statements on the write connection, one caller at a time, in a transaction. */
  async write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const next = this.writeQueue.then(async () => {
      await this.writer.run('BEGIN TRANSACTION');
      const tx = new WriteTransaction(this.writer, this.preparedWrites, this.typedColumns, this.versions);
      try {
        const result = await work(tx);
        await this.writer.run('COMMIT');
        tx.committed();
        return result;
      } catch (error) {
        await this.writer.run('ROLLBACK');
        throw error;
      } finally {
        // After the transaction ended, so that a version read before a query is never newer than its data.
        this.versions.bump(tx.written);
      }
    });
    this.writeQueue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` on the write connection in a transaction that is always rolled back: for staging
   * rows that only a statement with effects outside the catalog (a COPY to a file) reads, so they
   * never need deleting.
   */
  async scratch<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const next = this.writeQueue.then(async () => {
      await this.writer.run('BEGIN TRANSACTION');
      try {
        return await work(
          new WriteTransaction(this.writer, this.preparedWrites, this.typedColumns, this.versions),
        );
      } finally {
        await this.writer.run('ROLLBACK');
      }
    });
    this.writeQueue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` between writes with the write connection to itself, outside a transaction:
   * nothing commits while it runs (a backup's consistent copy of the catalog and its files).
   */
  async exclusive<T>(work: (run: (sql: string) => Promise<void>) => Promise<T>): Promise<T> {
    const next = this.writeQueue.then(async () => {
      try {
        return await work(async (sql) => {
          await wrap(sql, () => this.writer.run(sql));
        });
      } finally {
        this.versions.bump('all');
      }
    });
    this.writeQueue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs one statement on the write connection (a COPY of a query, typically) that reads typed
   * columns as a table: `sql` gets the FROM item, `typed_columns(<id>)`, which DuckDB scans chunk
   * by chunk straight from the arrays. No staging table: appending a 6 h ride's 21,666 rows × 13
   * columns to one cost 9 ms of CPU, as much as the COPY itself. NaN is NULL in a column flagged
   * `nullWhereNaN`.
   */
  async runOverTypedColumns(
    columns: readonly TypedColumnSource[],
    sql: (from: string) => string,
  ): Promise<void> {
    await this.typedColumns.over(columns, (from) => this.exec(sql(from)));
  }

  /** Runs one statement outside a transaction on the write connection (DDL, COPY). */
  async exec(sql: string, params?: SqlParams): Promise<void> {
    const next = this.writeQueue.then(async () => {
      try {
        await wrap(sql, () => this.writer.run(sql, params));
      } finally {
        this.versions.bump(writtenTables(sql));
      }
    });
    this.writeQueue = next.catch(() => undefined);
    await next;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.idleReaders) connection.closeSync();
    this.preparedWrites.clear();
    this.writer.closeSync();
    this.instance.closeSync();
    if (this.path !== null) OPEN_IN_THIS_PROCESS.delete(this.path);
  }

  /** A statement run outside `write` commits on its own: it bumps what it wrote once it is done. */
  private noteAutocommit(sql: string): void {
    const written = writtenTables(sql);
    if (written === 'all' || written.size > 0) this.versions.bump(written);
  }

  private async withReader<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.acquireReader();
    try {
      return await work(connection);
    } finally {
      this.releaseReader(connection);
    }
  }

  private async acquireReader(): Promise<DuckDBConnection> {
    const idle = this.idleReaders.pop();
    if (idle) return idle;
    const connection = await this.instance.connect();
    // Lets a streamed query run ahead of its consumer in parallel: with the default ~1 MB buffer
    // DuckDB mostly waits while JS handles a chunk (measured on the bench lake: 2.4 → 6 M rows/s).
    await connection.run(`SET streaming_buffer_size = '${STREAMING_BUFFER}'`);
    return connection;
  }

  private releaseReader(connection: DuckDBConnection): void {
    if (this.closed || this.idleReaders.length >= MAX_IDLE_READERS) connection.closeSync();
    else this.idleReaders.push(connection);
  }
}

export class WriteTransaction {
  private readonly commitHooks: (() => void)[] = [];
  /** The tables this transaction's statements may have written (see `TableVersions`). */
  written: Set<string> | 'all' = new Set();

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly prepared: PreparedStatements,
    private readonly typedColumns: TypedColumns,
    private readonly versions: TableVersions,
  ) {}

  /**
   * `Database.tableVersion` of `tables` as this transaction sees them, or null when it has written
   * one of them: its own writes are counted only once it ends.
   */
  tableVersion(tables: readonly string[]): string | null {
    const written = this.written;
    if (written === 'all' || tables.some((table) => written.has(table.toLowerCase()))) return null;
    return this.versions.of(tables);
  }

  /** `Database.runOverTypedColumns` inside this transaction; `params` as for `run`. */
  async runOverTypedColumns(
    columns: readonly TypedColumnSource[],
    sql: (from: string) => string,
    params?: SqlParams,
  ): Promise<void> {
    await this.typedColumns.over(columns, async (from) => {
      const text = sql(from);
      this.note(writtenTables(text));
      // Not kept prepared: the FROM item names a new id each time.
      await wrap(text, () => this.connection.run(text, params));
    });
  }

  /** Runs `hook` once this transaction has committed (never when it rolls back); hooks must not throw. */
  afterCommit(hook: () => void): void {
    this.commitHooks.push(hook);
  }

  private note(tables: WrittenTables): void {
    if (this.written === 'all') return;
    if (tables === 'all') this.written = 'all';
    else for (const table of tables) this.written.add(table);
  }

  /** Called by `Database.write` after COMMIT. */
  committed(): void {
    for (const hook of this.commitHooks.splice(0)) hook();
  }

  async run(sql: string, params?: SqlParams): Promise<void> {
    this.note(writtenTables(sql));
    await wrap(sql, async () => {
      if (params) await (await this.prepared.bound(sql, params)).run();
      else await this.connection.run(sql);
    });
  }

  async all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    this.note(writtenTables(sql));
    const reader = await wrap(sql, async () =>
      params ? (await this.prepared.bound(sql, params)).runAndReadAll() : this.connection.runAndReadAll(sql),
    );
    return reader.convertRowObjects(JSDuckDBValueConverter) as T[];
  }

  /** Bulk-loads columns into a table through the appender, 2048 rows per data chunk. */
  async append(
    table: string,
    types: DuckDBType[],
    columns: readonly (readonly DuckDBValue[])[],
  ): Promise<void> {
    this.note(new Set([table.toLowerCase()]));
    const appender = await this.connection.createAppender(table);
    const rowCount = columns[0]?.length ?? 0;
    for (let offset = 0; offset < rowCount; offset += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rowCount - offset);
      const chunk = DuckDBDataChunk.create(types, n);
      chunk.setColumns(columns.map((column) => column.slice(offset, offset + n)));
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
  }

  /**
   * Bulk-loads a few rows of (VARCHAR, LIST(fixed width), …) whose lists are typed arrays, copying
   * each list's buffer at once (the driver's list values take a JS value per element: 4 of an
   * activity's 7 ms for its curves file). In row r, list column c holds `rows[r].lists[c]`, and its
   * element i is NULL wherever `rows[r].nullWhereNaN[i]` is NaN (a curve's durations without a
   * window). At most 2048 rows.
   */
  async appendListRows(
    table: string,
    types: DuckDBType[],
    rows: readonly { key: string; lists: readonly TypedColumn[]; nullWhereNaN: Float64Array }[],
  ): Promise<void> {
    if (rows.length > CHUNK_ROWS) throw new Error(`appendListRows: more than ${CHUNK_ROWS} rows`);
    this.note(new Set([table.toLowerCase()]));
    const chunk = DuckDBDataChunk.create(types, rows.length);
    chunk.setColumnValues(
      0,
      rows.map((row) => row.key),
    );
    const validity = rows.map((row) => nanToValidity(row.nullWhereNaN));
    for (let column = 1; column < types.length; column++) {
      const lists = rows.map((row) => row.lists[column - 1]!);
      fillListVector(chunk.getColumnVector(column) as unknown as RawListVector, lists, validity);
    }
    const appender = await this.connection.createAppender(table);
    appender.appendDataChunk(chunk);
    appender.closeSync();
  }
}

/** What `appendListRows` reaches of the driver's list vector (its own flush takes a JS value per element). */
interface RawListVector {
  vector: unknown;
  entryData: BigUint64Array<ArrayBuffer>;
  listType: { valueType: DuckDBType };
}

/**
 * Writes typed-array lists into a list vector of a fresh data chunk: the entries (offset, length)
 * of each row, then every element into the child vector at once, with its validity mask.
 */
function fillListVector(
  target: RawListVector,
  lists: readonly TypedColumn[],
  validity: (BigUint64Array | null)[],
): void {
  const raw = target.vector as never;
  let total = 0;
  for (const [row, list] of lists.entries()) {
    target.entryData[row * 2] = BigInt(total);
    target.entryData[row * 2 + 1] = BigInt(list.length);
    total += list.length;
  }
  bindings.list_vector_reserve(raw, total);
  bindings.list_vector_set_size(raw, total);
  const child = DuckDBVector.create(
    bindings.list_vector_get_child(raw),
    total,
    target.listType.valueType,
  ) as unknown as {
    items: TypedColumn;
    validity: { data: BigUint64Array | null };
    flush(): void;
  };
  if (child.items.BYTES_PER_ELEMENT !== (lists[0]?.BYTES_PER_ELEMENT ?? child.items.BYTES_PER_ELEMENT)) {
    throw new Error('appendListRows: a list has the wrong width');
  }
  let offset = 0;
  let mask: BigUint64Array | null = null;
  for (const [row, list] of lists.entries()) {
    child.items.set(list as never, offset);
    const rowMask = validity[row];
    if (rowMask) {
      mask ??= new BigUint64Array(Math.ceil(total / 64)).fill(0xffff_ffff_ffff_ffffn);
      copyBits(rowMask, list.length, mask, offset);
    }
    offset += list.length;
  }
  child.validity.data = mask;
  child.flush();
  bindings.copy_data_to_vector(
    raw,
    0,
    target.entryData.buffer,
    target.entryData.byteOffset,
    target.entryData.byteLength,
  );
}

/** A validity mask (bit i set = valid) that is clear where `values[i]` is NaN; null when none is. */
function nanToValidity(values: ArrayLike<number>): BigUint64Array<ArrayBuffer> | null {
  let mask: Uint32Array<ArrayBuffer> | null = null;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i]!)) continue;
    mask ??= new Uint32Array(Math.ceil(values.length / 64) * 2).fill(0xffff_ffff);
    // Little-endian: bit i of the 64-bit word i >> 6 is bit (i & 31) of 32-bit word i >> 5.
    mask[i >>> 5]! &= ~(1 << (i & 31));
  }
  return mask && new BigUint64Array(mask.buffer);
}

/** Copies `count` bits of `from` (from bit 0) into `to` starting at bit `at`. */
function copyBits(from: BigUint64Array, count: number, to: BigUint64Array, at: number): void {
  const source = new Uint32Array(from.buffer, from.byteOffset, from.length * 2);
  const target = new Uint32Array(to.buffer, to.byteOffset, to.length * 2);
  for (let i = 0; i < count; i++) {
    if ((source[i >>> 5]! & (1 << (i & 31))) !== 0) continue;
    const bit = at + i;
    target[bit >>> 5]! &= ~(1 << (bit & 31));
  }
}

/** A column of `Database.runOverTypedColumns`: its SQL name and type, and the values. */
export interface TypedColumnSource {
  name: string;
  type: DuckDBType;
  values: TypedColumn;
  /** NaN means no value: NULL in SQL. */
  nullWhereNaN?: boolean;
}

/**
 * The table function behind `runOverTypedColumns`, registered on one connection on first use:
 * `typed_columns(id)` has the columns registered under id while their statement runs, and each
 * call of its scan copies the next 2048 rows of every array into DuckDB's vectors (and a validity
 * mask where NaN means NULL). One scan thread: the rows keep their order.
 */
class TypedColumns {
  private readonly sources = new Map<number, readonly TypedColumnSource[]>();
  private nextId = 1;
  private registered = false;

  constructor(private readonly connection: DuckDBConnection) {}

  /** Runs `work` with the FROM item that reads `columns`; they are forgotten when it ends. */
  async over(columns: readonly TypedColumnSource[], work: (from: string) => Promise<void>): Promise<void> {
    const length = columns[0]?.values.length ?? 0;
    for (const column of columns) {
      if (FIXED_WIDTH_BYTES[column.type.typeId] !== column.values.BYTES_PER_ELEMENT) {
        throw new Error(`runOverTypedColumns: column ${column.name} has the wrong width`);
      }
      if (column.values.length !== length)
        throw new Error(`runOverTypedColumns: column ${column.name} has the wrong length`);
    }
    if (!this.registered) {
      this.connection.registerTableFunction(this.create());
      this.registered = true;
    }
    const id = this.nextId++;
    this.sources.set(id, columns);
    try {
      await work(`typed_columns(${id})`);
    } finally {
      this.sources.delete(id);
    }
  }

  private create(): DuckDBTableFunction {
    const typedColumns = DuckDBTableFunction.create({
      name: 'typed_columns',
      parameterTypes: [INTEGER],
      bindFunction: (info) => {
        const id = Number(info.getParameter(0));
        const columns = this.sources.get(id);
        if (!columns) return info.setError(`typed_columns: no columns registered under ${id}`);
        for (const column of columns) info.addResultColumn(column.name, column.type);
        info.setCardinality(columns[0]?.values.length ?? 0, true);
        info.setBindData({ columns });
      },
      initFunction: (info) => {
        info.setMaxThreads(1);
        info.setInitData({ offset: 0 });
      },
      mainFunction: (info, output) => {
        const { columns } = info.bindData as { columns: readonly TypedColumnSource[] };
        const scan = info.initData as { offset: number };
        const offset = scan.offset;
        const n = Math.min(CHUNK_ROWS, (columns[0]?.values.length ?? 0) - offset);
        output.rowCount = n;
        for (const [index, column] of columns.entries()) {
          const vector = bindings.data_chunk_get_vector(output.chunk, index);
          const width = column.values.BYTES_PER_ELEMENT;
          const values = column.values;
          bindings.copy_data_to_vector(
            vector,
            0,
            values.buffer as ArrayBuffer,
            values.byteOffset + offset * width,
            n * width,
          );
          const mask = column.nullWhereNaN ? nanToValidity(values.subarray(offset, offset + n)) : null;
          if (mask) {
            bindings.vector_ensure_validity_writable(vector);
            bindings.copy_data_to_vector_validity(vector, 0, mask.buffer, mask.byteOffset, mask.byteLength);
          }
        }
        scan.offset = offset + n;
      },
    });
    return typedColumns;
  }
}

/** Statements with parameters kept prepared on one connection. */
const MAX_PREPARED = 128;

/**
 * A connection's prepared statements by SQL text, the most recently used kept (at most
 * MAX_PREPARED). The driver's `run(sql, params)` extracts, prepares, binds and destroys a
 * statement each time: three trips to DuckDB's threads and a parse and plan per call, about
 * 0.25 ms of CPU of a catalog INSERT's 1.2 ms. A prepared statement whose tables change is
 * re-planned by DuckDB itself; one statement at a time uses them (the connection's write queue).
 */
class PreparedStatements {
  private readonly statements = new Map<string, DuckDBPreparedStatement>();

  constructor(private readonly connection: DuckDBConnection) {}

  async bound(sql: string, params: SqlParams): Promise<DuckDBPreparedStatement> {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql); // re-inserted below: the Map's order is the order of use
    } else {
      statement = await this.connection.prepare(sql);
      if (this.statements.size >= MAX_PREPARED) {
        const [oldest, evicted] = this.statements.entries().next().value!;
        this.statements.delete(oldest);
        evicted.destroySync();
      }
    }
    this.statements.set(sql, statement);
    statement.clearBindings();
    statement.bind(params);
    return statement;
  }

  clear(): void {
    for (const statement of this.statements.values()) statement.destroySync();
    this.statements.clear();
  }
}

/** A fixed-width column of `runOverTypedColumns` or a list of `appendListRows`. */
export type TypedColumn = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array;

const CHUNK_ROWS = 2048;

/** Bytes per value of the fixed-width types a `TypedColumn` can hold (its array's element width). */
const FIXED_WIDTH_BYTES: Partial<Record<DuckDBTypeId, number>> = {
  [DuckDBTypeId.DOUBLE]: 8,
  [DuckDBTypeId.FLOAT]: 4,
  [DuckDBTypeId.INTEGER]: 4,
  [DuckDBTypeId.SMALLINT]: 2,
  [DuckDBTypeId.TINYINT]: 1,
};

/** Wraps a DuckDB error once, keeping the SQL for our logs but not for clients. */
async function wrap<T>(sql: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PeakformError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(message, sql);
  }
}

/** Our bug or the environment's, never the user's: reported as an internal error. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly sql: string,
  ) {
    super(`DuckDB: ${message}`);
    this.name = 'DatabaseError';
  }
}

/**
 * One result column. Fixed-width columns carry a copy of their buffers (the chunk's memory is
 * reused by the next fetch) and convert to JS values only if a writer asks for them.
 */
function resultColumn(
  name: string,
  type: ColumnType,
  chunk: DuckDBDataChunk,
  index: number,
  grouped: boolean,
): ResultColumn {
  const vector = chunk.getColumnVector(index) as unknown as {
    items?: RawData | Uint8Array | Uint16Array | Uint32Array;
    validity?: { data: BigUint64Array | null };
    enumType?: { values: readonly string[] };
    getItem(i: number): unknown;
  };
  const items = vector.items;
  let values: unknown[] | undefined;
  const column: ResultColumn = {
    name,
    type,
    get values() {
      values ??= chunk.convertColumnValues(index, JSDuckDBValueConverter) as unknown[];
      return values;
    },
  };
  if (grouped && type === 'utf8') {
    const first = vector.getItem(0);
    if (typeof first === 'string' && first === vector.getItem(chunk.rowCount - 1)) {
      column.codes = { indexes: new Uint8Array(chunk.rowCount), dictionary: [first], validity: null };
    }
    return column;
  }
  if (!items || !ArrayBuffer.isView(items)) return column;
  const bits = vector.validity?.data;
  const validity = bits
    ? new Uint8Array(bits.buffer.slice(bits.byteOffset, bits.byteOffset + Math.ceil(items.length / 8)))
    : null;
  if (vector.enumType) {
    column.codes = { indexes: items.slice() as Uint8Array, dictionary: vector.enumType.values, validity };
  } else if (type !== 'bool' && type !== 'utf8' && type !== 'date') {
    column.raw = { data: items.slice() as RawData, validity };
  }
  return column;
}

function toColumnType(type: DuckDBType): ColumnType {
  switch (type.typeId) {
    case DuckDBTypeId.SMALLINT:
      return 'int16';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.INTEGER:
      return 'int32';
    case DuckDBTypeId.BIGINT:
      return 'int64';
    case DuckDBTypeId.FLOAT:
      return 'float32';
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'float64';
    case DuckDBTypeId.BOOLEAN:
      return 'bool';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp';
    // A timestamp without time zone is a wall clock (`*_local`); both hold microseconds.
    case DuckDBTypeId.TIMESTAMP:
      return 'timestamp_local';
    case DuckDBTypeId.DATE:
      return 'date';
    default:
      return 'utf8';
  }
}
