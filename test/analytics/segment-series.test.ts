import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prng } from '../../scripts/fixtures/prng.ts';
import { meanMax } from '../../src/analytics/mean-max.ts';
import {
  type SegmentationKey,
  type SegmentedSeries,
  type SegmentSeriesOptions,
  segmentSeries,
} from '../../src/analytics/segment-series.ts';
import { HAS_FIXTURES, readStream, referenceFiles } from './reference-fixtures.ts';

interface RecordedSeries {
  timestampS: Float64Array;
  values: Float64Array;
}

/**
 * A ride-like key series on recorded seconds: blocks of a level with noise, coasting zeros, runs of
 * NaN readings, and gaps in the timestamps.
 */
function rideLike(
  seed: number,
  lengthS: number,
  level: number,
  noise: number,
  gapChance: number,
): RecordedSeries {
  const rnd = prng(seed).next;
  const timestampS = new Float64Array(lengthS);
  const values = new Float64Array(lengthS);
  let t = 1_700_000_000 + Math.floor(rnd() * 1000);
  let blockLeft = 0;
  let blockLevel = level;
  let nanLeft = 0;
  for (let i = 0; i < lengthS; i++) {
    if (i > 0) t += rnd() < gapChance ? 2 + Math.floor(rnd() * 30) : 1;
    timestampS[i] = t;
    if (blockLeft-- <= 0) {
      blockLeft = 1 + Math.floor(rnd() * 300);
      const kind = rnd();
      blockLevel = kind < 0.1 ? 0 : kind < 0.3 ? level * (1 + rnd()) : level * (0.4 + 0.6 * rnd());
    }
    if (nanLeft > 0) {
      nanLeft--;
      values[i] = Number.NaN;
      continue;
    }
    if (rnd() < 0.005) nanLeft = Math.floor(rnd() * 20);
    const jitter = (rnd() + rnd() + rnd() + rnd() - 2) * noise;
    values[i] = Math.max(0, Math.round(blockLevel * (1 + jitter) * 100) / 100);
  }
  return { timestampS, values };
}

/** The key series on the grid from the first to the last timestamp, NaN in gaps (what meanMax takes). */
function onGrid(timestampS: ArrayLike<number>, values: ArrayLike<number>): Float64Array {
  const t0 = timestampS[0]!;
  const grid = new Float64Array(timestampS[timestampS.length - 1]! - t0 + 1).fill(Number.NaN);
  for (let i = 0; i < timestampS.length; i++) grid[timestampS[i]! - t0] = values[i]!;
  return grid;
}

/** Each segment repeated durationS times at its mean, on the same grid. */
function expanded(segments: SegmentedSeries, key: string, timestampS: ArrayLike<number>): Float64Array {
  const t0 = timestampS[0]!;
  const grid = new Float64Array(timestampS[timestampS.length - 1]! - t0 + 1).fill(Number.NaN);
  const means = segments.means[key]!;
  for (let j = 0; j < segments.durationS.length; j++) {
    const from = segments.startS[j]! - t0;
    grid.fill(means[j]!, from, from + segments.durationS[j]!);
  }
  return grid;
}

/** Throws naming the first duration ≥ D where the segmented curve leaves the stated tolerance. */
function expectCurveWithinTolerance(segments: SegmentedSeries, key: string, raw: RecordedSeries): void {
  const exact = meanMax(onGrid(raw.timestampS, raw.values)).values;
  const approx = meanMax(expanded(segments, key, raw.timestampS)).values;
  const { relative, absolute, minDurationS } = segments.tolerance;
  for (let d = minDurationS; d <= exact.length; d++) {
    const e = exact[d - 1]!;
    const s = approx[d - 1]!;
    if (Number.isNaN(e) || Number.isNaN(s)) {
      if (Number.isNaN(e) !== Number.isNaN(s)) throw new Error(`d=${d}: exact ${e} vs segmented ${s}`);
      continue;
    }
    const bound = relative * e + (absolute * minDurationS) / d + 1e-9 * (1 + e);
    if (Math.abs(s - e) > bound) throw new Error(`d=${d}: exact ${e}, segmented ${s}, bound ${bound}`);
  }
}

/** The segmentation rule of the file header, checked directly over every interior k (O(len)). */
function ruleSlack(
  x: ArrayLike<number>,
  from: number,
  to: number,
  options: Required<SegmentSeriesOptions>,
): number {
  const { relativeTolerance: r, absoluteTolerance: a, minDurationS: D } = options;
  const len = to - from;
  const prefix = new Float64Array(len + 1);
  for (let k = 0; k < len; k++) prefix[k + 1] = prefix[k]! + x[from + k]!;
  const total = prefix[len]!;
  const mean = total / len;
  let q = Number.POSITIVE_INFINITY;
  for (let k = D; k <= len; k++) q = Math.min(q, (prefix[k]! - prefix[k - D]!) / 2);
  let slack = Number.POSITIVE_INFINITY;
  for (let k = 1; k < len; k++) {
    const deviation = Math.abs(prefix[k]! - k * mean);
    const allowed = r * Math.min(prefix[k]!, total - prefix[k]!, q) + (a * D) / 2;
    slack = Math.min(slack, allowed - deviation);
  }
  return slack;
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) s += values[i]!;
  return s;
}

