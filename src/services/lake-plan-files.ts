import { compileActivityLakeFile } from '../query/catalog-sql.ts';
import type { LakePlan, LakePlanFile } from '../query/formats/lake-arrow-stream.ts';
import type { Store } from '../store/store.ts';

/** The catalog columns of an activity that a lake read needs. */
export interface LakeFileRow {
  id: string;
  samples_path: string;
  sport: string;
  utc_offset_s: number | null;
  sample_count: number | bigint | null;
}

/** An activity's samples file in a lake plan, with the catalog values its rows carry. */
export function lakePlanFile(store: Store, row: LakeFileRow): LakePlanFile {
  return {
    path: store.lake.fromStored(row.samples_path),
    activityId: row.id,
    sport: row.sport,
    utcOffsetUs: Math.trunc(row.utc_offset_s ?? 0) * 1_000_000,
    rows: Number(row.sample_count ?? 0),
  };
}

/** `LakePlan.current` for one athlete's activities: each one's file as the catalog names it now. */
export function currentLakeFiles(store: Store, athleteId: string): NonNullable<LakePlan['current']> {
  return async (file) => {
    const [row] = await store.select<LakeFileRow>(compileActivityLakeFile(athleteId, file.activityId));
    return row ? lakePlanFile(store, row) : undefined;
  };
}
