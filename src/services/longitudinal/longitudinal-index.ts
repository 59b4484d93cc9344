import { QUERY_GRID_S } from '../../domain/durations.ts';
import { sportMatches } from '../../domain/sport.ts';
import type { Store } from '../../store/store.ts';

/** The winning window of one (after_kj, duration) point of a longitudinal curve. */
export interface CurvePoint {
  after_kj: number;
  duration_s: number;
  value: number;
  window_s: number;
  activity_id: string;
  sport: string;
  start_s: number;
  start_offset_s: number;
}

interface ActivityEntry {
  id: string;
  sport: string;
  localDate: string;
  startS: number;
}

/**
 * One curve key (metric, after_kj) in compressed sparse rows: for grid duration g, entries
 * `offsets[g] .. offsets[g + 1]` list the activities that have a window of that length, in
 * activity order (oldest first), with their exact and envelope values.
 */
interface CurveRows {
  offsets: Int32Array;
  activity: Int32Array;
  value: Float64Array;
  startOffsetS: Int32Array;
  envelope: Float64Array;
  envelopeWindowS: Int32Array;
  envelopeStartOffsetS: Int32Array;
}

const GRID_INDEX = new Map(QUERY_GRID_S.map((d, i) => [d, i]));

/**
 * An athlete's curve index (the catalog's `curve_points`) held in memory, so a longitudinal
 * curve over years is a scan of a few hundred thousand numbers (~1 ms) rather than a table scan.
 * It is derived state: built from the catalog on first use and dropped on every write for that
 * athlete; the catalog stays the source of truth.
 */
export class LongitudinalIndex {
  private constructor(
    private readonly activities: ActivityEntry[],
    private readonly curves: Map<string, CurveRows>,
  ) {}

  static async load(store: Store, athleteId: string): Promise<LongitudinalIndex> {
    const activities = await store.all<{ id: string; sport: string; local_date: string; start_s: number }>(
      `SELECT id, sport, strftime(local_date, '%Y-%m-%d') AS local_date, epoch(start_utc) AS start_s
       FROM activities WHERE athlete_id = $1 ORDER BY start_utc, id`,
      [athleteId],
    );
    // Sorted by key, duration, then activity start in SQL, so the arrays fill in one pass; every
    // column is numeric, so batches arrive as raw buffers without per-value conversion.
    const batches = store.stream(
      `WITH a AS (SELECT id, row_number() OVER (ORDER BY start_utc, id) - 1 AS position
                  FROM activities WHERE athlete_id = $1)
       SELECT CASE metric WHEN 'power' THEN 0 WHEN 'speed' THEN 1 ELSE 2 END AS metric_code, after_kj,
         duration_s, CAST(a.position AS INTEGER) AS position, value, start_offset_s, envelope_value,
         envelope_duration_s, envelope_start_offset_s
       FROM curve_points c JOIN a ON a.id = c.activity_id
       WHERE c.athlete_id = $1 ORDER BY metric_code, after_kj, duration_s, position`,
      [athleteId],
    );
    const curves = new Map<string, CurveRows>();
    let builder: CurveBuilder | undefined;
    for await (const batch of batches) {
      const col = (k: number) =>
        (batch.columns[k]!.raw?.data ?? batch.columns[k]!.values) as ArrayLike<number>;
      const [metricCode, afterKj, duration, pos, value, start, env, envWindow, envStart] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8,
      ].map(col);
      for (let r = 0; r < batch.rowCount; r++) {
        const key = curveKey(METRIC_CODES[metricCode![r]!]!, afterKj![r]!);
        if (builder?.key !== key) {
          if (builder) curves.set(builder.key, builder.finish());
          builder = new CurveBuilder(key);
        }
        builder.push(
          duration![r]!,
          pos![r]!,
          value![r]!,
          start![r]!,
          env![r]!,
          envWindow![r]!,
          envStart![r]!,
        );
      }
    }
    if (builder) curves.set(builder.key, builder.finish());
    return new LongitudinalIndex(
      activities.map((a) => ({ id: a.id, sport: a.sport, localDate: a.local_date, startS: a.start_s })),
      curves,
    );
  }

  /**
   * Answers by request, most recent last: the index never changes (a write replaces it), so a
   * dashboard's repeated question is a lookup. The points are shared: callers must not change them.
   */
  private readonly answers = new Map<string, readonly Readonly<CurvePoint>[]>();

  /** `compute`'s answer, remembered for the index's life (at most MAX_ANSWERS requests). */
  query(request: CurveQuery): readonly Readonly<CurvePoint>[] {
    const key = JSON.stringify([
      request.metric,
      request.afterKj,
      request.durationsS,
      request.envelope,
      request.start ?? null,
      request.end ?? null,
      request.sport ?? null,
    ]);
    let points = this.answers.get(key);
    if (points) {
      this.answers.delete(key);
    } else {
      points = this.compute(request);
      for (const point of points) Object.freeze(point);
      if (this.answers.size >= MAX_ANSWERS) this.answers.delete(this.answers.keys().next().value!);
    }
    this.answers.set(key, points);
    return points;
  }

  /**
   * The pointwise best over the activities that pass the filter, at grid durations: ties go to the
   * earliest activity (entries are in start order, and only a strictly better value replaces).
   */
  private compute(request: CurveQuery): CurvePoint[] {
    // Whether a sport matches the filter is decided once per distinct sport, not per activity.
    const sportIncluded = new Map<string, boolean>();
    const matches = (sport: string) => {
      let match = sportIncluded.get(sport);
      if (match === undefined) {
        match = request.sport!.some((s) => sportMatches(sport, s));
        sportIncluded.set(sport, match);
      }
      return match;
    };
    const included = this.activities.map(
      (a) =>
        (!request.start || a.localDate >= request.start) &&
        (!request.end || a.localDate <= request.end) &&
        (!request.sport?.length || matches(a.sport)),
    );
    const points: CurvePoint[] = [];
    for (const afterKj of request.afterKj) {
      const curve = this.curves.get(curveKey(request.metric, afterKj));
      if (!curve) continue;
      const values = request.envelope ? curve.envelope : curve.value;
      for (const d of request.durationsS) {
        const g = GRID_INDEX.get(d);
        if (g === undefined) continue;
        let best = -1;
        for (let i = curve.offsets[g]!; i < curve.offsets[g + 1]!; i++) {
          if (included[curve.activity[i]!] && (best < 0 || values[i]! > values[best]!)) best = i;
        }
        if (best < 0) continue;
        const activity = this.activities[curve.activity[best]!]!;
        const offset = request.envelope ? curve.envelopeStartOffsetS[best]! : curve.startOffsetS[best]!;
        points.push({
          after_kj: afterKj,
          duration_s: d,
          value: values[best]!,
          window_s: request.envelope ? curve.envelopeWindowS[best]! : d,
          activity_id: activity.id,
          sport: activity.sport,
          start_s: activity.startS + offset,
          start_offset_s: offset,
        });
      }
    }
    return points;
  }
}

