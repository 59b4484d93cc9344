/** A decoded FIT field as a finite number, or null (absent, invalid, or not a number). */
export function fitNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
