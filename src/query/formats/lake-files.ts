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

/**
 * `timestamp_local` from `timestamp`: int64 microseconds (two little-endian 32-bit words each)
 * plus the activity's offset, added in two 32-bit halves (no BigInt per row).
 */
export function localInstants(words: Uint32Array, offsetUs: number, rows: number): Uint32Array {
  const out = new Uint32Array(rows * 2);
  const offset = BigInt.asUintN(64, BigInt(offsetUs));
  const addLo = Number(offset & 0xffffffffn);
  const addHi = Number(offset >> 32n);
  for (let i = 0; i < rows; i++) {
    const lo = words[2 * i]! + addLo;
    out[2 * i] = lo;
    out[2 * i + 1] = words[2 * i + 1]! + addHi + (lo > 0xffffffff ? 1 : 0);
  }
  return out;
}