const METRIC_CODES = ['power', 'speed', 'heart_rate'];
/** Distinct requests answered from memory per index (each answer is a few dozen points). */
const MAX_ANSWERS = 256;

interface CurveQuery {
  metric: string;
  afterKj: readonly number[];
  durationsS: readonly number[];
  envelope: boolean;
  start?: string;
  end?: string;
  sport?: readonly string[];
}

/** Accumulates one curve key's rows (already in grid-duration, then activity order). */
class CurveBuilder {
  private readonly counts = new Int32Array(QUERY_GRID_S.length + 1);
  private readonly columns: number[][] = [[], [], [], [], [], []];

  constructor(readonly key: string) {}

  push(
    durationS: number,
    activity: number,
    value: number,
    start: number,
    env: number,
    envWindow: number,
    envStart: number,
  ) {
    this.counts[GRID_INDEX.get(durationS)! + 1]!++;
    const [a, v, s, e, w, es] = this.columns as [number[], number[], number[], number[], number[], number[]];
    a.push(activity);
    v.push(value);
    s.push(start);
    e.push(env);
    w.push(envWindow);
    es.push(envStart);
  }

  finish(): CurveRows {
    const offsets = this.counts;
    for (let g = 0; g < QUERY_GRID_S.length; g++) offsets[g + 1]! += offsets[g]!;
    const [a, v, s, e, w, es] = this.columns as [number[], number[], number[], number[], number[], number[]];
    return {
      offsets,
      activity: Int32Array.from(a),
      value: Float64Array.from(v),
      startOffsetS: Int32Array.from(s),
      envelope: Float64Array.from(e),
      envelopeWindowS: Int32Array.from(w),
      envelopeStartOffsetS: Int32Array.from(es),
    };
  }
}

function curveKey(metric: string, afterKj: number): string {
  return `${metric}:${afterKj}`;
}
