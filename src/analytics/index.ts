/** Public API of the analytics kernels (see README.md in this folder). */

export {
  type AccumulatedWorkDuration,
  AWD_LEVEL_PERCENTILES,
  AWD_UNITS_PER_VALUE,
  type AwdMetric,
  accumulatedWorkDuration,
  type DatedSeries,
  type LongitudinalAccumulatedWorkDuration,
  longitudinalAccumulatedWorkDuration,
} from './accumulated-work-duration.ts';
export {
  type ActivityAnalysis,
  type ActivityAnalysisSummary,
  type ActivityStreams,
  type AnalyzeOptions,
  analyzeActivity,
  type CurveMetric,
} from './analyze-activity.ts';
export { CP2_LINEAR_WINDOW_S, cp2Envelope, cp2LinearP, cp2LinearWork } from './critical-power-linear.ts';
export { CRITICAL_SPEED_WINDOW_S, type CriticalSpeedFit, fitCriticalSpeed } from './critical-speed.ts';
export { durationGrid } from './duration-grid.ts';
export { type EnvelopeWindows, envelopeWindows } from './envelope-windows.ts';
export {
  FIT_MODEL_NAMES,
  type FitModelName,
  fitPowerDuration,
  type PowerDurationFit,
  type PowerDurationParams,
} from './fit-power-duration.ts';
export {
  applyGapPolicy,
  DEFAULT_CURVE_GAP_POLICY,
  DEFAULT_SUMMARY_GAP_POLICY,
  formatGapPolicy,
  type GapPolicy,
  parseGapPolicy,
  toMetricSeries,
} from './gap-policy.ts';
export {
  type LeastSquaresOptions,
  type LeastSquaresResult,
  levenbergMarquardt,
} from './levenberg-marquardt.ts';
export { type MeanMaxCurve, type MeanMaxOptions, meanMax, meanMaxEnvelope } from './mean-max.ts';
export { meanMaxBruteForce } from './mean-max-brute-force.ts';
export { type NormalizedPowerVariant, normalizedPower } from './normalized-power.ts';
export { POWER_DURATION_MODELS, type PowerDurationModel, SANE_RANGES } from './power-duration-models.ts';
export {
  RUNNING_BEST_DISTANCES,
  type RunningBest,
  type RunningBestDistance,
  runningBests,
} from './running-bests.ts';
export {
  SEGMENTATION_DEFAULTS,
  type SegmentationKey,
  type SegmentedSeries,
  type SegmentSeriesOptions,
  segmentSeries,
} from './segment-series.ts';
export { timeInZones, type ZoneTime } from './time-in-zones.ts';
export { toGrid } from './to-grid.ts';
export { dailyTss, type TrainingLoad, type TrainingLoadOptions, trainingLoad } from './training-load.ts';
export { type TrainingStress, trainingStress } from './training-stress.ts';
export { type HeartRateProfile, hrTss, type Sex, TRIMP_CONSTANTS, trimp } from './trimp.ts';
export {
  skiba2012TauS,
  type WPrimeBalance,
  type WPrimeBalanceModel,
  type WPrimeBalanceOptions,
  wPrimeBalance,
} from './w-prime-balance.ts';
export { xPower } from './x-power.ts';
export {
  COGGAN_HR_ZONES,
  COGGAN_POWER_ZONES,
  FRIEL_HR_ZONES,
  ZONE_SYSTEMS,
  type ZoneSystem,
} from './zone-systems.ts';