const caseArb = fc.record({
  seed: fc.integer(),
  lengthS: fc.integer({ min: 1, max: 3000 }),
  key: fc.constantFrom<SegmentationKey>('power', 'speed'),
  noise: fc.constantFrom(0, 0.05, 0.2, 0.6),
  gapChance: fc.constantFrom(0, 0.002, 0.05),
  options: fc.record(
    {
      relativeTolerance: fc.constantFrom(0, 0.01, 0.05),
      absoluteTolerance: fc.constantFrom(0, 0.05, 2.5, 10),
      minDurationS: fc.constantFrom(1, 5, 10, 30),
      maxSegmentS: fc.constantFrom(1, 7, 60, 400),
    },
    { requiredKeys: [] },
  ),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function buildCase(c: Case) {
  const raw = rideLike(c.seed, c.lengthS, c.key === 'power' ? 220 : 8, c.noise, c.gapChance);
  const heartRate = raw.values.map((v, i) => (i % 7 === 3 ? Number.NaN : 100 + (v % 50)));
  const segments = segmentSeries(
    raw.timestampS,
    { [c.key]: raw.values, heart_rate: heartRate },
    c.key,
    c.options,
  );
  return { raw, heartRate, segments };
}

const RUNS = { seed: 20240607, numRuns: 60 };

describe('segmentSeries()', () => {
  it('covers every recorded second once: durations sum to the number of timestamps, segments ascend and never span a gap', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { raw, segments } = buildCase(c);
        let covered = 0;
        for (let j = 0; j < segments.durationS.length; j++) {
          const first = segments.startIndex[j]!;
          const len = segments.durationS[j]!;
          const ok =
            first === covered &&
            segments.startS[j] === raw.timestampS[first] &&
            (j === 0 || segments.startS[j]! > segments.startS[j - 1]!) &&
            len >= 1 &&
            len <= segments.tolerance.maxSegmentS &&
            // one contiguous run: the last second is exactly len − 1 after the first
            raw.timestampS[first + len - 1]! - raw.timestampS[first]! === len - 1;
          if (!ok) throw new Error(`segment ${j}: start ${segments.startS[j]}, ${len} s, index ${first}`);
          covered += len;
        }
        expect(covered).toBe(raw.timestampS.length);
      }),
      RUNS,
    );
  });

  it('preserves work: key mean × duration sums to the sum of the key readings, NaN seconds in neither', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { raw, segments } = buildCase(c);
        const means = segments.means[c.key]!;
        let work = 0;
        for (let j = 0; j < means.length; j++) {
          const from = segments.startIndex[j]!;
          const keyReadings = raw.values.subarray(from, from + segments.durationS[j]!);
          const missing = keyReadings.filter((v) => Number.isNaN(v)).length;
          if (missing !== 0 && missing !== keyReadings.length)
            throw new Error(`segment ${j} mixes missing and present key readings`);
          if (!Number.isNaN(means[j]!)) work += means[j]! * segments.durationS[j]!;
        }
        expect(Math.abs(work - sum(raw.values))).toBeLessThanOrEqual(1e-9 * (1 + sum(raw.values)));
      }),
      RUNS,
    );
  });

  it('keeps the mean-max curve within r·exact + a·D/d of the exact curve for every d ≥ D', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { raw, segments } = buildCase(c);
        expectCurveWithinTolerance(segments, c.key, raw);
      }),
      RUNS,
    );
  });

  it('closes a segment only when the rule would break: each segment obeys it, and its next second would violate it', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { raw, segments } = buildCase(c);
        const options = segments.tolerance;
        const full = {
          relativeTolerance: options.relative,
          absoluteTolerance: options.absolute,
          minDurationS: options.minDurationS,
          maxSegmentS: options.maxSegmentS,
        };
        const x = raw.values;
        for (let j = 0; j < segments.durationS.length; j++) {
          const from = segments.startIndex[j]!;
          const to = from + segments.durationS[j]!;
          if (Number.isNaN(x[from]!)) continue;
          const slack = ruleSlack(x, from, to, full);
          if (slack < -1e-7) throw new Error(`segment ${j} breaks the rule by ${-slack}`);
          const closedForAnotherReason =
            to === x.length ||
            to - from === full.maxSegmentS ||
            raw.timestampS[to]! !== raw.timestampS[to - 1]! + 1 ||
            Number.isNaN(x[to]!);
          if (!closedForAnotherReason && ruleSlack(x, from, to + 1, full) >= 1e-7)
            throw new Error(`segment ${j} could have taken its next second`);
        }
      }),
      RUNS,
    );
  });

  it('averages every other metric over the readings present, NaN when the segment has none', () => {
    const timestampS = [0, 1, 2, 3, 4, 5];
    const power = [200, 200, 200, 200, 200, 200];
    const heartRate = [140, Number.NaN, 150, Number.NaN, Number.NaN, Number.NaN];
    const result = segmentSeries(timestampS, { power, heart_rate: heartRate }, 'power', { maxSegmentS: 3 });
    expect(Array.from(result.durationS)).toEqual([3, 3]);
    expect(Array.from(result.means.power!)).toEqual([200, 200]);
    expect(result.means.heart_rate![0]).toBe(145);
    expect(result.means.heart_rate![1]).toBeNaN();
  });

  it('turns a constant series into one row per contiguous run, cut at maxSegmentS', () => {
    const timestampS = [
      ...Array.from({ length: 150 }, (_, i) => 1000 + i),
      ...Array.from({ length: 10 }, (_, i) => 1200 + i),
      ...Array.from({ length: 100 }, (_, i) => 1300 + i),
    ];
    const power = timestampS.map(() => 237);
    const result = segmentSeries(timestampS, { power }, 'power', { maxSegmentS: 60 });
    expect(Array.from(result.durationS)).toEqual([60, 60, 30, 10, 60, 40]);
    expect(Array.from(result.startS)).toEqual([1000, 1060, 1120, 1200, 1300, 1360]);
    expect(Array.from(result.means.power!)).toEqual([237, 237, 237, 237, 237, 237]);
  });

  it('keeps runs of missing key readings as their own rows with a NaN key mean', () => {
    const power = [100, 100, Number.NaN, Number.NaN, Number.NaN, 100, 100];
    const result = segmentSeries([0, 1, 2, 3, 4, 5, 6], { power }, 'power');
    expect(Array.from(result.durationS)).toEqual([2, 3, 2]);
    expect(result.means.power![1]).toBeNaN();
  });

  it('compresses a steady ride at least 5× with the default tolerance', () => {
    const rnd = prng(42).next;
    const lengthS = 3600;
    const timestampS = Array.from({ length: lengthS }, (_, i) => i);
    // 200 W with ±10 % second-to-second noise (bell-shaped), whole watts as devices record them
    const power = timestampS.map(() => Math.round(200 * (1 + (rnd() + rnd() + rnd() + rnd() - 2) * 0.05)));
    const result = segmentSeries(timestampS, { power }, 'power');
    expect(lengthS / result.durationS.length).toBeGreaterThanOrEqual(5);
    expectCurveWithinTolerance(result, 'power', {
      timestampS: Float64Array.from(timestampS),
      values: Float64Array.from(power),
    });
  });

  it('is deterministic: the same input gives the same segments', () => {
    const raw = rideLike(7, 2000, 250, 0.2, 0.01);
    const a = segmentSeries(raw.timestampS, { power: raw.values }, 'power');
    const b = segmentSeries(raw.timestampS, { power: raw.values }, 'power');
    expect(Array.from(a.durationS)).toEqual(Array.from(b.durationS));
    expect(Array.from(a.means.power!)).toEqual(Array.from(b.means.power!));
  });

  it('rejects timestamps that are not whole, increasing seconds and a missing key series', () => {
    expect(() => segmentSeries([0, 2, 1], { power: [1, 2, 3] }, 'power')).toThrow(RangeError);
    expect(() => segmentSeries([0, 0.5], { power: [1, 2] }, 'power')).toThrow(RangeError);
    expect(() => segmentSeries([0, 1], { speed: [1, 2] }, 'power')).toThrow(RangeError);
    expect(() => segmentSeries([0, 1], { power: [1] }, 'power')).toThrow(RangeError);
  });

  it('returns no rows for no seconds', () => {
    const result = segmentSeries([], { power: [] }, 'power');
    expect(result.durationS.length).toBe(0);
    expect(result.means.power!.length).toBe(0);
  });

  it.skipIf(!HAS_FIXTURES)('keeps the tolerance on the reference rides and runs with power', () => {
    for (const file of referenceFiles(/power.*\.stream\.csv$/)) {
      const stream = readStream(file);
      const t = stream.t!;
      const power = stream.power;
      if (!power) continue;
      // recorded seconds: whole, strictly increasing offsets
      const keep: number[] = [];
      for (let i = 0; i < t.length; i++) {
        if (Number.isInteger(t[i]!) && (keep.length === 0 || t[i]! > t[keep[keep.length - 1]!]!))
          keep.push(i);
      }
      const raw = {
        timestampS: Float64Array.from(keep, (i) => t[i]!),
        values: Float64Array.from(keep, (i) => power[i]!),
      };
      const segments = segmentSeries(raw.timestampS, { power: raw.values }, 'power');
      expect(segments.durationS.reduce((s, d) => s + d, 0)).toBe(keep.length);
      expectCurveWithinTolerance(segments, 'power', raw);
    }
  });
});
