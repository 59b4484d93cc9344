import type { ColumnType } from '../../store/column-batch.ts';

/**
 * Where an output column's values come from: a stored column of the samples file, a value of the
 * catalog constant over the file (`activity_id`, `sport`), the file's `timestamp` shifted by the
 * activity's offset (`timestamp_local`), 1 s per row (`duration`), or nothing (a wire metric
 * Peakform does not record: all null).
 */
export type LakeArrowSource = 'stored' | 'timestamp_local' | 'activity_id' | 'sport' | 'duration' | 'null';

export interface LakeArrowColumn {
  name: string;
  type: ColumnType;
  source: LakeArrowSource;
}

/** One per-activity samples file of the lake and the catalog values the output adds to its rows. */
export interface LakeArrowFile {
  path: string;
  activityId: string;
  sport: string;
  /** The activity's UTC offset in microseconds (`timestamp_local` = `timestamp` + this). */
  utcOffsetUs: number;
}
