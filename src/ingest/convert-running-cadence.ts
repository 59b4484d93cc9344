import { parseSport } from '../domain/sport.ts';
import type { RawTrace } from './raw-trace.ts';

/** Sports whose cadence is counted in steps, where devices write strides (one foot) per minute. */
const STEP_SPORTS = new Set(['running', 'walking', 'hiking']);

/**
 * FIT, TCX and GPX files from Garmin-style devices store foot-strike cadence as strides per
 * minute (one leg, like a crank revolution); the canonical `cadence` of a run is steps per minute
 * (METRICS), so it is doubled here, in place, for step sports.
 */
export function convertRunningCadence(sport: string, trace: RawTrace): void {
  const cadence = trace.columns.cadence;
  if (!cadence || !STEP_SPORTS.has(parseSport(sport).path[0] ?? '')) return;
  for (let i = 0; i < cadence.length; i++) cadence[i] = cadence[i]! * 2;
}
