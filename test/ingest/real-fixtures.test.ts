import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CanonicalActivity, ReadResult } from '../../src/domain/activity.ts';
import { UnreadableFileError } from '../../src/domain/errors.ts';
import { getMetric } from '../../src/domain/metrics.ts';
import { readActivityFile } from '../../src/ingest/read-activity-file.ts';
import { referenceGrid } from './helpers/reference-grid.ts';
import {
  hasFixtures,
  listRealFiles,
  readDecodeSummaries,
  readRealFile,
  readReferenceStream,
} from './helpers/shared-fixtures.ts';

/** The OST codes each session of a referenced file maps to (decode-summary.jsonl has the FIT names). */
const EXPECTED_SPORTS: Record<string, string[]> = {
  'derived-edge810-vector-truncated-100000B.fit': ['cycling'],
  'fitparse-chained-corrupt-second-header.fit': ['running'],
  'fitparse-edge800-indoor-trainer-power.fit': ['cycling'],
  'fitparse-edge810-vector-ride-78min-power.fit': ['cycling'],
  'fitparse-elemnt-ride-6h33-autopause-power.fit': ['cycling'],
  'fitparse-fenix2-run-hr-nopower.fit': ['running'],
  'fitparse-sigma-ride-4h38-unterminated-power-allzero.fit': ['cycling'],
  'fitparse-stryd-run-power-devfields.fit': ['running'],
  'fitparse-truncated-unexpected-eof.fit': ['running'],
  'sweatpy-edge1000-ride-2h19-power.fit': ['cycling'],
  'sweatpy-edge1000-short-smartrec-pause.fit': ['cycling'],
  'sweatpy-fr935-indoor-laps-startstop.fit': ['cycling+stationary'],
  'sweatpy-fr935-multisport-run-row.fit': ['running', 'transition', 'rowing'],
};

const read = (file: string): ReadResult => readActivityFile(readRealFile(file), path.basename(file));
const codes = (issues: { code: string }[]): string[] => issues.map((i) => i.code);

/** All activities of a file as one per-second table (multisport sessions are disjoint in time). */
function secondsOf(result: ReadResult, metric: 'power' | 'heart_rate'): Map<number, number> {
  const bySecond = new Map<number, number>();
  for (const activity of result.activities) {
    const column = activity.samples.columns[metric];
    activity.samples.timestampS.forEach((t, i) => {
      bySecond.set(t, column ? column[i]! : Number.NaN);
    });
  }
  return bySecond;
}

function expectSameSeconds(
  actual: Map<number, number>,
  expected: Map<number, number>,
  firstEpochS: number,
): void {
  expect(actual.size).toBe(expected.size);
  const mismatches: string[] = [];
  for (const [second, want] of expected) {
    const got = actual.get(Math.floor(firstEpochS) + second);
    const same = Number.isNaN(want)
      ? got !== undefined && Number.isNaN(got)
      : got !== undefined && Math.abs(got - want) < 1e-9;
    if (!same && mismatches.length < 5) mismatches.push(`second ${second}: expected ${want}, got ${got}`);
  }
  expect(mismatches).toEqual([]);
}

