import type { DataIssue } from './issue.ts';
import type { MetricName } from './metrics.ts';

/**
 * The canonical per-second trace of one activity (DESIGN.md §2). Columnar: `timestampS[i]` is the
 * UTC epoch second of row i (strictly increasing, one row per recorded second); each present
 * metric is a Float64Array of the same length in which NaN marks a missing reading (stored as
 * NULL). A metric that has no reading at all is absent from `columns`.
 */
export interface SampleTable {
  timestampS: Float64Array;
  columns: Partial<Record<MetricName, Float64Array>>;
  /** Numeric developer fields with no canonical meaning, kept by their field name. */
  extra: Record<string, Float64Array>;
}

export interface Lap {
  index: number;
  /** UTC epoch seconds. */
  startS: number;
  endS: number;
  elapsedS: number;
  timerS: number | null;
  distanceM: number | null;
  avgPowerW: number | null;
  avgHeartRateBpm: number | null;
  trigger: string | null;
}

export interface DeviceInfo {
  manufacturer: string | null;
  product: string | null;
  serialNumber: string | null;
}

/** One activity as decoded and normalized from a file, before it has an id. */
export interface CanonicalActivity {
  sport: string;
  /** UTC epoch seconds of the first and last sample. */
  startS: number;
  endS: number;
  /** Device local-time offset from UTC in seconds (null when the file does not say). */
  utcOffsetS: number | null;
  /** Seconds the timer ran (excludes pauses) when the file says; else null. */
  timerS: number | null;
  samples: SampleTable;
  laps: Lap[];
  device: DeviceInfo | null;
  /** Values the device itself wrote in its summary (e.g. FIT session avg power), for comparison. */
  deviceSummary: Record<string, number>;
  issues: DataIssue[];
}

export type SourceFormat = 'fit' | 'tcx' | 'gpx' | 'csv';

export interface ReadResult {
  format: SourceFormat;
  activities: CanonicalActivity[];
  /** File-level issues (e.g. a truncated file); activity-level ones live on each activity. */
  issues: DataIssue[];
}
