/** How the days between stored values are filled (see `analytics/daily-series.ts`). */
export type DailyFill = 'linear' | 'carry' | 'increment' | 'none';

/**
 * The daily measures (SweatStack's `DailyMeasure`) with their unit and how `interpolate=true`
 * fills the days between stored values (WIRE.md §7.4).
 */
export const DAILY_MEASURES = {
  body_mass: { unit: 'kg', fill: 'linear' },
  body_fat_pct: { unit: '%', fill: 'linear' },
  resting_hr: { unit: 'bpm', fill: 'none' },
  hrv: { unit: 'ms', fill: 'none' },
  sleep_duration: { unit: 's', fill: 'none' },
  sleep_altitude: { unit: 'm', fill: 'carry' },
  menstrual_cycle_day: { unit: 'day', fill: 'increment' },
} as const satisfies Record<string, { unit: string; fill: DailyFill }>;

export type DailyMeasure = keyof typeof DAILY_MEASURES;
export const DAILY_MEASURE_NAMES = Object.keys(DAILY_MEASURES) as DailyMeasure[];

/** Where a stored value came from; a `manual` value is never overwritten by an import. */
export const DAILY_SOURCES = ['manual', 'garmin_connect', 'intervals_icu', 'wahoo'] as const;
export type DailySource = (typeof DAILY_SOURCES)[number];
