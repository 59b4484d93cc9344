import type { DataIssue } from '../domain/issue.ts';
import type { MetricName } from '../domain/metrics.ts';
import { MAX_EXTRA_FIELDS } from './extra-field-names.ts';
import { missingColumn, type RawTrace } from './raw-trace.ts';

/** Readings of one extra field, stored sparsely: a field seen in few records costs only those. */
export interface SparseColumn {
  rows: Uint32Array;
  values: Float64Array;
  length: number;
}

/**
 * Fills a RawTrace row by row into typed columns, so readers create no object per record.
 * Columns appear on first use; unset cells stay missing (NaN). Capacity grows by doubling, so
 * memory follows the rows actually added, not the size of a hostile file. Extra fields are kept
 * sparsely until `build()`, and only the first MAX_EXTRA_FIELDS of them (see `fieldLimitIssue`).
 */
export class TraceBuilder {
  #capacity: number;
  #timeS: Float64Array;
  readonly #columns: Partial<Record<MetricName, Float64Array>> = {};
  readonly #extra = new Map<string, SparseColumn>();
  #droppedExtraReadings = 0;
  readonly #droppedExtraExamples: string[] = [];
  #row = -1;

  /** `expectedRows` sizes the columns up front when the reader knows the row count. */
  constructor(expectedRows = 1024) {
    this.#capacity = Math.max(1, expectedRows);
    this.#timeS = new Float64Array(this.#capacity);
  }

  /** Starts the next row, at `timeS` UTC epoch seconds. */
  addRow(timeS: number): void {
    this.#row++;
    if (this.#row === this.#capacity) this.#grow();
    this.#timeS[this.#row] = timeS;
  }

  /** Sets a metric on the current row; NaN and infinities are left missing. */
  set(metric: MetricName, value: number): void {
    if (!Number.isFinite(value)) return;
    this.#columns[metric] ??= missingColumn(this.#capacity);
    this.#columns[metric][this.#row] = value;
  }

  /**
   * Sets a field with no canonical meaning on the current row. Fields beyond the first
   * MAX_EXTRA_FIELDS names are dropped and counted; a second value on one row replaces the first.
   */
  setExtra(name: string, value: number): void {
    if (!Number.isFinite(value) || this.#row < 0) return;
    let column = this.#extra.get(name);
    if (column === undefined) {
      if (this.#extra.size >= MAX_EXTRA_FIELDS) {
        this.#droppedExtraReadings++;
        if (this.#droppedExtraExamples.length < 5 && !this.#droppedExtraExamples.includes(name))
          this.#droppedExtraExamples.push(name);
        return;
      }
      column = { rows: new Uint32Array(4), values: new Float64Array(4), length: 0 };
      this.#extra.set(name, column);
    }
    this.#append(column, value);
  }

  /**
   * The column of an extra field that has a reading (set through `setExtra`), so a reader can
   * write further readings with `setExtraIn` without looking the name up; undefined otherwise.
   */
  extraColumn(name: string): SparseColumn | undefined {
    return this.#extra.get(name);
  }

  /** `setExtra` for the field whose column `extraColumn` returned. */
  setExtraIn(column: SparseColumn, value: number): void {
    if (!Number.isFinite(value) || this.#row < 0) return;
    this.#append(column, value);
  }

  #append(column: SparseColumn, value: number): void {
    if (column.length > 0 && column.rows[column.length - 1] === this.#row) {
      column.values[column.length - 1] = value;
      return;
    }
    if (column.length === column.rows.length) {
      const rows = new Uint32Array(column.length * 2);
      rows.set(column.rows);
      const values = new Float64Array(column.length * 2);
      values.set(column.values);
      column.rows = rows;
      column.values = values;
    }
    column.rows[column.length] = this.#row;
    column.values[column.length] = value;
    column.length++;
  }

  /** A `field_limit` issue when extra fields were dropped, else null. */
  fieldLimitIssue(): DataIssue | null {
    if (this.#droppedExtraReadings === 0) return null;
    return {
      code: 'field_limit',
      message:
        `The file has more than ${MAX_EXTRA_FIELDS} extra fields; the first ${MAX_EXTRA_FIELDS} were kept and ` +
        `${this.#droppedExtraReadings} reading(s) of the others were dropped.`,
      details: {
        maxFields: MAX_EXTRA_FIELDS,
        droppedReadings: this.#droppedExtraReadings,
        examples: this.#droppedExtraExamples,
      },
    };
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    const grown = (values: Float64Array, fill: number): Float64Array => {
      const next = new Float64Array(capacity).fill(fill, values.length);
      next.set(values);
      return next;
    };
    this.#timeS = grown(this.#timeS, 0);
    for (const name of Object.keys(this.#columns) as MetricName[]) {
      this.#columns[name] = grown(this.#columns[name]!, Number.NaN);
    }
    this.#capacity = capacity;
  }

  get rowCount(): number {
    return this.#row + 1;
  }

  build(): RawTrace {
    const rows = this.rowCount;
    const trim = (values: Float64Array): Float64Array =>
      rows === this.#capacity ? values : values.slice(0, rows);
    const columns: RawTrace['columns'] = {};
    for (const [name, values] of Object.entries(this.#columns) as [MetricName, Float64Array][]) {
      columns[name] = trim(values);
    }
    const extra: RawTrace['extra'] = {};
    for (const [name, sparse] of this.#extra) {
      const dense = missingColumn(rows);
      for (let i = 0; i < sparse.length; i++) dense[sparse.rows[i]!] = sparse.values[i]!;
      extra[name] = dense;
    }
    return { timeS: trim(this.#timeS), columns, extra };
  }
}
