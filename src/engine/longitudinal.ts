import type { DuckDBValue } from '@duckdb/node-api';
import type { z } from 'zod';
import {
  type CriticalSpeedFit,
  dailyTss,
  fitCriticalSpeed,
  fitPowerDuration,
  POWER_DURATION_MODELS,
  type PowerDurationFit,
  trainingLoad,
} from '../analytics/index.ts';
import {
  AFTER_WORK_LADDER_KJ,
  ALL_DURATIONS_S,
  DEFAULT_DURATIONS_S,
  QUERY_GRID_S,
} from '../domain/durations.ts';
import { PeakformError } from '../domain/errors.ts';
import { METRICS } from '../domain/metrics.ts';
import type {
  IntensityDurationModelQuerySchema,
  IntensityDurationModelSchema,
  LongitudinalAggregateQuerySchema,
  LongitudinalDataQuerySchema,
  LongitudinalMeanMaxQuerySchema,
  MeanMaxQuerySchema,
  TrainingLoadQuerySchema,
} from '../domain/wire.ts';
import {
  compileActivitiesInRange,
  compileDailyTss,
  compileLongitudinalAggregate,
  compileLongitudinalCurveFromFiles,
} from '../query/longitudinal-sql.ts';
import {
  batchFromRows,
  type ColumnBatch,
  type ColumnType,
  type ResultColumn,
  singleBatch,
} from '../store/column-batch.ts';
import type { Store } from '../store/store.ts';
import type { TabularResult } from './engine.ts';
import type { CurvePoint, LongitudinalIndex } from './longitudinal-index.ts';

type MeanMaxQuery = z.output<typeof MeanMaxQuerySchema>;
type LongitudinalMeanMaxQuery = z.output<typeof LongitudinalMeanMaxQuerySchema>;
type LongitudinalDataQuery = z.output<typeof LongitudinalDataQuerySchema>;
type LongitudinalAggregateQuery = z.output<typeof LongitudinalAggregateQuerySchema>;
type IntensityDurationModelQuery = z.output<typeof IntensityDurationModelQuerySchema>;
type TrainingLoadQuery = z.output<typeof TrainingLoadQuerySchema>;
export type IntensityDurationModel = z.infer<typeof IntensityDurationModelSchema>;

interface RangeActivity {
  id: string;
  sport: string;
  sample_count: number;
  start_s: number;
  samples_path: string;
  curves_path: string | null;
}

const QUERY_GRID = new Set(QUERY_GRID_S);

function resolveDurations(durations: readonly number[] | 'all' | undefined): readonly number[] {
  if (durations === 'all') return ALL_DURATIONS_S;
  return durations ?? DEFAULT_DURATIONS_S;
}

function assertRange(start: string | undefined, end: string | undefined): void {
  if (start && end && start > end) {
    throw new PeakformError('ERR_DATE_RANGE_INVALID', `start (${start}) is after end (${end}); swap them.`);
  }
}

const CURVE_COLUMNS: { name: string; type: ColumnType }[] = [
  { name: 'duration_s', type: 'int32' },
  { name: 'value', type: 'float64' },
  { name: 'window_s', type: 'int32' },
  { name: 'start', type: 'timestamp' },
  { name: 'start_offset_s', type: 'int32' },
];

/** One activity's curve at the requested durations, from its stored curve file. */
export async function activityMeanMax(
  store: Store,
  activity: { id: string; start_s: number; curves_path: string | null },
  query: MeanMaxQuery,
): Promise<TabularResult> {
  const durations = resolveDurations(query.durations);
  const rows: unknown[][] = [];
  if (activity.curves_path) {
    // The envelope needs every longer duration, so it is computed over the whole curve, then filtered.
    const source = store.parquetSource([activity.curves_path]);
    const curve = query.envelope
      ? `SELECT duration_s, max(value) OVER w AS value, arg_max(duration_s, value) OVER w AS window_s,
           arg_max(start_offset_s, value) OVER w AS start_offset_s
         FROM ${source} WHERE metric = $1
         WINDOW w AS (ORDER BY duration_s DESC ROWS UNBOUNDED PRECEDING)`
      : `SELECT duration_s, value, duration_s AS window_s, start_offset_s FROM ${source} WHERE metric = $1`;
    const found = await store.all<{
      duration_s: number;
      value: number;
      window_s: number;
      start_offset_s: number;
    }>(
      `SELECT * FROM (${curve}) WHERE list_contains(CAST(CAST($2 AS JSON) AS INTEGER[]), duration_s) ORDER BY duration_s`,
      [query.metric, JSON.stringify(durations)],
    );
    for (const r of found) {
      rows.push([
        r.duration_s,
        r.value,
        r.window_s,
        new Date((activity.start_s + r.start_offset_s) * 1000),
        r.start_offset_s,
      ]);
    }
  }
  return {
    columns: CURVE_COLUMNS.map((c) => c.name),
    batches: singleBatch(batchFromRows(CURVE_COLUMNS, rows)),
  };
}

