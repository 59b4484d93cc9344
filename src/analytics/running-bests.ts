/**
 * Fastest time over standard distances from cumulative distance per second (1 Hz grid, NaN =
 * missing). Two pointers over the seconds with a reading: for each end second j, the latest start
 * second i with distance[j] − distance[i] ≥ D gives the fastest effort ending at j; the latest
 * such i only moves forward as j does. Times are whole grid seconds (elapsed, pauses included);
 * no interpolation within a second, so a time can be up to 1 s longer than the exact crossing.
 * GPS jitter that makes distance go backwards is removed by a running maximum.
 */
export interface RunningBestDistance {
  name: string;
  distanceM: number;
}

export const RUNNING_BEST_DISTANCES: readonly RunningBestDistance[] = [
  { name: '400m', distanceM: 400 },
  { name: '1km', distanceM: 1000 },
  { name: '1mile', distanceM: 1609.344 },
  { name: '5km', distanceM: 5000 },
  { name: '10km', distanceM: 10_000 },
  { name: 'half_marathon', distanceM: 21_097.5 },
  { name: 'marathon', distanceM: 42_195 },
];

export interface RunningBest {
  name: string;
  distanceM: number;
  /** Fastest elapsed time (s). */
  timeS: number;
  /** Grid seconds of the start and end readings of the earliest fastest effort. */
  startS: number;
  endS: number;
  /** Distance actually covered between them (m, ≥ distanceM). */
  coveredM: number;
  /** distanceM / timeS. */
  speedMps: number;
}

/** Bests for every distance that the activity covers; distances it does not reach are left out. */
export function runningBests(
  distanceM: ArrayLike<number>,
  distances: readonly RunningBestDistance[] = RUNNING_BEST_DISTANCES,
): RunningBest[] {
  const seconds: number[] = [];
  const cumulative: number[] = [];
  let high = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < distanceM.length; k++) {
    const d = distanceM[k]!;
    if (Number.isNaN(d)) continue;
    if (d > high) high = d;
    seconds.push(k);
    cumulative.push(high);
  }
  const out: RunningBest[] = [];
  for (const target of distances) {
    let i = 0;
    let best: RunningBest | null = null;
    for (let j = 0; j < seconds.length; j++) {
      while (i + 1 < j && cumulative[j]! - cumulative[i + 1]! >= target.distanceM) i++;
      const covered = cumulative[j]! - cumulative[i]!;
      if (i >= j || covered < target.distanceM) continue;
      const timeS = seconds[j]! - seconds[i]!;
      if (best === null || timeS < best.timeS) {
        best = {
          name: target.name,
          distanceM: target.distanceM,
          timeS,
          startS: seconds[i]!,
          endS: seconds[j]!,
          coveredM: covered,
          speedMps: target.distanceM / timeS,
        };
      }
    }
    if (best) out.push(best);
  }
  return out;
}
