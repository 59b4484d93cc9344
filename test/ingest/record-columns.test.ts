import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prng } from '../../scripts/fixtures/prng.ts';
import { decodeFit } from '../../src/ingest/fit/decode-fit.ts';
import { READ_FIT_MESSAGES } from '../../src/ingest/fit/read-fit.ts';
import { READ_FIT_RECORD_FIELDS } from '../../src/ingest/fit/read-fit-records.ts';
import { readActivityFile } from '../../src/ingest/read-activity-file.ts';
import {
  fitWithHeartRateMessages,
  type GeneratedDefinition,
  generatedFit,
  writeFit,
} from './helpers/generated-fit.ts';
import { MUTATIONS, type Mutation } from './helpers/mutations.ts';
import { everyFitFile } from './helpers/shared-fixtures.ts';

/**
 * Differential test of the columnar record path (src/ingest/fit/record-columns.ts): readActivityFile
 * with records read straight from the bytes into columns gives exactly what it gives through
 * record messages (`{ fit: { recordColumns: false } }`) — the activities with their samples bit
 * for bit (NaN included) and in the same key order, extras, laps, device, issues, or the same
 * error — on every FIT fixture (../shared's when present), on seeded damage to them, on generated
 * files, and on files made to reach each case where the columns decline. Each group also checks
 * that the columns were really used, so that it does not compare the message path with itself.
 */

const SEED = 0x20_2612;
const MUTATIONS_PER_FILE = 16;
const SLOW_MS = 120_000;

/** Whether readFit's decode takes the columnar path for these bytes (or declines it). */
function takesColumns(bytes: Uint8Array): boolean {
  const decoded = decodeFit(bytes, 'fast', {
    only: READ_FIT_MESSAGES,
    recordFields: READ_FIT_RECORD_FIELDS,
    recordColumns: true,
  });
  return decoded.records !== undefined;
}

/** readActivityFile's result, or the error it throws, as data. */
function outcome(bytes: Uint8Array, recordColumns: boolean): unknown {
  try {
    return readActivityFile(bytes, 'file.fit', { fit: { recordColumns } });
  } catch (error) {
    if (!(error instanceof Error)) return { thrown: String(error) };
    const { name, message, cause } = error;
    return { thrown: name, message, code: (error as { code?: unknown }).code, cause: String(cause) };
  }
}

/**
 * The first place where two values differ, or null: typed arrays byte for byte, objects with
 * their keys in the same order, numbers by Object.is.
 */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor)
      return `${path}: not the same kind of array`;
    const x = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const y = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    if (x.equals(y)) return null;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${path}: byte ${i} differs`;
    return `${path}: lengths ${x.length} and ${y.length}`;
  }
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null)
    return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array and object`;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.join('\u0000') !== keysB.join('\u0000')) return `${path}: keys ${keysA} vs ${keysB}`;
  for (const key of keysA) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (found !== null) return found;
  }
  return null;
}

function expectSameOutcome(bytes: Uint8Array, label: string): void {
  expect(firstDifference(outcome(bytes, true), outcome(bytes, false)), label).toBeNull();
}

/** The damage of fuzz-fixtures.test.ts, plus damage inside the first definitions. */
const DAMAGE: Record<string, Mutation> = {
  flipBytes: MUTATIONS.flipBytes!,
  flipEarly: (bytes, random) => {
    const out = bytes.slice();
    out[random.int(0, Math.min(out.length, 2048) - 1)]! ^= random.int(1, 255);
    return out;
  },
  overwriteWord: MUTATIONS.overwriteWord!,
  truncate: MUTATIONS.truncate!,
  duplicateSpan: MUTATIONS.duplicateSpan!,
};

const files = everyFitFile();

describe('readActivityFile with FIT records read into columns, against record messages', () => {
  it('finds the FIT fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const { name, bytes } of files) {
    it(`reads ${name} into columns, with the same result as through messages`, () => {
      expect(takesColumns(bytes)).toBe(true);
      expectSameOutcome(bytes, name);
    });
  }

  files.forEach(({ name, bytes }, fileIndex) => {
    it(
      `gives the same result on ${MUTATIONS_PER_FILE} seeded mutations of ${name}`,
      () => {
        const random = prng(SEED + fileIndex);
        const kinds = Object.keys(DAMAGE);
        let columnar = 0;
        for (let m = 0; m < MUTATIONS_PER_FILE; m++) {
          const kind = kinds[m % kinds.length]!;
          const mutated = DAMAGE[kind]!(bytes, random);
          if (takesColumns(mutated)) columnar++;
          expectSameOutcome(mutated, `${name} mutation ${m} (${kind})`);
        }
        // Damage mostly leaves the columns usable: the comparison exercises them.
        expect(columnar).toBeGreaterThan(MUTATIONS_PER_FILE / 2);
      },
      SLOW_MS,
    );
  });

  it(
    'gives the same result on generated files (random definitions, odd sizes and base types, developer fields)',
    () => {
      const counts = { columnar: 0, declined: 0 };
      fc.assert(
        fc.property(generatedFit, (bytes) => {
          counts[takesColumns(bytes) ? 'columnar' : 'declined']++;
          expectSameOutcome(bytes, `generated ${Buffer.from(bytes).toString('hex')}`);
        }),
        { seed: SEED, numRuns: 400 },
      );
      // Both paths of the switch are reached.
      expect(counts.columnar).toBeGreaterThan(100);
      expect(counts.declined).toBeGreaterThan(10);
    },
    SLOW_MS,
  );
});

