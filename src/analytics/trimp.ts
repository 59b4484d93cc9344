/**
 * Banister TRIMP and hrTSS from a 1 Hz heart-rate series (NaN = missing, not counted).
 *
 * TRIMP = Σ over seconds (1/60 min) · HRr · a · e^(b·HRr), HRr = (HR − rest)/(max − rest)
 * clamped to [0, 1], with a = 0.64, b = 1.92 (male) or a = 0.86, b = 1.67 (female).
 * hrTSS = TRIMP / TRIMP(one hour at LTHR) × 100, so one hour at LTHR scores exactly 100.
 */
export type Sex = 'male' | 'female';

export const TRIMP_CONSTANTS: Record<Sex, { a: number; b: number }> = {
  male: { a: 0.64, b: 1.92 },
  female: { a: 0.86, b: 1.67 },
};

export interface HeartRateProfile {
  restBpm: number;
  maxBpm: number;
  sex: Sex;
}

function weight(hrBpm: number, profile: HeartRateProfile): number {
  const { a, b } = TRIMP_CONSTANTS[profile.sex];
  const hrr = Math.min(1, Math.max(0, (hrBpm - profile.restBpm) / (profile.maxBpm - profile.restBpm)));
  return hrr * a * Math.exp(b * hrr);
}

export function trimp(heartRateBpm: ArrayLike<number>, profile: HeartRateProfile): number {
  if (!(profile.maxBpm > profile.restBpm))
    throw new RangeError('trimp: maximum heart rate must exceed resting');
  let total = 0;
  for (let i = 0; i < heartRateBpm.length; i++) {
    const hr = heartRateBpm[i]!;
    if (!Number.isNaN(hr)) total += weight(hr, profile) / 60;
  }
  return total;
}

export function hrTss(
  heartRateBpm: ArrayLike<number>,
  profile: HeartRateProfile & { lthrBpm: number },
): number {
  return hrTssFromTrimp(trimp(heartRateBpm, profile), profile);
}

/** hrTSS from an already computed `trimp` of the same series and profile. */
export function hrTssFromTrimp(trimpValue: number, profile: HeartRateProfile & { lthrBpm: number }): number {
  const hourAtThreshold = 60 * weight(profile.lthrBpm, profile);
  return (trimpValue / hourAtThreshold) * 100;
}
