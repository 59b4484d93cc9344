import type { ActivityListQuery } from '../domain/wire.ts';
import { activityFilter } from './activity-sql.ts';
import { type CompiledQuery, compileSql, integerList, type Sql, sql, trusted } from './sql.ts';

type RangeFilter = Pick<ActivityListQuery, 'start' | 'end' | 'sport'>;

export interface LongitudinalCurveRequest {
  athleteId: string;
  metric: string;
  durationsS: readonly number[];
  afterKj: readonly number[];
  envelope: boolean;
  filter: RangeFilter;
}

/**
 * The pointwise best over an athlete's activities in range (DESIGN.md §4), from the catalog's
 * curve index: for each (after_kj, duration) the highest value, ties to the earliest activity.
 * This is the definition; the service answers from an in-memory copy of the same index
 * (`LongitudinalIndex`), and a differential test holds the two equal.
 */
export function compileLongitudinalCurve(request: LongitudinalCurveRequest): CompiledQuery {
  const value = trusted(request.envelope ? 'envelope_value' : 'value');
  const window = trusted(request.envelope ? 'envelope_duration_s' : 'duration_s');
  const offset = trusted(request.envelope ? 'envelope_start_offset_s' : 'start_offset_s');
  return compileSql(sql`SELECT after_kj, duration_s, ${value} AS value, ${window} AS window_s, activity_id, sport,
        activity_start_s + ${offset} AS start_s, ${offset} AS start_offset_s
      FROM curve_points
      WHERE ${activityFilter(request.athleteId, request.filter)} AND metric = ${request.metric}
        AND list_contains(${integerList(request.afterKj)}, after_kj)
        AND list_contains(${integerList(request.durationsS)}, duration_s)
      QUALIFY row_number() OVER (PARTITION BY after_kj, duration_s ORDER BY ${value} DESC, activity_start_s, activity_id) = 1
      ORDER BY after_kj, duration_s`);
}

/** The same question answered from the full per-activity curve files, for durations off the query grid. */
export function compileLongitudinalCurveFromFiles(
  curvesSource: string,
  request: Omit<LongitudinalCurveRequest, 'filter'> & { filter: RangeFilter },
): CompiledQuery {
  const source = curveRows(curvesSource, request.metric);
  // The envelope needs every longer duration of each activity, so it is computed before filtering.
  // Curve files hold whole-activity curves only (after_kj 0).
  const curve = request.envelope
    ? sql`SELECT activity_id, 0 AS after_kj, duration_s,
         max(value) OVER w AS value,
         arg_max(duration_s, value) OVER w AS window_s,
         arg_max(start_offset_s, value) OVER w AS start_offset_s
       FROM (${source})
       WINDOW w AS (PARTITION BY activity_id ORDER BY duration_s DESC ROWS UNBOUNDED PRECEDING)`
    : sql`SELECT activity_id, 0 AS after_kj, duration_s, value, duration_s AS window_s, start_offset_s
       FROM (${source})`;
  return compileSql(sql`WITH c AS (${curve}), a AS (${activitiesInRange(request.athleteId, request.filter)})
      SELECT c.after_kj, c.duration_s, c.value, c.window_s, c.activity_id, a.sport,
        a.start_s + c.start_offset_s AS start_s, c.start_offset_s
      FROM c JOIN a ON a.id = c.activity_id
      WHERE list_contains(${integerList(request.afterKj)}, c.after_kj)
        AND list_contains(${integerList(request.durationsS)}, c.duration_s)
      QUALIFY row_number() OVER (PARTITION BY c.after_kj, c.duration_s ORDER BY c.value DESC, a.start_s, c.activity_id) = 1
      ORDER BY c.after_kj, c.duration_s`);
}

function activitiesInRange(athleteId: string, filter: RangeFilter): Sql {
  return sql`SELECT id, sport, sample_count, elapsed_s, epoch(start_utc) AS start_s, utc_offset_s, samples_path, curves_path,
        strftime(local_date, '%Y-%m-%d') AS local_date
      FROM activities WHERE ${activityFilter(athleteId, filter)} ORDER BY start_utc, id`;
}

