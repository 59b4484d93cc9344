import { describe, expect, it } from 'vitest';
import { runningBests } from '../../src/analytics/running-bests.ts';

describe('runningBests()', () => {
  it('finds whole-second times at a steady 4 m/s and leaves out distances not covered', () => {
    const distance = Float64Array.from({ length: 3000 }, (_, k) => 4 * k);
    const bests = runningBests(distance);
    expect(bests.map((b) => [b.name, b.timeS])).toEqual([
      ['400m', 100],
      ['1km', 250],
      ['1mile', 403],
      ['5km', 1250],
      ['10km', 2500],
    ]);
    expect(bests[0]).toMatchObject({ startS: 0, endS: 100, coveredM: 400, speedMps: 4 });
  });

  it('finds the fast stretch in the middle of a run', () => {
    // 3 m/s, then 100 s at 5 m/s from second 500, then 3 m/s again
    const speed = (k: number) => (k >= 500 && k < 600 ? 5 : 3);
    const distance = new Float64Array(1200);
    for (let k = 1; k < distance.length; k++) distance[k] = distance[k - 1]! + speed(k);
    const [best400] = runningBests(distance, [{ name: '400m', distanceM: 400 }]);
    expect(best400).toMatchObject({ timeS: 80, startS: 499 });
  });

  it('skips missing seconds, counts elapsed time across them and ignores distance going backwards', () => {
    const distance = Float64Array.from([0, 100, Number.NaN, Number.NaN, 300, 250, 500]);
    const [best] = runningBests(distance, [{ name: '400m', distanceM: 400 }]);
    expect(best).toMatchObject({ timeS: 5, startS: 1, endS: 6, coveredM: 400 });
  });
});
