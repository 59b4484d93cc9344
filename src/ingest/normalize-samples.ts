import type { SampleTable } from '../domain/activity.ts';
import type { DataIssue } from '../domain/issue.ts';
import { getMetric, type MetricName } from '../domain/metrics.ts';
import type { RawTrace } from './raw-trace.ts';

type Reducer = 'mean' | 'max' | 'last';

/**
 * How several readings in one second become one value. Mean by default (DESIGN.md §4). Distance
 * is cumulative, so the largest reading is where the second ended (a mean would lag behind);
 * a second that straddles a lap boundary belongs to the lap it ended in.
 */
const REDUCERS: Partial<Record<MetricName, Reducer>> = { distance: 'max', lap: 'last' };

export interface NormalizedSamples {
  samples: SampleTable;
  issues: DataIssue[];
}

/**
 * Applies the 1 Hz rule of DESIGN.md §4 to raw readings: with t0 the earliest reading, second
 * k = floor(t − t0) and its row is keyed floor(t0) + k; readings in one second are reduced per
 * metric (missing ones ignored); rows come out sorted and unique. Values outside a metric's valid
 * range become missing. Seconds without a reading get no row: pauses and gaps are not filled.
 */
export function normalizeSamples(trace: RawTrace): NormalizedSamples {
  const issues: DataIssue[] = [];
  const order = sortedRowOrder(trace.timeS, issues);
  const rowCount = order.length;
  if (rowCount === 0) return { samples: { timestampS: new Float64Array(0), columns: {}, extra: {} }, issues };

  const time = trace.timeS;
  const firstS = time[order[0]!]!;
  const baseS = Math.floor(firstS);
  // bucket[i] is the output row of the i-th reading in time order.
  const bucket = new Uint32Array(rowCount);
  // keys[0, keyCount) are the output rows' seconds.
  const keys = new Float64Array(rowCount);
  let keyCount = 0;
  let duplicates = 0;
  let previousT = Number.NaN;
  for (let i = 0; i < rowCount; i++) {
    const t = time[order[i]!]!;
    if (t === previousT) duplicates++;
    previousT = t;
    const key = baseS + Math.floor(t - firstS);
    if (keyCount === 0 || keys[keyCount - 1] !== key) keys[keyCount++] = key;
    bucket[i] = keyCount - 1;
  }
  if (duplicates > 0) {
    issues.push({
      code: 'duplicate_timestamp',
      message: `${duplicates} record(s) repeated an earlier timestamp; readings of one second were merged.`,
      details: { count: duplicates },
    });
  }

  const outOfRange: Partial<Record<MetricName, number>> = {};
  const columns: SampleTable['columns'] = {};
  for (const [name, column] of Object.entries(trace.columns) as [MetricName, Float64Array][]) {
    const { min, max } = getMetric(name);
    const reduced = reduceColumn(column, order, bucket, keyCount, REDUCERS[name] ?? 'mean', min, max);
    if (reduced.rejected > 0) outOfRange[name] = reduced.rejected;
    if (reduced.values) columns[name] = reduced.values;
  }
  const extra: SampleTable['extra'] = {};
  for (const [name, column] of Object.entries(trace.extra)) {
    const reduced = reduceColumn(column, order, bucket, keyCount, 'mean', -Infinity, Infinity);
    if (reduced.values) extra[name] = reduced.values;
  }
  const rejectedTotal = Object.values(outOfRange).reduce((sum, n) => sum + n, 0);
  if (rejectedTotal > 0) {
    issues.push({
      code: 'out_of_range',
      message: `${rejectedTotal} reading(s) outside the valid range of their metric were dropped.`,
      details: { counts: outOfRange },
    });
  }
  return { samples: { timestampS: keys.slice(0, keyCount), columns, extra }, issues };
}

/** Indices of the rows with a finite time, in time order (stable); reports out-of-order rows. */
function sortedRowOrder(time: Float64Array, issues: DataIssue[]): Uint32Array {
  let finite = 0;
  let backwards = 0;
  let previous = -Infinity;
  for (let i = 0; i < time.length; i++) {
    const t = time[i]!;
    if (!Number.isFinite(t)) continue;
    if (t < previous) backwards++;
    previous = t;
    finite++;
  }
  const order = new Uint32Array(finite);
  let j = 0;
  for (let i = 0; i < time.length; i++) if (Number.isFinite(time[i]!)) order[j++] = i;
  if (backwards > 0) {
    // Typed-array sort is not guaranteed stable, so break ties by file position.
    order.sort((a, b) => time[a]! - time[b]! || a - b);
    issues.push({
      code: 'non_monotonic_time',
      message: `${backwards} record(s) went back in time; records were sorted by timestamp.`,
      details: { count: backwards },
    });
  }
  return order;
}

function reduceColumn(
  column: Float64Array,
  order: Uint32Array,
  bucket: Uint32Array,
  rows: number,
  reducer: Reducer,
  min: number,
  max: number,
): { values: Float64Array | null; rejected: number } {
  const values = new Float64Array(rows).fill(Number.NaN);
  const counts = reducer === 'mean' ? new Uint32Array(rows) : null;
  let rejected = 0;
  let present = 0;
  for (let i = 0; i < order.length; i++) {
    const v = column[order[i]!]!;
    if (Number.isNaN(v)) continue;
    if (!(v >= min && v <= max)) {
      rejected++;
      continue;
    }
    present++;
    const row = bucket[i]!;
    const current = values[row]!;
    if (reducer === 'last' || Number.isNaN(current)) values[row] = v;
    else if (reducer === 'mean') values[row] = current + v;
    else if (v > current) values[row] = v;
    if (counts) counts[row]!++;
  }
  if (present === 0) return { values: null, rejected };
  if (counts)
    for (let row = 0; row < rows; row++) if (counts[row]! > 1) values[row] = values[row]! / counts[row]!;
  return { values, rejected };
}