const LONGITUDINAL_COLUMNS: { name: string; type: ColumnType }[] = [
  { name: 'after_kj', type: 'int32' },
  { name: 'duration_s', type: 'int32' },
  { name: 'value', type: 'float64' },
  { name: 'window_s', type: 'int32' },
  { name: 'activity_id', type: 'utf8' },
  { name: 'sport', type: 'utf8' },
  { name: 'start', type: 'timestamp' },
  { name: 'start_offset_s', type: 'int32' },
];

/**
 * The pointwise best over the athlete's activities in range, each point naming its activity.
 * Durations on the query grid come from the catalog's curve index; any other duration from the
 * per-activity curve files of the activities in range.
 */
export async function longitudinalMeanMax(
  store: Store,
  athleteId: string,
  query: LongitudinalMeanMaxQuery,
  index: () => Promise<LongitudinalIndex>,
): Promise<TabularResult> {
  assertRange(query.start, query.end);
  const afterKj = query.after ?? [0];
  const offLadder = afterKj.filter((kj) => kj !== 0 && !AFTER_WORK_LADDER_KJ.includes(kj));
  if (offLadder.length > 0) {
    throw new PeakformError(
      'ERR_AFTER_WORK_UNSUPPORTED',
      `after=${offLadder.join(',')} kJ is not kept; fatigue-resistance curves exist after ${AFTER_WORK_LADDER_KJ.join(', ')} kJ.`,
      400,
      { supported: AFTER_WORK_LADDER_KJ },
    );
  }
  if (query.metric !== 'power' && afterKj.some((kj) => kj !== 0)) {
    throw new PeakformError(
      'ERR_AFTER_WORK_UNSUPPORTED',
      'after= applies to power curves only; drop it or use metric=power.',
    );
  }
  const durations = resolveDurations(query.durations);
  const onGrid = durations.filter((d) => QUERY_GRID.has(d));
  const offGrid = durations.filter((d) => !QUERY_GRID.has(d));
  const request = { metric: query.metric, afterKj, envelope: query.envelope ?? false };
  const rows: CurvePoint[] = [];
  if (onGrid.length > 0) rows.push(...(await index()).query({ ...request, durationsS: onGrid, ...query }));
  if (offGrid.length > 0 && afterKj.some((kj) => kj !== 0)) {
    throw new PeakformError(
      'ERR_AFTER_WORK_DURATIONS',
      `Fatigue-resistance curves (after=) are kept at the durations of durations=all; ${offGrid.slice(0, 5).join(', ')} s are not among them.`,
      400,
    );
  }
  if (offGrid.length > 0) {
    const activities = await activitiesInRange(store, athleteId, query);
    const paths = activities.flatMap((a) => (a.curves_path ? [a.curves_path] : []));
    if (paths.length > 0) {
      const range = compileActivitiesInRange(athleteId, query);
      const { sql, params } = compileLongitudinalCurveFromFiles(
        store.parquetSource(paths),
        { ...request, durationsS: offGrid },
        // The activity list is re-selected in SQL with its own parameters appended after the curve's.
        range.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + 3}`),
      );
      rows.push(...(await store.all<CurvePoint>(sql, [...params, ...range.params] as DuckDBValue[])));
    }
  }
  rows.sort((a, b) => a.after_kj - b.after_kj || a.duration_s - b.duration_s);
  const batch = batchFromRows(
    LONGITUDINAL_COLUMNS,
    rows.map((r) => [
      r.after_kj,
      r.duration_s,
      r.value,
      r.window_s,
      r.activity_id,
      r.sport,
      new Date(r.start_s * 1000),
      r.start_offset_s,
    ]),
  );
  return { columns: LONGITUDINAL_COLUMNS.map((c) => c.name), batches: singleBatch(batch) };
}

async function activitiesInRange(
  store: Store,
  athleteId: string,
  filter: { start?: string; end?: string; sport?: string[] },
): Promise<RangeActivity[]> {
  const { sql, params } = compileActivitiesInRange(athleteId, filter);
  return store.all<RangeActivity>(sql, params as DuckDBValue[]);
}

/**
 * The samples of every matching activity, oldest first, with `activity_id` and `sport`, streamed
 * batch by batch from the Parquet files (DuckDB keeps the files' order and each file is sorted).
 */
export async function longitudinalData(
  store: Store,
  athleteId: string,
  query: LongitudinalDataQuery,
): Promise<TabularResult> {
  assertRange(query.start, query.end);
  const metrics = query.metrics?.length
    ? METRICS.map((m) => m.name).filter((m) => query.metrics!.includes(m))
    : METRICS.map((m) => m.name);
  const activities = await activitiesInRange(store, athleteId, query);
  const columns = ['activity_id', 'sport', 'timestamp', ...metrics];
  if (activities.length === 0) {
    const empty = batchFromRows(
      columns.map((name) => ({
        name,
        type:
          name === 'timestamp'
            ? 'timestamp'
            : name === 'activity_id' || name === 'sport'
              ? 'utf8'
              : 'float64',
      })),
      [],
    );
    return { columns, batches: singleBatch(empty) };
  }
  const sportOf = new Map(activities.map((a) => [a.id, a.sport]));
  // Files are read in order and each holds one activity, so activity_id comes in runs: chunks
  // arrive with it coded (one string per chunk, not per row).
  const source = store.parquetSource(activities.map((a) => a.samples_path));
  const sql = `SELECT activity_id, timestamp, ${metrics.join(', ')} FROM ${source}`;
  return { columns, batches: withSport(store.stream(sql, [], ['activity_id']), sportOf) };
}

/** Adds the `sport` column after `activity_id`, looked up from the catalog per activity. */
async function* withSport(
  batches: AsyncGenerator<ColumnBatch>,
  sportOf: Map<string, string>,
): AsyncGenerator<ColumnBatch> {
  for await (const batch of batches) {
    const [ids, ...rest] = batch.columns;
    const codes = ids!.codes;
    const sport: ResultColumn = codes
      ? {
          name: 'sport',
          type: 'utf8',
          codes: { ...codes, dictionary: codes.dictionary.map((id) => sportOf.get(id) ?? '') },
          get values() {
            return Array.from(codes.indexes, (k) => sportOf.get(codes.dictionary[k]!) ?? null);
          },
        }
      : { name: 'sport', type: 'utf8', values: ids!.values.map((id) => sportOf.get(id as string) ?? null) };
    yield { rowCount: batch.rowCount, columns: [ids!, sport, ...rest] };
  }
}

export async function longitudinalAggregate(
  store: Store,
  athleteId: string,
  query: LongitudinalAggregateQuery,
): Promise<TabularResult> {
  assertRange(query.start, query.end);
  const metrics = query.metrics ?? ['power', 'heart_rate'];
  const { sql, params } = compileLongitudinalAggregate(athleteId, query, query.interval, metrics);
  const [count] = await store.all<{ n: bigint }>(
    'SELECT count(*) AS n FROM activities WHERE athlete_id = $1',
    [athleteId],
  );
  if (!query.start && !query.end && Number(count?.n ?? 0) === 0) {
    return {
      columns: ['bucket'],
      batches: singleBatch(batchFromRows([{ name: 'bucket', type: 'utf8' }], [])),
    };
  }
  const batches = store.stream(sql, params as DuckDBValue[]);
  return { columns: [], batches };
}

const MODEL_NAMES = { cp2: 'cp2', cp3: 'cp3_morton', exponential: 'exponential', omni: 'ompd' } as const;
const PARAM_NAMES: Record<string, string> = {
  cpW: 'cp_w',
  wPrimeJ: 'w_prime_j',
  pmaxW: 'pmax_w',
  tauS: 'tau_s',
  aW: 'a_w',
};

/** Today's date in UTC as YYYY-MM-DD, shifted by whole days. */
function utcDate(shiftDays = 0, from?: string): string {
  const base = from ? Date.parse(`${from}T00:00:00Z`) : Date.now();
  return new Date(base + shiftDays * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Fits an effort-duration model to the envelope of the bests in range (default: the last 90
 * days): every duration 1..longest from the per-activity curve files, so that windowed fits see
 * every second they need.
 */
export async function intensityDurationModel(
  store: Store,
  athleteId: string,
  query: IntensityDurationModelQuery,
): Promise<IntensityDurationModel> {
  const end = query.end ?? utcDate();
  const start = query.start ?? utcDate(-89, end);
  assertRange(start, end);
  const sport = query.sport ?? (query.metric === 'power' ? 'cycling' : 'running');
  const activities = await activitiesInRange(store, athleteId, { start, end, sport: [sport] });
  const paths = activities.flatMap((a) => (a.curves_path ? [a.curves_path] : []));
  const base = {
    metric: query.metric,
    model: query.model,
    sport,
    start,
    end,
    activity_count: activities.length,
  };
  const failed = (reason: string, windowS: [number, number] = [0, 0]): IntensityDurationModel => ({
    ...base,
    ok: false,
    reason,
    parameters: {},
    rmse: null,
    r2: null,
    window_s: windowS,
    binding_durations_s: [],
    curve: [],
  });
  if (paths.length === 0)
    return failed(`No ${sport} activities with a ${query.metric} curve between ${start} and ${end}.`);
  const best = await store.all<{ duration_s: number; value: number; activity_id: string }>(
    `SELECT duration_s, max(value) AS value, arg_max(activity_id, value) AS activity_id
     FROM ${store.parquetSource(paths)} WHERE metric = $1 GROUP BY duration_s ORDER BY duration_s`,
    [query.metric],
  );
  const longest = best.at(-1)?.duration_s ?? 0;
  const curve = new Float64Array(longest).fill(Number.NaN);
  const source = new Array<string>(longest);
  for (const row of best) {
    curve[row.duration_s - 1] = row.value;
    source[row.duration_s - 1] = row.activity_id;
  }
  // The envelope: best for at least d, carried down from longer durations.
  for (let d = longest - 1; d >= 1; d--) {
    const longer = curve[d]!;
    if (!Number.isNaN(longer) && !(curve[d - 1]! >= longer)) {
      curve[d - 1] = longer;
      source[d - 1] = source[d]!;
    }
  }
  let fit: PowerDurationFit | CriticalSpeedFit;
  let predict: (t: number) => number;
  if (query.metric === 'speed') {
    if (query.model !== 'cp2') {
      throw new PeakformError('ERR_MODEL_UNSUPPORTED', 'For speed, use model=cp2 (critical speed and D′).');
    }
    const speedFit = fitCriticalSpeed(curve);
    fit = speedFit;
    predict = (t) => (speedFit.ok ? speedFit.csMps + speedFit.dPrimeM / t : Number.NaN);
  } else {
    const name = MODEL_NAMES[query.model];
    const powerFit = fitPowerDuration(curve, [name])[name];
    const model = POWER_DURATION_MODELS.find((m) => m.name === name)!;
    fit = powerFit;
    predict = (t) =>
      powerFit.ok
        ? model.predict(
            model.params.map((p) => powerFit.params[p]!),
            t,
          )
        : Number.NaN;
  }
  if (!fit.ok) return failed(fit.reason, fit.windowS);
  const parameters: Record<string, number> =
    'csMps' in fit
      ? { cs_mps: fit.csMps, d_prime_m: fit.dPrimeM }
      : Object.fromEntries(Object.entries(fit.params).map(([k, v]) => [PARAM_NAMES[k] ?? k, v as number]));
  return {
    ...base,
    ok: true,
    reason: null,
    parameters,
    rmse: 'rmseW' in fit ? fit.rmseW : fit.rmseMps,
    r2: fit.r2,
    window_s: fit.windowS,
    binding_durations_s: fit.bindingDurationsS,
    curve: DEFAULT_DURATIONS_S.filter((d) => d <= longest && !Number.isNaN(curve[d - 1]!)).map((d) => ({
      duration_s: d,
      value: curve[d - 1]!,
      // The model speaks only for the durations it was fitted over.
      modelled: d >= fit.windowS[0] && d <= fit.windowS[1] ? predict(d) : null,
      activity_id: source[d - 1]!,
    })),
  };
}

const LOAD_COLUMNS: { name: string; type: ColumnType }[] = [
  { name: 'date', type: 'utf8' },
  { name: 'tss', type: 'float64' },
  { name: 'ctl', type: 'float64' },
  { name: 'atl', type: 'float64' },
  { name: 'tsb', type: 'float64' },
  { name: 'ramp_rate', type: 'float64' },
];

/** Daily load, CTL, ATL, TSB and ramp rate; CTL and ATL run from the athlete's first activity. */
export async function trainingLoadSeries(
  store: Store,
  athleteId: string,
  query: TrainingLoadQuery,
): Promise<TabularResult> {
  const end = query.end ?? utcDate();
  const start = query.start ?? utcDate(-89, end);
  assertRange(start, end);
  const { sql, params } = compileDailyTss(athleteId, end);
  const entries = await store.all<{ date: string; tss: number }>(sql, params as DuckDBValue[]);
  const from = entries[0]?.date && entries[0].date < start ? entries[0].date : start;
  const daily = dailyTss(entries, { from, to: end });
  const load = trainingLoad(daily.tss);
  const rows: unknown[][] = [];
  daily.dates.forEach((date, i) => {
    if (date < start) return;
    const ramp = load.rampRate[i]!;
    rows.push([
      date,
      daily.tss[i]!,
      load.ctl[i]!,
      load.atl[i]!,
      load.tsb[i]!,
      Number.isNaN(ramp) ? null : ramp,
    ]);
  });
  return {
    columns: LOAD_COLUMNS.map((c) => c.name),
    batches: singleBatch(batchFromRows(LOAD_COLUMNS, rows)),
  };
}
