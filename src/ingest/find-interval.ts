/**
 * Index of the last interval whose start is at or before `t`, given interval starts in ascending
 * order; 0 when `t` comes before them all (those readings belong to the first interval).
 */
export function findInterval(startsS: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = startsS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (startsS[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
