import type { MetricName } from '../domain/metrics.ts';
import { missingColumn, type RawTrace } from './raw-trace.ts';

/**
 * Fills a RawTrace row by row into typed columns, so readers create no object per record.
 * Columns appear on first use; unset cells stay missing (NaN). Capacity grows by doubling, so
 * memory follows the rows actually added, not the size of a hostile file.
 */
export class TraceBuilder {
  #capacity: number;
  #timeS: Float64Array;
  readonly #columns: Partial<Record<MetricName, Float64Array>> = {};
  readonly #extra: Record<string, Float64Array> = {};
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

  /** Sets a field with no canonical meaning on the current row. */
  setExtra(name: string, value: number): void {
    if (!Number.isFinite(value)) return;
    this.#extra[name] ??= missingColumn(this.#capacity);
    this.#extra[name][this.#row] = value;
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
    for (const name of Object.keys(this.#extra)) this.#extra[name] = grown(this.#extra[name]!, Number.NaN);
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
    for (const [name, values] of Object.entries(this.#extra)) extra[name] = trim(values);
    return { timeS: trim(this.#timeS), columns, extra };
  }
}
