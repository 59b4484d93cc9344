import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AwdMetric,
  accumulatedWorkDuration,
  longitudinalAccumulatedWorkDuration,
} from '../../src/analytics/accumulated-work-duration.ts';

/** The obvious reference: round every reading, then count the seconds ≥ v for every distinct v. */
function awdBruteForce(
  series: ArrayLike<number>,
  metric: AwdMetric,
): { intensity: number[]; durationS: number[] } {
  const perValue = metric === 'power' ? 1 : 100;
  const units = Array.from(series)
    .filter((v) => !Number.isNaN(v))
    .map((v) => Math.round(v * perValue));
  const distinct = [...new Set(units)].sort((a, b) => b - a);
  return {
    intensity: distinct.map((u) => u / perValue),
    durationS: distinct.map((u) => units.filter((w) => w >= u).length),
  };
}

const seriesArb = fc.record({
  metric: fc.constantFrom<AwdMetric>('power', 'speed'),
  values: fc.array(
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
      { weight: 6, arbitrary: fc.double({ min: 0, max: 1200, noNaN: true }) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }) },
    ),
    { maxLength: 400 },
  ),
});

describe('accumulatedWorkDuration()', () => {
  it('equals counting the seconds at or above every distinct rounded intensity', () => {
    fc.assert(
      fc.property(seriesArb, ({ metric, values }) => {
        const series = metric === 'speed' ? values.map((v) => v / 100) : values;
        const fast = accumulatedWorkDuration(series, metric);
        const slow = awdBruteForce(series, metric);
        expect(Array.from(fast.intensity)).toEqual(slow.intensity);
        expect(Array.from(fast.durationS)).toEqual(slow.durationS);
      }),
      { seed: 20240607, numRuns: 100 },
    );
  });

  it('lists intensities in descending order with durations rising to the number of readings', () => {
    fc.assert(
      fc.property(seriesArb, ({ metric, values }) => {
        const { intensity, durationS } = accumulatedWorkDuration(values, metric);
        for (let i = 1; i < intensity.length; i++) {
          expect(intensity[i]!).toBeLessThan(intensity[i - 1]!);
          expect(durationS[i]!).toBeGreaterThan(durationS[i - 1]!);
        }
        const readings = values.filter((v) => !Number.isNaN(v)).length;
        expect(durationS.length === 0 ? 0 : durationS[durationS.length - 1]).toBe(readings);
      }),
      { seed: 7, numRuns: 100 },
    );
  });

  it('rounds power to whole watts and speed to 0.01 m/s, halves up', () => {
    const power = accumulatedWorkDuration([250.5, 250.4, 300, Number.NaN, 0], 'power');
    expect(Array.from(power.intensity)).toEqual([300, 251, 250, 0]);
    expect(Array.from(power.durationS)).toEqual([1, 2, 3, 4]);
    const speed = accumulatedWorkDuration([3.125, 3.1249, 4], 'speed');
    expect(Array.from(speed.intensity)).toEqual([4, 3.13, 3.12]);
    expect(Array.from(speed.durationS)).toEqual([1, 2, 3]);
  });

  it('returns no rows for a series without readings', () => {
    const { intensity, durationS } = accumulatedWorkDuration([Number.NaN, Number.NaN], 'power');
    expect(intensity.length).toBe(0);
    expect(durationS.length).toBe(0);
  });
});

describe('longitudinalAccumulatedWorkDuration()', () => {
  it('takes max and nearest-rank 90/75/50th percentiles of daily AWD over days with readings', () => {
    const seconds = (count: number, powerW: number) => new Array<number>(count).fill(powerW);
    const result = longitudinalAccumulatedWorkDuration(
      [
        // day 1: two activities, 60 s at 300 W + 10 s at 300 W and 100 s at 200 W
        { localDate: '2024-05-01', series: seconds(60, 300) },
        { localDate: '2024-05-01', series: [...seconds(10, 300), ...seconds(100, 200)] },
        // day 2: 20 s at 300 W
        { localDate: '2024-05-02', series: seconds(20, 300) },
        // day 3: 400 s at 200 W
        { localDate: '2024-05-03', series: seconds(400, 200) },
        // day 4: 30 s at 100 W, with a missing second
        { localDate: '2024-05-04', series: [...seconds(30, 100), Number.NaN] },
        // a day whose activity has no power reading is not a day with readings
        { localDate: '2024-05-05', series: [Number.NaN, Number.NaN] },
      ],
      'power',
    );
    expect(result.dayCount).toBe(4);
    expect(Array.from(result.intensity)).toEqual([300, 200, 100]);
    // daily AWD at 300 W: 70, 20, 0, 0 → sorted 0, 0, 20, 70
    // at 200 W: 170, 20, 400, 0 → 0, 20, 170, 400; at 100 W: 170, 20, 400, 30 → 20, 30, 170, 400
    // ranks (nearest-rank, 4 days): 90th → ⌈3.6⌉ = 4th, 75th → 3rd, 50th → 2nd
    expect(Array.from(result.max)).toEqual([70, 400, 400]);
    expect(Array.from(result.hard)).toEqual([70, 400, 400]);
    expect(Array.from(result.medium)).toEqual([20, 170, 170]);
    expect(Array.from(result.easy)).toEqual([0, 20, 30]);
  });

  it('matches a day-by-day brute force: max is the highest daily count of seconds ≥ v', () => {
    const activityArb = fc.record({
      day: fc.integer({ min: 1, max: 9 }),
      values: fc.array(fc.oneof(fc.constant(Number.NaN), fc.integer({ min: 0, max: 30 })), { maxLength: 60 }),
    });
    fc.assert(
      fc.property(fc.array(activityArb, { maxLength: 12 }), (activities) => {
        const entries = activities.map((a) => ({ localDate: `2024-06-0${a.day}`, series: a.values }));
        const result = longitudinalAccumulatedWorkDuration(entries, 'power');
        const byDay = new Map<string, number[]>();
        for (const e of entries) {
          const readings = e.series.filter((v) => !Number.isNaN(v));
          if (readings.length > 0) byDay.set(e.localDate, [...(byDay.get(e.localDate) ?? []), ...readings]);
        }
        expect(result.dayCount).toBe(byDay.size);
        const all = awdBruteForce([...byDay.values()].flat(), 'power');
        expect(Array.from(result.intensity)).toEqual(all.intensity);
        result.intensity.forEach((v, i) => {
          const daily = [...byDay.values()]
            .map((day) => day.filter((w) => w >= v).length)
            .sort((a, b) => a - b);
          const at = (p: number) => daily[Math.max(1, Math.ceil(p * daily.length)) - 1];
          expect([result.max[i], result.hard[i], result.medium[i], result.easy[i]]).toEqual([
            daily[daily.length - 1],
            at(0.9),
            at(0.75),
            at(0.5),
          ]);
        });
      }),
      { seed: 11, numRuns: 100 },
    );
  });

  it('rejects a local date that is not YYYY-MM-DD', () => {
    expect(() => longitudinalAccumulatedWorkDuration([{ localDate: '1 May', series: [1] }], 'power')).toThrow(
      RangeError,
    );
  });
});
