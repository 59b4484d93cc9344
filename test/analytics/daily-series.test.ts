import { describe, expect, it } from 'vitest';
import { dailySeries } from '../../src/analytics/daily-series.ts';

const stored = (pairs: [string, number][]) =>
  pairs.map(([date, value]) => ({ date, value, source: 'manual' }));

describe('dailySeries()', () => {
  it('gives exactly one row per date across month and year ends, stored days as stored', () => {
    const rows = dailySeries(stored([['2024-12-31', 70]]), '2024-12-30', '2025-01-02', 'none');
    expect(rows.map((r) => r.date)).toEqual(['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02']);
    expect(rows.map((r) => r.status)).toEqual(['missing', 'stored', 'missing', 'missing']);
    expect(rows[1]).toEqual({ date: '2024-12-31', value: 70, status: 'stored', source: 'manual' });
    // A leap day and a DST weekend are ordinary days.
    expect(dailySeries([], '2024-02-28', '2024-03-01', 'none')).toHaveLength(3);
    expect(dailySeries([], '2024-03-30', '2024-04-01', 'none').map((r) => r.date)).toEqual([
      '2024-03-30',
      '2024-03-31',
      '2024-04-01',
    ]);
  });

  it('interpolates linearly between values, also from outside the range, and fills the edges', () => {
    const rows = dailySeries(
      stored([
        ['2024-01-01', 70],
        ['2024-01-11', 72],
      ]),
      '2024-01-05',
      '2024-01-13',
      'linear',
    );
    expect(rows[0]).toMatchObject({ date: '2024-01-05', status: 'estimated', source: null });
    expect(rows[0]!.value).toBeCloseTo(70.8, 10);
    expect(rows[6]).toMatchObject({ date: '2024-01-11', value: 72, status: 'stored' });
    expect(rows[8]).toMatchObject({ date: '2024-01-13', value: 72, status: 'estimated' });
    expect(dailySeries(stored([['2024-02-10', 60]]), '2024-02-01', '2024-02-02', 'linear')[0]!.value).toBe(
      60,
    );
  });

  it('carries forward then backward, increments the cycle day, and leaves the rest missing', () => {
    const carry = dailySeries(stored([['2024-03-03', 1800]]), '2024-03-01', '2024-03-05', 'carry');
    expect(carry.map((r) => r.value)).toEqual([1800, 1800, 1800, 1800, 1800]);
    const cycle = dailySeries(stored([['2024-03-03', 5]]), '2024-03-01', '2024-03-05', 'increment');
    expect(cycle.map((r) => r.value)).toEqual([null, null, 5, 6, 7]);
    expect(cycle.map((r) => r.status)).toEqual(['missing', 'missing', 'stored', 'estimated', 'estimated']);
    const none = dailySeries(stored([['2024-03-03', 48]]), '2024-03-01', '2024-03-05', 'none');
    expect(none.filter((r) => r.status === 'missing')).toHaveLength(4);
  });
});