describe.skipIf(!hasFixtures)('readActivityFile() on the real fixture files', () => {
  const summaries = readDecodeSummaries();

  for (const file of listRealFiles()) {
    it(`reads ${file} or rejects it with UnreadableFileError, never crashing`, () => {
      let result: ReadResult | undefined;
      try {
        result = read(file);
      } catch (error) {
        expect(error).toBeInstanceOf(UnreadableFileError);
        return;
      }
      expect(result.activities.length).toBeGreaterThan(0);
      for (const activity of result.activities) {
        const { timestampS, columns } = activity.samples;
        for (let i = 1; i < timestampS.length; i++) expect(timestampS[i]! > timestampS[i - 1]!).toBe(true);
        for (const column of Object.values(columns)) expect(column.length).toBe(timestampS.length);
        expect(activity.startS).toBe(timestampS[0]);
        expect(activity.endS).toBe(timestampS[timestampS.length - 1]);
      }
    });
  }

  for (const [file, summary] of summaries) {
    const stream = readReferenceStream(file.replace(/\.fit$/, '.stream.csv'));
    describe(`${file} against its reference decode`, () => {
      it('has the reference start, end and sports', () => {
        const result = read(file);
        expect(result.format).toBe('fit');
        expect(new Date(result.activities[0]!.startS * 1000).toISOString()).toBe(summary.start);
        expect(result.activities.map((a) => a.sport)).toEqual(EXPECTED_SPORTS[file]);
        if (stream) {
          const lastEpochS = Math.max(...stream.map((r) => r.epochS));
          expect(result.activities[result.activities.length - 1]!.endS).toBe(Math.floor(lastEpochS));
        }
      });

      it.skipIf(!stream)('has one row per second that holds a reference record', () => {
        expect(stream!.length).toBe(summary.records);
        const grid = referenceGrid(
          stream!.map((r) => ({ t: r.t, value: r.power })),
          getMetric('power'),
        );
        const rows = read(file).activities.reduce((n, a) => n + a.samples.timestampS.length, 0);
        expect(rows).toBe(grid.size);
      });

      it.skipIf(!stream)('equals the reference per second in power and heart rate', () => {
        const result = read(file);
        const firstEpochS = stream![0]!.epochS;
        for (const [metric, key] of [
          ['power', 'power'],
          ['heart_rate', 'heartRate'],
        ] as const) {
          const expected = referenceGrid(
            stream!.map((r) => ({ t: r.t, value: r[key] })),
            getMetric(metric),
          );
          const allZero = [...expected.values()].every((v) => v === 0 || Number.isNaN(v));
          const anyReading = [...expected.values()].some((v) => !Number.isNaN(v));
          if (metric === 'power' && allZero && anyReading) {
            // An all-zero power channel means no power meter: the column is dropped, not stored as zeros.
            for (const activity of result.activities) expect(activity.samples.columns.power).toBeUndefined();
            continue;
          }
          expectSameSeconds(secondsOf(result, metric), expected, firstEpochS);
        }
      });
    });
  }

  it('keeps every complete record of a FIT file cut off after 100000 bytes, with a truncated issue', () => {
    const result = read('derived-edge810-vector-truncated-100000B.fit');
    expect(codes(result.issues)).toContain('truncated');
    expect(result.activities[0]!.samples.timestampS.length).toBe(3181);
    expect(codes(result.activities[0]!.issues)).toContain('missing_session');
  });

  it('keeps the records of a FIT file that ends inside a message, with a truncated issue', () => {
    const result = read('fitparse-truncated-unexpected-eof.fit');
    expect(codes(result.issues)).toEqual(['truncated']);
    expect(result.issues[0]!.details).toMatchObject({ byteOffset: 768, recordsKept: 14 });
    expect(result.activities[0]!.samples.timestampS.length).toBe(14);
  });

  it('keeps the first file of a chain whose second header is corrupt, with a corrupt issue', () => {
    const result = read('fitparse-chained-corrupt-second-header.fit');
    expect(codes(result.issues)).toEqual(['corrupt']);
    expect(result.activities).toHaveLength(1);
    expect(result.activities[0]!.samples.timestampS.length).toBe(14);
    expect(result.activities[0]!.timerS).toBeCloseTo(13.749, 3);
  });

  it('reads an unterminated file as one activity, timer from its events, and drops its all-zero power', () => {
    const result = read('fitparse-sigma-ride-4h38-unterminated-power-allzero.fit');
    expect(codes(result.issues)).toContain('truncated');
    const [activity] = result.activities as [CanonicalActivity];
    expect(codes(activity.issues)).toEqual(
      expect.arrayContaining(['missing_session', 'no_power_meter', 'duplicate_timestamp']),
    );
    expect(activity.samples.columns.power).toBeUndefined();
    expect(activity.sport).toBe('cycling');
    // Timer start/stop pairs from the events file, the last start running to the last record.
    expect(activity.timerS).toBe(14383);
  });

  it('splits a multisport file into running, transition and rowing activities', () => {
    const result = read('sweatpy-fr935-multisport-run-row.fit');
    expect(result.activities.map((a) => [a.sport, a.samples.timestampS.length])).toEqual([
      ['running', 24],
      ['transition', 12],
      ['rowing', 24],
    ]);
    expect(result.activities.map((a) => a.timerS)).toEqual([24.593, 11.763, 23.245]);
    expect(result.activities.map((a) => a.laps.length)).toEqual([1, 1, 1]);
  });

  it('gives the same per-second power and heart rate from the FIT and the TCX of one ride', () => {
    const fit = read('sweatpy-edge1000-short-smartrec-pause.fit');
    const tcx = read('sweatpy-edge1000-short-smartrec-pause.tcx');
    expect(tcx.format).toBe('tcx');
    expect(codes(tcx.activities[0]!.issues)).toContain('duplicate_timestamp');
    const a = fit.activities[0]!.samples;
    const b = tcx.activities[0]!.samples;
    expect(Array.from(b.timestampS)).toEqual(Array.from(a.timestampS));
    expect(Array.from(b.columns.power!)).toEqual(Array.from(a.columns.power!));
    expect(Array.from(b.columns.heart_rate!)).toEqual(Array.from(a.columns.heart_rate!));
    expect(tcx.activities[0]!.laps.map((l) => l.startS)).toEqual(
      fit.activities[0]!.laps.map((l) => l.startS),
    );
  });

  it('grids the TCX like its reference decode (lap-boundary trackpoints repeated)', () => {
    const stream = readReferenceStream('sweatpy-edge1000-short-smartrec-pause.fromtcx.stream.csv')!;
    const result = read('sweatpy-edge1000-short-smartrec-pause.tcx');
    const startS = result.activities[0]!.startS;
    expect(stream.length).toBe(100);
    for (const [metric, key] of [
      ['power', 'power'],
      ['heart_rate', 'heartRate'],
    ] as const) {
      const expected = referenceGrid(
        stream.map((r) => ({ t: r.t, value: r[key] })),
        getMetric(metric),
      );
      expectSameSeconds(secondsOf(result, metric), expected, startS);
    }
  });

  it('puts Stryd developer-field running power into power when the record has none', () => {
    const result = read('misfits/running-with-developer-fields/with-developer-fields.fit');
    const [activity] = result.activities as [CanonicalActivity];
    const power = activity.samples.columns.power!;
    const readings = power.filter((w) => !Number.isNaN(w));
    expect(readings.length).toBeGreaterThan(2700);
    const meanW = readings.reduce((a, b) => a + b, 0) / readings.length;
    expect(meanW).toBeGreaterThan(150);
    expect(meanW).toBeLessThan(400);
    expect(activity.sport).toBe('running');
    // Other developer fields are kept, not dropped.
    expect(Object.keys(activity.samples.extra)).toEqual(
      expect.arrayContaining(['form_power', 'leg_spring_stiffness']),
    );
  });

  it('keeps native power and the other Stryd developer fields in a Stryd file, renaming those named like metrics', () => {
    const [activity] = read('fitparse-stryd-run-power-devfields.fit').activities as [CanonicalActivity];
    expect(activity.samples.columns.power!.every((w) => !Number.isNaN(w))).toBe(true);
    // Stryd's own `distance` and `speed` fields must not shadow the canonical columns.
    expect(Object.keys(activity.samples.extra).sort()).toEqual([
      'distance_extra',
      'form_power',
      'leg_spring_stiffness',
      'speed_extra',
    ]);
    expect(activity.issues.find((i) => i.code === 'reserved_field_name')?.details).toEqual({
      renamed: [
        { from: 'speed', to: 'speed_extra' },
        { from: 'distance', to: 'distance_extra' },
      ],
    });
    // Running cadence is stored in steps per minute; FIT stores strides (one foot).
    const cadence = activity.samples.columns.cadence!.filter((c) => c > 0);
    expect(cadence.reduce((a, b) => a + b, 0) / cadence.length).toBeGreaterThan(140);
  });

  it('maps CORE and Moxy developer fields of long.fit onto core_temperature and smo2', () => {
    const [activity] = read('misfits/clean-cycling-6h/long.fit').activities as [CanonicalActivity];
    const { columns, extra } = activity.samples;
    expect(columns.core_temperature![0]).toBeCloseTo(37.74, 2);
    const smo2 = columns.smo2!.filter((v) => !Number.isNaN(v));
    expect(smo2.length).toBeGreaterThan(0);
    expect(Math.max(...smo2)).toBeLessThanOrEqual(100);
    expect(extra).toHaveProperty('skin_temperature');
    expect(activity.sport).toBe('cycling');
    expect(activity.utcOffsetS).toBe(7200);
    expect(activity.timerS).toBeCloseTo(21665.168, 3);
    expect(activity.deviceSummary).toMatchObject({ normalizedPowerW: 220, avgPowerW: 155, workJ: 3073312 });
  });
});
