/** FIT timestamps count seconds from 1989-12-31T00:00:00Z; this is that instant in Unix seconds. */
export const FIT_EPOCH_S = 631_065_600;

/** A FIT date_time value as UTC epoch seconds, or null when absent or invalid. */
export function fitTimeToEpochS(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value + FIT_EPOCH_S : null;
}
