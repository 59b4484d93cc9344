import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, METRICS } from '../../src/domain/metrics.ts';
import { sportMatches } from '../../src/domain/sport.ts';
import { MetricNameSchema } from '../../src/domain/wire.ts';

describe('the metrics table', () => {
  it('drives the wire schema: every metric and only metrics are accepted', () => {
    for (const name of METRIC_NAMES) expect(MetricNameSchema.safeParse(name).success).toBe(true);
    expect(MetricNameSchema.safeParse('watts').success).toBe(false);
    expect(MetricNameSchema.options).toEqual([...METRIC_NAMES]);
  });

  it('gives every metric a unit, a DuckDB type, a valid range and a doc line', () => {
    for (const m of METRICS) {
      expect(m.unit.length).toBeGreaterThan(0);
      expect(['SMALLINT', 'FLOAT', 'DOUBLE']).toContain(m.duckdbType);
      expect(m.min).toBeLessThan(m.max);
      expect(m.doc.length).toBeGreaterThan(5);
    }
  });
});

describe('sport filters', () => {
  it.each([
    ['cycling.road', 'cycling', true],
    ['cycling+stationary', 'cycling', true],
    ['cycling.road', 'cycling.road', true],
    ['cycling.road', 'cycling.mountain', false],
    ['cycling', 'cycling.road', false],
    ['cycling.road+stationary', 'cycling+stationary', true],
    ['cycling.road', 'cycling+stationary', false],
    ['cyclingx', 'cycling', false],
    ['running.trail', 'running', true],
  ])('%s matches filter %s: %s', (sport, filter, expected) => {
    expect(sportMatches(sport, filter)).toBe(expected);
  });
});
