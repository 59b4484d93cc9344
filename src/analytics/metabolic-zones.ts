import { COGGAN_HR_ZONES, COGGAN_POWER_ZONES, FRIEL_HR_ZONES } from './zone-systems.ts';

/**
 * The metabolic profile's zone systems, as data: each zone starts at a percentage of an anchor
 * and ends where the next starts (a value on a boundary belongs to the upper zone).
 *
 * Anchors: `threshold` is the map's second-threshold marker (power: FTP / LT2 / MLSS / VT2 / CP;
 * speed: threshold speed / CS; heart rate: LTHR / the heart rate at LT2); `heart_rate_max` the
 * maximal heart rate. A zone marked `firstThreshold` starts at the first-threshold marker (LT1,
 * VT1) when the profile has one below the threshold, else at its percentage of the threshold.
 *
 * | system | power (% threshold) | speed (% threshold) | heart rate |
 * |---|---|---|---|
 * | `three_zone` (Seiler) | Z1 0, Z2 LT1 else 80, Z3 100 | Z1 0, Z2 LT1 else 85, Z3 100 | % LTHR: Z1 0, Z2 LT1 else 90, Z3 100 |
 * | `five_zone` | Coggan levels 1–5: 0, 55, 75, 90, 105 | Friel pace zones 1–5 as speed: 0, 78, 88, 95, 103 | Coggan, % LTHR: 0, 68, 83, 94, 105 |
 * | `seven_zone` | Coggan levels 1–7: 0, 55, 75, 90, 105, 120, 150 | Friel pace zones 1–5c as speed: 0, 78, 88, 95, 100, 103, 111 | Friel, % LTHR: 0, 81, 90, 94, 100, 103, 106 |
 * | `olt_i_scale` (Olympiatoppen I1–I5) | I1 0, I2 LT1 else 80, I3 90, I4 100, I5 106 | I1 0, I2 LT1 else 85, I3 92, I4 100, I5 104 | % HRmax: I1 0, I2 72, I3 82, I4 87, I5 92 |
 *
 * The I-scale is defined on heart rate (% HRmax) and blood lactate (I2 from ≈1.5, I3 2.5, I4 4,
 * I5 6 mmol/L); for power and speed Peakform places its bounds on the lactate thresholds: I4
 * starts at the second threshold (≈4 mmol/L), I2 at the first. Friel's run pace zones are given
 * as % of threshold pace (time per km); as speed they are the reciprocals, rounded.
 */
export type ZoneMap = 'power' | 'speed' | 'heart_rate';
export type ZoneSystemId = 'three_zone' | 'five_zone' | 'seven_zone' | 'olt_i_scale';

export interface MetabolicZoneSystem {
  anchor: 'threshold' | 'heart_rate_max';
  zones: readonly { name: string; fromPct: number; firstThreshold?: boolean }[];
}

const pcts = (names: readonly string[], from: readonly number[]) =>
  from.map((fromPct, i) => ({ name: names[i]!, fromPct }));
const Z = ['Z1', 'Z2', 'Z3', 'Z4', 'Z5', 'Z6', 'Z7'];
const I = ['I1', 'I2', 'I3', 'I4', 'I5'];
const onThreshold = (fromPct: readonly number[], names = Z): MetabolicZoneSystem => ({
  anchor: 'threshold',
  zones: pcts(names, fromPct),
});
/** Zones whose second zone starts at the first threshold when known. */
const withFirst = (fromPct: readonly number[], names: readonly string[]): MetabolicZoneSystem => ({
  anchor: 'threshold',
  zones: pcts(names, fromPct).map((z, i) => (i === 1 ? { ...z, firstThreshold: true } : z)),
});
const named = (system: { zones: readonly { name: string; fromPct: number }[] }) =>
  system.zones.map((z) => z.fromPct);

export const METABOLIC_ZONE_SYSTEMS: Record<ZoneMap, Record<ZoneSystemId, MetabolicZoneSystem>> = {
  power: {
    three_zone: withFirst([0, 80, 100], Z),
    five_zone: onThreshold(named(COGGAN_POWER_ZONES).slice(0, 5)),
    seven_zone: onThreshold(named(COGGAN_POWER_ZONES)),
    olt_i_scale: withFirst([0, 80, 90, 100, 106], I),
  },
  speed: {
    three_zone: withFirst([0, 85, 100], Z),
    five_zone: onThreshold([0, 78, 88, 95, 103]),
    seven_zone: onThreshold([0, 78, 88, 95, 100, 103, 111]),
    olt_i_scale: withFirst([0, 85, 92, 100, 104], I),
  },
  heart_rate: {
    three_zone: withFirst([0, 90, 100], Z),
    five_zone: onThreshold(named(COGGAN_HR_ZONES)),
    seven_zone: onThreshold(named(FRIEL_HR_ZONES)),
    olt_i_scale: { anchor: 'heart_rate_max', zones: pcts(I, [0, 72, 82, 87, 92]) },
  },
};

export interface ZoneBand {
  zone: string;
  from: number;
  to: number | null;
}

/**
 * The zones of one system for the anchors known (null when its anchor is unknown). Bounds are
 * rounded to whole W and bpm and to 0.01 m/s.
 */
export function metabolicZones(
  map: ZoneMap,
  system: ZoneSystemId,
  anchors: { threshold?: number | null; firstThreshold?: number | null; heartRateMax?: number | null },
): { anchor: 'threshold' | 'heart_rate_max'; anchorValue: number; zones: ZoneBand[] } | null {
  const def = METABOLIC_ZONE_SYSTEMS[map][system];
  const anchorValue = def.anchor === 'threshold' ? anchors.threshold : anchors.heartRateMax;
  if (!(anchorValue && anchorValue > 0)) return null;
  const round = map === 'speed' ? (v: number) => Math.round(v * 100) / 100 : Math.round;
  const first = anchors.firstThreshold;
  const starts = def.zones.map((z) =>
    z.firstThreshold && first && first > 0 && first < anchorValue ? first : (z.fromPct * anchorValue) / 100,
  );
  return {
    anchor: def.anchor,
    anchorValue,
    zones: def.zones.map((z, i) => ({
      zone: z.name,
      from: round(starts[i]!),
      to: i + 1 < starts.length ? round(starts[i + 1]!) : null,
    })),
  };
}