/** Activities in range, oldest first, with what the longitudinal routes need of them. */
export function compileActivitiesInRange(athleteId: string, filter: RangeFilter): CompiledQuery {
  return compileSql(activitiesInRange(athleteId, filter));
}

/** One activity's whole curve of a metric from its curve file (optionally as the envelope), at the given durations. */
export function compileActivityCurve(
  curvesSource: string,
  metric: string,
  durationsS: readonly number[],
  envelope: boolean,
): CompiledQuery {
  const source = curveRows(curvesSource, metric);
  const curve = envelope
    ? sql`SELECT duration_s, max(value) OVER w AS value, arg_max(duration_s, value) OVER w AS window_s,
           arg_max(start_offset_s, value) OVER w AS start_offset_s
         FROM (${source})
         WINDOW w AS (ORDER BY duration_s DESC ROWS UNBOUNDED PRECEDING)`
    : sql`SELECT duration_s, value, duration_s AS window_s, start_offset_s FROM (${source})`;
  return compileSql(
    sql`SELECT * FROM (${curve}) WHERE list_contains(${integerList(durationsS)}, duration_s) ORDER BY duration_s`,
  );
}

/** The best value per duration over several curve files, with the activity that set it. */
export function compileBestPerDuration(curvesSource: string, metric: string): CompiledQuery {
  return compileSql(sql`SELECT duration_s, max(value) AS value, arg_max(activity_id, value) AS activity_id
     FROM (${curveRows(curvesSource, metric)}) GROUP BY duration_s ORDER BY duration_s`);
}

/**
 * One metric of curve files as rows (activity_id, duration_s, value, start_offset_s), one per
 * duration with a value. A curve file holds a row per metric whose `value` and `start_offset_s`
 * lists have the curve at duration d in position d (NULL where no window has a value).
 */
function curveRows(curvesSource: string, metric: string): Sql {
  return sql`SELECT activity_id, CAST(duration_s AS INTEGER) AS duration_s, value, start_offset_s FROM (
      SELECT activity_id, unnest(range(1, len(value) + 1)) AS duration_s, unnest(value) AS value,
        unnest(start_offset_s) AS start_offset_s
      FROM ${trusted(curvesSource)} WHERE metric = ${metric})
    WHERE value IS NOT NULL`;
}

/** One activity file's power samples with their instants (epoch seconds), in time order. */
export function compilePowerSamples(samplesSource: string): string {
  return `SELECT epoch(timestamp) AS t, power FROM ${samplesSource} ORDER BY timestamp`;
}

/**
 * One intensity metric of several sample files, file by file in the given order and each in time
 * order, with the activity it belongs to (for daily accumulated work duration).
 */
export function compileIntensityByActivity(samplesSource: string, metric: 'power' | 'speed'): string {
  return `SELECT activity_id, ${metric} AS value FROM ${samplesSource}`;
}

export type AggregateInterval = 'day' | 'week' | 'month' | 'year';

export const AGGREGATE_POWER_ZONES = 7;
export const AGGREGATE_HEART_RATE_ZONES = 5;

/**
 * Per local-date bucket: counts and sums from the catalog, reading-weighted means and maxima of
 * chosen metrics from per-activity totals, and seconds per zone. Buckets without activities
 * between the range's ends are present with a count of 0, so series chart without gaps.
 */
