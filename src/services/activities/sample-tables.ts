import { type AwdMetric, accumulatedWorkDuration } from '../../analytics/accumulated-work-duration.ts';
import { segmentSeries } from '../../analytics/segment-series.ts';
import { batchFromRows, singleBatch } from '../../store/column-batch.ts';
import type { ResultColumnSpec, TabularResult } from '../tabular-result.ts';

/** Sample rows as DuckDB returns them: `timestamp`/`timestamp_local` as Date, metrics as numbers or null. */
type SampleRows = readonly Record<string, unknown>[];

function series(rows: SampleRows, metric: string): Float64Array {
  return Float64Array.from(rows, (r) =>
    r[metric] === null || r[metric] === undefined ? Number.NaN : Number(r[metric]),
  );
}

/**
 * The samples merged into segments of similar intensity (`segmentation_on`): each row starts at its
 * first second, carries the seconds it covers in `duration`, and the mean of every metric over
 * them (rounded back to whole numbers for the integer columns). See `segmentSeries` for the rule
 * and its tolerance.
 */
export function segmentedSamples(
  rows: SampleRows,
  storedMetrics: readonly string[],
  columns: readonly ResultColumnSpec[],
  key: 'power' | 'speed',
): TabularResult {
  const timestampS = Float64Array.from(rows, (r) => (r.timestamp as Date).getTime() / 1000);
  const metrics: Record<string, Float64Array> = {};
  for (const metric of storedMetrics) metrics[metric] = series(rows, metric);
  metrics[key] ??= new Float64Array(rows.length).fill(Number.NaN);
  const segments = segmentSeries(timestampS, metrics, key);
  const out: unknown[][] = [];
  for (let s = 0; s < segments.durationS.length; s++) {
    const first = rows[segments.startIndex[s]!]!;
    out.push(
      columns.map((column) => {
        if (column.name === 'timestamp') return first.timestamp;
        if (column.name === 'timestamp_local') return first.timestamp_local;
        if (column.name === 'duration') return segments.durationS[s];
        const mean = segments.means[column.name]?.[s];
        if (mean === undefined || Number.isNaN(mean)) return null;
        return column.type === 'int16' ? Math.round(mean) : mean;
      }),
    );
  }
  return { columns, batches: singleBatch(batchFromRows(columns, out)) };
}

/** Seconds at or above each intensity of one activity's series, descending intensity. */
export function accumulatedWorkDurationTable(rows: SampleRows, metric: AwdMetric): TabularResult {
  const awd = accumulatedWorkDuration(series(rows, metric), metric);
  const columns: ResultColumnSpec[] = [
    { name: metric, type: 'float64' },
    { name: 'duration', type: 'duration' },
  ];
  const out = Array.from(awd.intensity, (v, i) => [v, awd.durationS[i]]);
  return { columns, batches: singleBatch(batchFromRows(columns, out)) };
}
