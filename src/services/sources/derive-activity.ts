import { activityStreams } from '../../analytics/activity-streams.ts';
import { analyzeActivityWithSeries } from '../../analytics/analyze-activity.ts';
import { DEFAULT_CURVE_GAP_POLICY, type GapPolicy } from '../../analytics/gap-policy.ts';
import { type CurveMetric, envelopeWindows } from '../../analytics/index.ts';
import type { MeanMaxCurve } from '../../analytics/mean-max.ts';
import { meanMaxAfterWorkLadder } from '../../analytics/mean-max-after-work.ts';
import { elevationChange, lastReading, sampleStats } from '../../analytics/sample-stats.ts';
import type { CanonicalActivity } from '../../domain/activity.ts';
import { AFTER_WORK_LADDER_KJ, QUERY_GRID_S } from '../../domain/durations.ts';
import type { ActivityAnalysis } from '../../domain/wire.ts';
import type { CurveWrite } from '../../store/store.ts';
import type { ResolvedThresholds } from '../profile/resolve-thresholds.ts';

/** One stored curve (exact values and envelope; see `CurveWrite`), as the store writes it. */
export type StoredCurve = CurveWrite & { metric: CurveMetric };

/** A stored curve with its envelope (best for at least d) and the window that sets each point. */
export function withEnvelope(
  metric: CurveMetric,
  afterKj: number,
  values: Float64Array,
  startS: Int32Array,
): StoredCurve {
  const envelope = envelopeWindows(values, startS);
  return {
    metric,
    afterKj,
    values,
    startS,
    envelope: envelope.values,
    envelopeDurationS: envelope.windowS,
    envelopeStartS: envelope.startS,
  };
}

export interface DerivedActivity {
  summary: ActivityAnalysis;
  gapPolicy: string;
  curves: StoredCurve[];
  /** Reading count, sum, min, max per metric, for server-side aggregation without a sample scan. */
  metricTotals: { metric: string; count: number; sum: number; min: number; max: number }[];
  zoneSeconds: { system: 'power' | 'heart_rate'; zone: string; seconds: number }[];
}

/**
 * Everything computed once per activity at ingest (and again by `peakform recompute`): exact
 * curves for every duration under the default gap policy, fatigue-resistance curves after each
 * rung of the work ladder, and the summary metrics under the activity's thresholds.
 */
export function deriveActivity(
  activity: CanonicalActivity,
  thresholds: ResolvedThresholds,
  curveGapPolicy: GapPolicy = DEFAULT_CURVE_GAP_POLICY,
): DerivedActivity {
  const streams = activityStreams(activity);
  const { analysis, curveSeries } = analyzeActivityWithSeries(streams, {
    gapPolicy: curveGapPolicy,
    ftpW: thresholds.ftp_w,
    cpW: thresholds.cp_w,
    wPrimeJ: thresholds.w_prime_j,
    lthrBpm: thresholds.lthr_bpm,
    maxHrBpm: thresholds.max_hr_bpm,
    restHrBpm: thresholds.rest_hr_bpm,
  });
  const s = analysis.summary;
  const curves: StoredCurve[] = [];
  for (const metric of ['power', 'speed', 'heart_rate'] as const) {
    const curve = analysis.curves[metric];
    if (curve) curves.push(withEnvelope(metric, 0, curve.values, curve.startS));
  }
  // A power stream without a reading has no curve, and no work to reach a rung with either.
  if (curveSeries.power) curves.push(...fatigueCurves(curveSeries.power, analysis.curves.power));

  const { columns } = activity.samples;
  const stats = sampleStats(activity.samples);
  const elevation = columns.altitude ? elevationChange(columns.altitude) : null;
  const metricTotals = Object.entries(stats)
    .filter(([, m]) => m.count > 0)
    .map(([metric, m]) => ({ metric, count: m.count, sum: m.mean! * m.count, min: m.min!, max: m.max! }));
  const zoneSeconds = [
    ...(s.timeInPowerZones ?? []).map((z) => ({
      system: 'power' as const,
      zone: z.zone,
      seconds: z.seconds,
    })),
    ...(s.timeInHeartRateZones ?? []).map((z) => ({
      system: 'heart_rate' as const,
      zone: z.zone,
      seconds: z.seconds,
    })),
  ];
  return {
    gapPolicy: analysis.gapPolicy,
    curves,
    metricTotals,
    zoneSeconds,
    summary: {
      metrics: stats,
      distance_m: lastReading(columns.distance),
      elevation_gain_m: elevation?.gainM ?? null,
      elevation_loss_m: elevation?.lossM ?? null,
      moving_time_s: Math.max(0, ...Object.values(stats).map((m) => m.count)) || null,
      avg_power_w: s.avgPowerW,
      max_power_w: s.maxPowerW,
      normalized_power_w: s.npW,
      x_power_w: s.xPowerW,
      variability_index: s.variabilityIndex,
      intensity_factor: s.intensityFactor,
      tss: s.tss,
      work_kj: s.workKj,
      efficiency_factor: s.efficiencyFactor,
      w_prime_balance_min_j: s.wbalMinJ,
      w_prime_balance_min_at_s: s.wbalMinAtS,
      avg_heart_rate_bpm: s.avgHeartRateBpm,
      max_heart_rate_bpm: s.maxHeartRateBpm,
      trimp: s.trimp,
      hr_tss: s.hrTss,
      avg_speed_mps: s.avgSpeedMps,
      max_speed_mps: s.maxSpeedMps,
      time_in_power_zones: s.timeInPowerZones,
      time_in_heart_rate_zones: s.timeInHeartRateZones,
      running_bests: analysis.runningBests,
      thresholds,
      avg_power_w_per_kg: perKg(s.avgPowerW, thresholds.weight_kg),
      normalized_power_w_per_kg: perKg(s.npW, thresholds.weight_kg),
    },
  };
}

/** W/kg to 2 decimals; null without power or a body mass. */
function perKg(powerW: number | null, massKg: number | undefined): number | null {
  return powerW !== null && massKg && massKg > 0 ? Math.round((powerW / massKg) * 100) / 100 : null;
}

/**
 * Power curves over the part of the activity after each rung of work (kJ), up to the longest
 * grid duration: the window may only start once that much work has been done. Start seconds are
 * relative to the activity's first second, like the whole-activity curve. `filled` is the power
 * grid under the curve gap policy and `wholeCurve` its curve (the ladder reuses its windows).
 */
function fatigueCurves(filled: Float64Array, wholeCurve: MeanMaxCurve | undefined): StoredCurve[] {
  const ladder = meanMaxAfterWorkLadder(
    filled,
    AFTER_WORK_LADDER_KJ.map((kj) => kj * 1000),
    QUERY_GRID_S[QUERY_GRID_S.length - 1]!,
    wholeCurve,
  );
  return ladder.map((after, rung) =>
    withEnvelope('power', AFTER_WORK_LADDER_KJ[rung]!, after.curve.values, after.curve.startS),
  );
}
