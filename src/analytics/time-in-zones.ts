import type { ZoneSystem } from './zone-systems.ts';

export interface ZoneTime {
  zone: string;
  /** Inclusive lower bound in the metric's unit (W or bpm). */
  from: number;
  /** Exclusive upper bound, null for the top zone. */
  to: number | null;
  seconds: number;
}

/**
 * Seconds spent in each zone of a zone system for a threshold value (FTP in W or LTHR in bpm).
 * Missing (NaN) seconds are not counted; pass a metric series to choose the gap policy.
 */
export function timeInZones(
  values: ArrayLike<number>,
  system: ZoneSystem,
  thresholdValue: number,
): ZoneTime[] {
  const bounds = system.zones.map((z) => (z.fromPct * thresholdValue) / 100);
  const seconds = new Array<number>(bounds.length).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    let z = bounds.length - 1;
    while (z > 0 && v < bounds[z]!) z--;
    seconds[z]!++;
  }
  return system.zones.map((zone, i) => ({
    zone: zone.name,
    from: bounds[i]!,
    to: i + 1 < bounds.length ? bounds[i + 1]! : null,
    seconds: seconds[i]!,
  }));
}
