import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getMetric } from '../../src/domain/metrics.ts';
import { normalizeSamples } from '../../src/ingest/normalize-samples.ts';
import type { RawTrace } from '../../src/ingest/raw-trace.ts';
import { referenceGrid } from './helpers/reference-grid.ts';

const T0 = 1_715_328_646;
const f64 = (values: number[]): Float64Array => Float64Array.from(values);

function trace(timeS: number[], columns: RawTrace['columns'], extra: RawTrace['extra'] = {}): RawTrace {
  return { timeS: f64(timeS), columns, extra };
}

describe('normalizeSamples()', () => {
  it('averages several readings of one second, ignoring missing ones', () => {
    const { samples } = normalizeSamples(
      trace([T0, T0 + 0.25, T0 + 0.5, T0 + 1], { power: f64([100, Number.NaN, 200, 300]) }),
    );
    expect(Array.from(samples.timestampS)).toEqual([T0, T0 + 1]);
    expect(Array.from(samples.columns.power!)).toEqual([150, 300]);
  });

  it('counts seconds from the first reading, not from whole epoch seconds', () => {
    // t0 = T0 + 0.6: T0 + 1.5 is still second 0, T0 + 1.7 is second 1.
    const { samples } = normalizeSamples(trace([T0 + 0.6, T0 + 1.5, T0 + 1.7], { power: f64([10, 20, 30]) }));
    expect(Array.from(samples.timestampS)).toEqual([T0, T0 + 1]);
    expect(Array.from(samples.columns.power!)).toEqual([15, 30]);
  });

  it('takes the largest distance and the last lap of a second', () => {
    const { samples } = normalizeSamples(
      trace([T0, T0 + 0.5, T0 + 0.9], { distance: f64([10, 14, 12]), lap: f64([0, 1, 1]) }),
    );
    expect(samples.columns.distance![0]).toBe(14);
    expect(samples.columns.lap![0]).toBe(1);
  });

  it('sorts readings that go back in time and reports how many did', () => {
    const { samples, issues } = normalizeSamples(
      trace([T0 + 2, T0, T0 + 1], { heart_rate: f64([130, 110, 120]) }),
    );
    expect(Array.from(samples.timestampS)).toEqual([T0, T0 + 1, T0 + 2]);
    expect(Array.from(samples.columns.heart_rate!)).toEqual([110, 120, 130]);
    expect(issues).toEqual([expect.objectContaining({ code: 'non_monotonic_time', details: { count: 1 } })]);
  });

  it('merges repeated timestamps and reports them', () => {
    const { samples, issues } = normalizeSamples(trace([T0, T0, T0 + 1], { power: f64([100, 100, 200]) }));
    expect(samples.timestampS.length).toBe(2);
    expect(issues).toEqual([expect.objectContaining({ code: 'duplicate_timestamp', details: { count: 1 } })]);
  });

  it('drops values outside the valid range of their metric and counts them per metric', () => {
    const { samples, issues } = normalizeSamples(
      trace([T0, T0 + 1], { power: f64([4000, 250]), heart_rate: f64([0, 300]), latitude: f64([91, 45]) }),
    );
    expect(Array.from(samples.columns.power!)).toEqual([Number.NaN, 250]);
    expect(samples.columns.heart_rate).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'out_of_range',
        details: { counts: { power: 1, heart_rate: 2, latitude: 1 } },
      }),
    ]);
  });

  it('does not fill pauses and keeps a row for a record without any reading', () => {
    const { samples } = normalizeSamples(
      trace([T0, T0 + 1, T0 + 60], { power: f64([100, Number.NaN, 120]) }),
    );
    expect(Array.from(samples.timestampS)).toEqual([T0, T0 + 1, T0 + 60]);
    expect(samples.columns.power![1]).toBeNaN();
  });

  it('omits a column with no reading and keeps extra columns by name', () => {
    const { samples } = normalizeSamples(
      trace([T0, T0 + 1], { cadence: f64([Number.NaN, Number.NaN]) }, { form_power: f64([60, 70]) }),
    );
    expect(samples.columns).toEqual({});
    expect(Array.from(samples.extra.form_power!)).toEqual([60, 70]);
  });

  it('skips readings without a finite time', () => {
    const { samples } = normalizeSamples(trace([Number.NaN, T0], { power: f64([1, 2]) }));
    expect(Array.from(samples.timestampS)).toEqual([T0]);
    expect(Array.from(samples.columns.power!)).toEqual([2]);
  });

  it('equals a naive per-second average on random unsorted readings with gaps, repeats and holes', () => {
    const reading = fc.record({
      offsetS: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.double({ min: 0, max: 400, noNaN: true })),
      power: fc.oneof(fc.constant(Number.NaN), fc.integer({ min: -10, max: 3100 })),
    });
    fc.assert(
      fc.property(fc.array(reading, { minLength: 1, maxLength: 300 }), (readings) => {
        const { samples } = normalizeSamples(
          trace(
            readings.map((r) => T0 + r.offsetS),
            { power: f64(readings.map((r) => r.power)) },
          ),
        );
        const expected = referenceGrid(
          readings.map((r) => ({ t: T0 + r.offsetS, value: r.power })),
          getMetric('power'),
        );
        const firstS = Math.min(...readings.map((r) => T0 + r.offsetS));
        expect(Array.from(samples.timestampS)).toEqual(
          [...expected.keys()].map((k) => Math.floor(firstS) + k),
        );
        const power = samples.columns.power;
        [...expected.values()].forEach((want, row) => {
          const got = power ? power[row]! : Number.NaN;
          if (Number.isNaN(want)) expect(got).toBeNaN();
          else expect(got).toBeCloseTo(want, 9);
        });
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
