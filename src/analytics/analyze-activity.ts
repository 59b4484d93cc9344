import {
  applyGapPolicy,
  DEFAULT_CURVE_GAP_POLICY,
  DEFAULT_SUMMARY_GAP_POLICY,
  formatGapPolicy,
  type GapPolicy,
  toMetricSeries,
} from './gap-policy.ts';
import { type MeanMaxCurve, meanMax } from './mean-max.ts';
import { normalizedPower } from './normalized-power.ts';
import { type RunningBest, runningBests } from './running-bests.ts';
import { timeInZones, type ZoneTime } from './time-in-zones.ts';
import { toGrid } from './to-grid.ts';
import { trainingStress } from './training-stress.ts';
import { hrTssFromTrimp, type Sex, trimp } from './trimp.ts';
import { wPrimeBalance } from './w-prime-balance.ts';
import { xPower } from './x-power.ts';
import { COGGAN_HR_ZONES, COGGAN_POWER_ZONES, type ZoneSystem } from './zone-systems.ts';

/** Per-record streams of one activity; every array has one entry per record, NaN = no reading. */
export interface ActivityStreams {
  /** Seconds since the first record (may be fractional). */
  offsetS: ArrayLike<number>;
  power?: ArrayLike<number>;
  heartRate?: ArrayLike<number>;
  speed?: ArrayLike<number>;
  /** Cumulative distance (m). */
  distance?: ArrayLike<number>;
}

export interface AnalyzeOptions {
  /** Gap policy for the mean-max curves (default `interp:23`). */
  gapPolicy?: GapPolicy;
  /** Gap policy for the summary metrics (default `split`: moving time, like device values). */
  summaryGapPolicy?: GapPolicy;
  ftpW?: number;
  cpW?: number;
  wPrimeJ?: number;
  lthrBpm?: number;
  restHrBpm?: number;
  maxHrBpm?: number;
  sex?: Sex;
  powerZones?: ZoneSystem;
  heartRateZones?: ZoneSystem;
  /** Which curves to compute (default: every metric present). */
  curves?: readonly CurveMetric[];
}

export type CurveMetric = 'power' | 'speed' | 'heart_rate';

/** Summary metrics; null wherever the input (a stream or a threshold) is missing. */
export interface ActivityAnalysisSummary {
  /** Grid length (s): last record second + 1. */
  gridS: number;
  /** Seconds in the power metric series (valid seconds under `split`, all grid seconds otherwise). */
  powerSeconds: number;
  /** Grid seconds without a power reading before any gap policy. */
  powerMissingS: number;
  avgPowerW: number | null;
  maxPowerW: number | null;
  /** Coggan NP (DESIGN.md §4; reference `np_coggan`). */
  npW: number | null;
  /** GoldenCheetah NP (reference `np_gc`), for comparison with that tool. */
  npGcW: number | null;
  xPowerW: number | null;
  /** NP / average power. */
  variabilityIndex: number | null;
  workKj: number | null;
  /** NP / FTP; TSS uses hours = powerSeconds / 3600. */
  intensityFactor: number | null;
  tss: number | null;
  /** NP / average heart rate (W per bpm). */
  efficiencyFactor: number | null;
  /** W'bal minimum, differential model (J), and its grid second. */
  wbalMinJ: number | null;
  wbalMinAtS: number | null;
  /** W'bal minimum, Skiba 2012 integral model (J), its grid second and τ (s). */
  wbalIntegralMinJ: number | null;
  wbalIntegralMinAtS: number | null;
  wbalIntegralTauS: number | null;
  timeInPowerZones: ZoneTime[] | null;
  avgHeartRateBpm: number | null;
  maxHeartRateBpm: number | null;
  trimp: number | null;
  hrTss: number | null;
  timeInHeartRateZones: ZoneTime[] | null;
  avgSpeedMps: number | null;
  maxSpeedMps: number | null;
}

export interface ActivityAnalysis {
  gapPolicy: string;
  summaryGapPolicy: string;
  curves: Partial<Record<CurveMetric, MeanMaxCurve>>;
  runningBests: RunningBest[] | null;
  summary: ActivityAnalysisSummary;
}