export function compileLongitudinalAggregate(
  athleteId: string,
  filter: RangeFilter,
  interval: AggregateInterval,
  metrics: readonly string[],
): CompiledQuery {
  const where = activityFilter(athleteId, filter);
  const start = filter.start ?? null;
  const end = filter.end ?? null;
  // Metric names come from a fixed enum (validated at the edge), so they are safe as identifiers.
  const metricTotals = metrics
    .map(
      (m) => `sum(reading_sum) FILTER (WHERE metric = '${m}') AS ${m}_sum,
      sum(reading_count) FILTER (WHERE metric = '${m}') AS ${m}_count,
      max(max_value) FILTER (WHERE metric = '${m}') AS ${m}_max`,
    )
    .join(',\n');
  const metricColumns = metrics
    .map((m) => `sum(m.${m}_sum) / nullif(sum(m.${m}_count), 0) AS ${m}_mean, max(m.${m}_max) AS ${m}_max`)
    .join(', ');
  const zoneTotals = [
    ...range(AGGREGATE_POWER_ZONES).map(
      (z) =>
        `sum(seconds) FILTER (WHERE system = 'power' AND split_part(zone, ' ', 1) = 'Z${z}') AS power_z${z}_s`,
    ),
    ...range(AGGREGATE_HEART_RATE_ZONES).map(
      (z) =>
        `sum(seconds) FILTER (WHERE system = 'heart_rate' AND split_part(zone, ' ', 1) = 'Z${z}') AS heart_rate_z${z}_s`,
    ),
  ];
  const zoneColumns = [
    ...range(AGGREGATE_POWER_ZONES).map((z) => `sum(z.power_z${z}_s) AS power_z${z}_s`),
    ...range(AGGREGATE_HEART_RATE_ZONES).map((z) => `sum(z.heart_rate_z${z}_s) AS heart_rate_z${z}_s`),
  ];
  // Interval, metric and zone names come from fixed enums validated at the edge: safe as text.
  const unit = trusted(interval);
  return compileSql(sql`WITH a AS (
        SELECT id, date_trunc('${unit}', local_date) AS bucket, elapsed_s, moving_s, distance_m, work_kj, tss
        FROM activities WHERE ${where}),
      m AS (SELECT activity_id${trusted(metricTotals ? `, ${metricTotals}` : '')}
        FROM activity_metrics WHERE activity_id IN (SELECT id FROM a) GROUP BY activity_id),
      z AS (SELECT activity_id, ${trusted(zoneTotals.join(', '))}
        FROM activity_zones WHERE activity_id IN (SELECT id FROM a) GROUP BY activity_id),
      per_bucket AS (
        SELECT a.bucket, count(*) AS count, sum(a.elapsed_s) AS elapsed_s, sum(a.moving_s) AS moving_s,
          sum(a.distance_m) AS distance_m, sum(a.work_kj) AS work_kj, sum(a.tss) AS tss
          ${trusted(metricColumns ? `, ${metricColumns}` : '')}, ${trusted(zoneColumns.join(', '))}
        FROM a LEFT JOIN m ON m.activity_id = a.id LEFT JOIN z ON z.activity_id = a.id
        GROUP BY a.bucket),
      buckets AS (
        SELECT CAST(generate_series AS DATE) AS bucket FROM generate_series(
          CAST(date_trunc('${unit}', coalesce(CAST(${start} AS DATE), (SELECT min(bucket) FROM per_bucket))) AS TIMESTAMP),
          CAST(coalesce(CAST(${end} AS DATE), (SELECT max(bucket) FROM per_bucket)) AS TIMESTAMP),
          INTERVAL 1 ${unit}))
      SELECT strftime(b.bucket, '%Y-%m-%d') AS bucket, coalesce(p.count, 0) AS count,
        coalesce(p.elapsed_s, 0) AS elapsed_s, coalesce(p.moving_s, 0) AS moving_s, coalesce(p.distance_m, 0) AS distance_m,
        coalesce(p.work_kj, 0) AS work_kj, p.tss AS tss,
        p.* EXCLUDE (bucket, count, elapsed_s, moving_s, distance_m, work_kj, tss)
      FROM buckets b LEFT JOIN per_bucket p ON p.bucket = b.bucket
      ORDER BY b.bucket`);
}

/** Daily TSS by local date, from the athlete's first activity (CTL needs the whole history). */
export function compileDailyTss(athleteId: string, end: string): CompiledQuery {
  return compileSql(sql`SELECT strftime(local_date, '%Y-%m-%d') AS date, sum(tss) AS tss FROM activities
      WHERE athlete_id = ${athleteId} AND local_date <= CAST(${end} AS DATE) AND tss IS NOT NULL
      GROUP BY local_date ORDER BY local_date`);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
