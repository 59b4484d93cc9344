import type { SampleTable } from '../domain/activity.ts';

export interface MetricStats {
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Seconds with a reading. */
  count: number;
  /** The first and last readings. */
  first: number | null;
  last: number | null;
}

/** Mean, min, max and reading count of one column; NaN (missing) is skipped, never counted as 0. */
export function metricStats(values: Float64Array): MetricStats {
  let sum = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let first: number | null = null;
  let last: number | null = null;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    first ??= v;
    last = v;
    sum += v;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return count === 0
    ? { mean: null, min: null, max: null, count, first, last }
    : { mean: sum / count, min, max, count, first, last };
}

/** Stats for every present column except the ones where a mean means nothing (position, lap, distance). */
export function sampleStats(samples: SampleTable): Record<string, MetricStats> {
  const stats: Record<string, MetricStats> = {};
  for (const [name, values] of Object.entries(samples.columns)) {
    if (!values || SKIPPED.has(name)) continue;
    stats[name] = metricStats(values);
  }
  return stats;
}

const SKIPPED = new Set(['latitude', 'longitude', 'lap', 'distance']);

/**
 * Elevation gain and loss with a hysteresis band: a climb counts once the altitude has moved
 * `thresholdM` away from the last turning point, so barometric noise does not add up.
 */
export function elevationChange(
  altitudeM: Float64Array,
  thresholdM = 2,
): { gainM: number; lossM: number } | null {
  let reference = Number.NaN;
  let gainM = 0;
  let lossM = 0;
  for (const a of altitudeM) {
    if (Number.isNaN(a)) continue;
    if (Number.isNaN(reference)) {
      reference = a;
      continue;
    }
    const delta = a - reference;
    if (delta >= thresholdM) {
      gainM += delta;
      reference = a;
    } else if (delta <= -thresholdM) {
      lossM -= delta;
      reference = a;
    }
  }
  return Number.isNaN(reference) ? null : { gainM, lossM };
}

/** Last reading of a cumulative column (e.g. distance), or null. */
export function lastReading(values: Float64Array | undefined): number | null {
  if (!values) return null;
  for (let i = values.length - 1; i >= 0; i--) if (!Number.isNaN(values[i]!)) return values[i]!;
  return null;
}