/**
 * Everything computed once per activity at ingest: exact mean-max curves (power, speed, heart
 * rate) under the curve gap policy, running bests from distance, and the summary metrics under
 * the summary gap policy. Pure: no I/O, inputs are not modified.
 */
export function analyzeActivity(streams: ActivityStreams, options: AnalyzeOptions = {}): ActivityAnalysis {
  return analyzeActivityWithSeries(streams, options).analysis;
}

/**
 * `analyzeActivity`, and the gap-filled 1 Hz series each curve was computed from, for a caller
 * that computes more from them (e.g. fatigue curves) without filling the grid again.
 */
export function analyzeActivityWithSeries(
  streams: ActivityStreams,
  options: AnalyzeOptions = {},
): { analysis: ActivityAnalysis; curveSeries: Partial<Record<CurveMetric, Float64Array>> } {
  const curvePolicy = options.gapPolicy ?? DEFAULT_CURVE_GAP_POLICY;
  const summaryPolicy = options.summaryGapPolicy ?? DEFAULT_SUMMARY_GAP_POLICY;
  const grid = (values: ArrayLike<number> | undefined) => (values ? toGrid(streams.offsetS, values) : null);
  const powerGrid = grid(streams.power);
  const hrGrid = grid(streams.heartRate);
  const speedGrid = grid(streams.speed);
  const distanceGrid = grid(streams.distance);
  const wanted = new Set<CurveMetric>(options.curves ?? ['power', 'speed', 'heart_rate']);

  const curves: Partial<Record<CurveMetric, MeanMaxCurve>> = {};
  const curveSeries: Partial<Record<CurveMetric, Float64Array>> = {};
  const sources: [CurveMetric, Float64Array | null][] = [
    ['power', powerGrid],
    ['speed', speedGrid],
    ['heart_rate', hrGrid],
  ];
  for (const [metric, g] of sources) {
    if (g && wanted.has(metric) && hasReading(g)) {
      curveSeries[metric] = applyGapPolicy(g, curvePolicy);
      curves[metric] = meanMax(curveSeries[metric]);
    }
  }

  const summary = emptySummary(Math.floor(lastOffset(streams.offsetS)) + 1);
  if (powerGrid && hasReading(powerGrid)) summarizePower(summary, powerGrid, summaryPolicy, options);
  if (hrGrid && hasReading(hrGrid)) summarizeHeartRate(summary, hrGrid, summaryPolicy, options);
  if (speedGrid && hasReading(speedGrid)) {
    const speed = toMetricSeries(speedGrid, summaryPolicy).values;
    summary.avgSpeedMps = mean(speed);
    summary.maxSpeedMps = max(speed);
  }
  if (summary.npW !== null && summary.avgHeartRateBpm)
    summary.efficiencyFactor = summary.npW / summary.avgHeartRateBpm;

  const analysis: ActivityAnalysis = {
    gapPolicy: formatGapPolicy(curvePolicy),
    summaryGapPolicy: formatGapPolicy(summaryPolicy),
    curves,
    runningBests: distanceGrid && hasReading(distanceGrid) ? runningBests(distanceGrid) : null,
    summary,
  };
  return { analysis, curveSeries };
}

