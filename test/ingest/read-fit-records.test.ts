import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DeveloperFieldInfo, decodeFit, type FitMessage } from '../../src/ingest/fit/decode-fit.ts';
import { type FitRecords, readFitRecords } from '../../src/ingest/fit/read-fit-records.ts';
import { readFitRecordsReference } from './helpers/read-fit-records-reference.ts';
import { everyFitFile } from './helpers/shared-fixtures.ts';

/**
 * Differential test of `readFitRecords` (canonical columns filled directly) against the version
 * before it (`helpers/read-fit-records-reference.ts`, through TraceBuilder.set): the same trace —
 * the same columns in the same key order, cell for cell (NaN included) — and the same developer
 * columns, skipped count and field-limit issue, on every FIT fixture and on generated messages.
 */
function expectSameRecords(actual: FitRecords, expected: FitRecords): void {
  expect(Object.keys(actual.trace.columns)).toEqual(Object.keys(expected.trace.columns));
  expect(Object.keys(actual.trace.extra)).toEqual(Object.keys(expected.trace.extra));
  expect(actual.trace).toStrictEqual(expected.trace);
  for (const [name, column] of Object.entries(expected.trace.columns)) {
    const got = actual.trace.columns[name as keyof typeof actual.trace.columns]!;
    for (let i = 0; i < column.length; i++)
      if (!Object.is(got[i], column[i])) throw new Error(`${name}[${i}]`);
  }
  expect(actual.developerColumns).toStrictEqual(expected.developerColumns);
  expect(actual.skippedWithoutTime).toBe(expected.skippedWithoutTime);
  expect(actual.fieldLimitIssue).toStrictEqual(expected.fieldLimitIssue);
}

const files = everyFitFile();

describe('readFitRecords()', () => {
  it.each(files.map((f) => [f.name, f.bytes] as const))('gives the reference trace for %s', (_, bytes) => {
    const decoded = decodeFit(bytes);
    const records = decoded.messages.recordMesgs ?? [];
    expectSameRecords(
      readFitRecords(records, decoded.recordDeveloperFields),
      readFitRecordsReference(records, decoded.recordDeveloperFields),
    );
  });

  const value = fc.oneof(
    fc.integer({ min: -5, max: 400 }),
    fc.double({ noNaN: false }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, null, undefined, 'x', 2 ** 31),
  );
  const FIELDS = [
    'power',
    'heartRate',
    'cadence',
    'fractionalCadence',
    'speed',
    'enhancedSpeed',
    'distance',
    'altitude',
    'enhancedAltitude',
    'positionLat',
    'positionLong',
    'temperature',
    'coreTemperature',
    'saturatedHemoglobinPercent',
  ];
  const info = fc.record({
    name: fc.constantFrom('core_temperature', 'Power', 'power', 'SmO2', 'a b', ''),
    units: fc.constantFrom('W', '°C', '', '%'),
    scale: fc.constantFrom(null, 1, 10, 0.5),
    offset: fc.constantFrom(null, 0, 3),
  }) as fc.Arbitrary<DeveloperFieldInfo>;
  const message = fc.record(
    {
      timestamp: fc.oneof(fc.integer({ min: 1_000_000_000, max: 1_000_100_000 }), fc.constant(undefined)),
      ...Object.fromEntries(FIELDS.map((name) => [name, value])),
      developerFields: fc.dictionary(fc.constantFrom('0', '1', '2', '7', '70'), value, { maxKeys: 4 }),
    },
    { requiredKeys: ['timestamp'] },
  );

  it('gives the reference trace for generated messages (sparse and odd fields, developer fields)', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 60 }),
        fc.array(fc.array(fc.tuple(fc.constantFrom(0, 1, 2, 7), info), { maxLength: 4 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.nat(),
        (messages, infoSets, pick) => {
          // A few field-description states, shared by runs of records as the tracker shares them.
          const maps = infoSets.map((set) => new Map<number, DeveloperFieldInfo>(set));
          const perRecord = messages.map(
            (_, i) => maps[Math.floor((i * maps.length) / messages.length + pick) % maps.length]!,
          );
          const records = messages as unknown as FitMessage[];
          expectSameRecords(readFitRecords(records, perRecord), readFitRecordsReference(records, perRecord));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the reference order of first use when a later record brings a column first', () => {
    const records = [
      { timestamp: 1_000_000_000, heartRate: 120 },
      { timestamp: 1_000_000_001, power: 200, heartRate: 121 },
    ] as unknown as FitMessage[];
    const got = readFitRecords(records, [new Map(), new Map()]);
    expect(Object.keys(got.trace.columns)).toEqual(['heart_rate', 'power']);
    expectSameRecords(got, readFitRecordsReference(records, [new Map(), new Map()]));
  });
});
