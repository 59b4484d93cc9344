import { describe, expect, it } from 'vitest';
import { trendDates, trendStepDays } from '../../web/src/trend-dates.ts';

describe('the fitness page’s fits over time', () => {
  it('trendDates() ends at the range’s end and steps back 28 days while inside the range', () => {
    expect(trendDates('2025-01-01', '2025-04-30')).toEqual([
      '2025-01-08',
      '2025-02-05',
      '2025-03-05',
      '2025-04-02',
      '2025-04-30',
    ]);
    expect(trendDates('2025-04-30', '2025-04-30')).toEqual(['2025-04-30']);
  });

  it('spaces the fits of a long range in whole weeks, at most 26 of them', () => {
    for (const [start, end] of [
      ['2020-01-01', '2024-12-31'],
      ['2023-01-01', '2024-12-31'],
      ['2024-01-01', '2025-12-31'],
    ] as const) {
      const dates = trendDates(start, end);
      const step = trendStepDays(start, end);
      expect(dates.length).toBeLessThanOrEqual(26);
      expect(dates.length).toBeGreaterThan(20);
      expect(step % 7).toBe(0);
      expect(dates.at(-1)).toBe(end);
      expect(dates[0]! >= start).toBe(true);
    }
    expect(trendStepDays('2025-01-01', '2025-12-31')).toBe(28); // a year: every 4 weeks
  });
});