function summarizePower(
  s: ActivityAnalysisSummary,
  powerGrid: Float64Array,
  policy: GapPolicy,
  options: AnalyzeOptions,
): void {
  const { values, gridIndexS } = toMetricSeries(powerGrid, policy);
  s.powerSeconds = values.length;
  let missing = 0;
  for (let k = 0; k < powerGrid.length; k++) if (Number.isNaN(powerGrid[k]!)) missing++;
  s.powerMissingS = missing;
  if (values.length === 0) return;
  let total = 0;
  for (const v of values) total += v;
  s.avgPowerW = total / values.length;
  s.maxPowerW = max(values);
  s.workKj = total / 1000;
  s.npW = normalizedPower(values, 'coggan');
  s.npGcW = normalizedPower(values, 'gc');
  s.xPowerW = xPower(values);
  if (s.npW !== null && s.avgPowerW > 0) s.variabilityIndex = s.npW / s.avgPowerW;
  if (options.ftpW && options.ftpW > 0) {
    if (s.npW !== null) {
      const stress = trainingStress(s.npW, options.ftpW, values.length);
      s.intensityFactor = stress.intensityFactor;
      s.tss = stress.tss;
    }
    s.timeInPowerZones = timeInZones(values, options.powerZones ?? COGGAN_POWER_ZONES, options.ftpW);
  }
  const cpW = options.cpW;
  const wPrimeJ = options.wPrimeJ;
  if (cpW && cpW > 0 && wPrimeJ && wPrimeJ > 0) {
    const differential = wPrimeBalance(values, { cpW, wPrimeJ, model: 'differential' });
    const integral = wPrimeBalance(values, { cpW, wPrimeJ, model: 'integral' });
    s.wbalMinJ = differential.minJ;
    s.wbalMinAtS = differential.minAtS === null ? null : gridIndexS[differential.minAtS]!;
    s.wbalIntegralMinJ = integral.minJ;
    s.wbalIntegralMinAtS = integral.minAtS === null ? null : gridIndexS[integral.minAtS]!;
    s.wbalIntegralTauS = integral.tauS;
  }
}

function summarizeHeartRate(
  s: ActivityAnalysisSummary,
  hrGrid: Float64Array,
  policy: GapPolicy,
  options: AnalyzeOptions,
): void {
  // A missing heart-rate second is never 0 bpm: under `zero` and `split` only readings count; under
  // `interp:G` the interpolated seconds count too, the zero-filled ones do not.
  let readings: Float64Array;
  if (policy.kind === 'interp') {
    const filled = applyGapPolicy(hrGrid, policy);
    readings = filled.filter((v, i) => !Number.isNaN(hrGrid[i]!) || v !== 0);
  } else {
    readings = toMetricSeries(hrGrid, { kind: 'split' }).values;
  }
  if (readings.length === 0) return;
  s.avgHeartRateBpm = mean(readings);
  s.maxHeartRateBpm = max(readings);
  const { restHrBpm, maxHrBpm, lthrBpm } = options;
  if (restHrBpm !== undefined && maxHrBpm !== undefined && maxHrBpm > restHrBpm) {
    const profile = { restBpm: restHrBpm, maxBpm: maxHrBpm, sex: options.sex ?? 'male' };
    s.trimp = trimp(readings, profile);
    if (lthrBpm && lthrBpm > restHrBpm) s.hrTss = hrTssFromTrimp(s.trimp, { ...profile, lthrBpm });
  }
  if (lthrBpm && lthrBpm > 0) {
    s.timeInHeartRateZones = timeInZones(readings, options.heartRateZones ?? COGGAN_HR_ZONES, lthrBpm);
  }
}

function emptySummary(gridS: number): ActivityAnalysisSummary {
  return {
    gridS,
    powerSeconds: 0,
    powerMissingS: 0,
    avgPowerW: null,
    maxPowerW: null,
    npW: null,
    npGcW: null,
    xPowerW: null,
    variabilityIndex: null,
    workKj: null,
    intensityFactor: null,
    tss: null,
    efficiencyFactor: null,
    wbalMinJ: null,
    wbalMinAtS: null,
    wbalIntegralMinJ: null,
    wbalIntegralMinAtS: null,
    wbalIntegralTauS: null,
    timeInPowerZones: null,
    avgHeartRateBpm: null,
    maxHeartRateBpm: null,
    trimp: null,
    hrTss: null,
    timeInHeartRateZones: null,
    avgSpeedMps: null,
    maxSpeedMps: null,
  };
}

function hasReading(values: Float64Array): boolean {
  for (const v of values) if (!Number.isNaN(v)) return true;
  return false;
}

function lastOffset(offsetS: ArrayLike<number>): number {
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < offsetS.length; i++) if (offsetS[i]! > last) last = offsetS[i]!;
  return offsetS.length === 0 ? -1 : last - offsetS[0]!;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

function max(values: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}