/** A FIT file of one record definition (after file_id, developer data and 3 field descriptions) and its messages. */
function recordFile(
  fields: GeneratedDefinition['fields'],
  messages: number[][],
  developer: GeneratedDefinition['developer'] = [],
  developerTypes = [0x84, 0x02, 0x88],
): Uint8Array {
  return writeFit(
    developerTypes,
    [{ global: 20, bigEndian: false, fields, developer }],
    [messages.map((m) => Uint8Array.from(m))],
  );
}

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const u16 = (v: number): number[] => [v & 0xff, v >>> 8];
const f32 = (v: number): number[] => [...new Uint8Array(new Float32Array([v]).buffer)];
const TIMESTAMP = { num: 253, size: 4, baseType: 0x86 };
const POWER = { num: 7, size: 2, baseType: 0x84 };
const SPEED = { num: 6, size: 2, baseType: 0x84 };
const ENHANCED_SPEED = { num: 73, size: 4, baseType: 0x86 };
const T0 = 1_100_000_000;

describe('the columnar record path', () => {
  it('reads what the flat decoder reads: components over their target, named timestamps, developer fields', () => {
    // speed's component replaces a native enhanced_speed; 0x10000000 is the timestamp "min",
    // a string in the message, so that record is skipped; a developer field of each numeric kind.
    const bytes = recordFile(
      [TIMESTAMP, POWER, SPEED, ENHANCED_SPEED],
      [
        [...u32(T0), ...u16(200), ...u16(5000), ...u32(9000)],
        [...u32(T0 + 1), ...u16(0xffff), ...u16(0xffff), ...u32(7000)],
        [...u32(0x10000000), ...u16(300), ...u16(4000), ...u32(4000)],
        [...u32(T0 + 2), ...u16(210), ...u16(5100), ...u32(0xffffffff), 7, 8, ...f32(1.5)],
      ].map((m, i) => (i < 3 ? [...m, 1, 2, ...f32(0.25)] : m)),
      [
        { num: 0, size: 2 },
        { num: 2, size: 4 },
      ],
    );
    expect(takesColumns(bytes)).toBe(true);
    const result = readActivityFile(bytes, 'file.fit');
    const { samples } = result.activities[0]!;
    expect(Array.from(samples.columns.speed ?? [])).toEqual([5, 7, 5.1]);
    expect(result.issues.map((i) => i.code)).toContain('corrupt');
    expectSameOutcome(bytes, 'flat record');
  });

  it('declines a file with heart-rate messages, which the SDK merges into record messages', () => {
    const bytes = fitWithHeartRateMessages(Date.UTC(2024, 0, 1, 8), () => 200);
    expect(takesColumns(bytes)).toBe(false);
    const { samples } = readActivityFile(bytes, 'file.fit').activities[0]!;
    expect(samples.columns.heart_rate?.some((v) => v > 0)).toBe(true);
    expectSameOutcome(bytes, 'hr messages');
  });

  it('declines a float field it reads, a record on the general path, and two developer fields under one key', () => {
    const floatPower = recordFile(
      [TIMESTAMP, { num: 7, size: 4, baseType: 0x88 }],
      [
        [...u32(T0), ...f32(Number.NaN)],
        [...u32(T0 + 1), ...f32(250)],
      ],
    );
    // compressed_speed_distance: bit-packed components, and distance accumulates.
    const general = recordFile(
      [TIMESTAMP, { num: 8, size: 3, baseType: 0x0d }],
      [
        [...u32(T0), 0x10, 0x20, 0x30],
        [...u32(T0 + 1), 0x20, 0x30, 0x40],
      ],
    );
    const sharedKey = recordFile(
      [TIMESTAMP, POWER],
      [
        [...u32(T0), ...u16(200), 1, 2, 3, 4],
        [...u32(T0 + 1), ...u16(201), 0xff, 0xff, 5, 6],
      ],
      [
        { num: 0, size: 2 },
        { num: 0, size: 2 },
      ],
    );
    for (const [label, bytes] of [
      ['float32 power', floatPower],
      ['compressed speed and distance', general],
      ['two developer fields, one key', sharedKey],
    ] as const) {
      expect(takesColumns(bytes), label).toBe(false);
      expect(readActivityFile(bytes, 'file.fit').activities.length, label).toBe(1);
      expectSameOutcome(bytes, label);
    }
  });
});
