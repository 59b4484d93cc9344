import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CrcCalculator, Encoder, Profile, Utils } from '@garmin/fitsdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecodedFit, decodeFit, type FitDecoderName } from '../../src/ingest/fit/decode-fit.ts';
import { readFit } from '../../src/ingest/fit/read-fit.ts';
import { listRealFiles, readRealFile, repoRoot } from './helpers/shared-fixtures.ts';

/**
 * Differential test of the fast FIT decoder (`decode-fit-fast.ts`) against `@garmin/fitsdk`: on
 * every FIT fixture, and on seeded damage to them, both give the same messages (field by field,
 * in the same key order), the same errors, the same integrity verdict, and readFit builds the same
 * activities and issues from them. On damage the fast decoder may decline (the SDK then decodes
 * the file, so the answer is still the SDK's), but it must decline rarely, or it would not be
 * tested at all.
 */

const FIXTURES_DIR = path.join(repoRoot, 'data/fixtures');
const SEED = 0x11_0002;
const SLOW_MS = 120_000;

interface Fixture {
  name: string;
  bytes: Uint8Array;
}

const projectFixtures: Fixture[] = readdirSync(FIXTURES_DIR)
  .filter((name) => name.endsWith('.fit'))
  .sort()
  .map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(FIXTURES_DIR, name))) }));
// Shared real files (misfits/ included); none when ../shared is absent.
const realFixtures: Fixture[] = listRealFiles()
  .filter((name) => name.endsWith('.fit'))
  .map((name) => ({ name, bytes: readRealFile(name) }));

/** Every message's keys in order: toStrictEqual ignores key order, the SDK's callers might not. */
function keyOrder(messages: DecodedFit['messages']): string[] {
  const order: string[] = [];
  for (const [group, list] of Object.entries(messages))
    order.push(`${group}:${list.map((m) => Object.keys(m).join(',')).join(';')}`);
  return order;
}

function expectSameDecode(fast: DecodedFit, sdk: DecodedFit, label: string): void {
  expect(fast.errors, label).toStrictEqual(sdk.errors);
  expect(fast.integrityOk, label).toBe(sdk.integrityOk);
  expect(fast.headerIgnored, label).toBe(sdk.headerIgnored);
  expect(Object.keys(fast.messages), label).toStrictEqual(Object.keys(sdk.messages));
  for (const group of Object.keys(sdk.messages))
    expect(fast.messages[group], `${label} ${group}`).toStrictEqual(sdk.messages[group]);
  expect(keyOrder(fast.messages), label).toStrictEqual(keyOrder(sdk.messages));
  expect(fast.recordDeveloperFields, label).toStrictEqual(sdk.recordDeveloperFields);
}

/** readFit's result, or the error it throws, as comparable data. */
function readOutcome(bytes: Uint8Array, decoder: FitDecoderName): unknown {
  try {
    return readFit(bytes, decoder);
  } catch (error) {
    return error instanceof Error
      ? { thrown: error.name, message: error.message }
      : { thrown: String(error) };
  }
}

/** Decodes with both decoders and compares; returns which decoder the fast path ended with. */
function compareBoth(bytes: Uint8Array, label: string): { decodedBy: FitDecoderName; errors: string[] } {
  const sdk = decodeFit(bytes, 'sdk');
  const fast = decodeFit(bytes, 'fast');
  expect(sdk.decodedBy).toBe('sdk');
  if (fast.decodedBy === 'fast') expectSameDecode(fast, sdk, label);
  else expect(fast, label).toStrictEqual(sdk);
  expect(readOutcome(bytes, 'fast'), label).toStrictEqual(readOutcome(bytes, 'sdk'));
  return { decodedBy: fast.decodedBy, errors: sdk.errors };
}

/** The bytes with the file CRC recomputed (the last two bytes), so only the change under test remains. */
function withFileCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const crc = CrcCalculator.calculateCRC(out, 0, out.length - 2);
  out[out.length - 2] = crc & 0xff;
  out[out.length - 1] = crc >> 8;
  return out;
}

/**
 * The same single FIT file written big-endian: every definition's architecture byte set to 1 and
 * every multi-byte value of its data messages byte-swapped. A test helper that trusts its input.
 */
function toBigEndian(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const headerSize = out[0]!;
  const end = headerSize + new DataView(out.buffer).getUint32(4, true);
  const sizes: { size: number; width: number }[][] = [];
  const baseWidth = [1, 1, 1, 2, 2, 4, 4, 1, 4, 8, 1, 2, 4, 1, 8, 8, 8];
  let at = headerSize;
  while (at < end) {
    const header = out[at]!;
    if ((header & 0x40) !== 0) {
      const local = header & 0x0f;
      const wasLittle = out[at + 2] === 0;
      out[at + 2] = 1;
      if (wasLittle) [out[at + 3], out[at + 4]] = [out[at + 4]!, out[at + 3]!];
      const count = out[at + 5]!;
      const fields: { size: number; width: number }[] = [];
      for (let i = 0; i < count; i++) {
        const size = out[at + 6 + i * 3 + 1]!;
        fields.push({ size, width: baseWidth[out[at + 6 + i * 3 + 2]! & 0x1f] ?? 1 });
      }
      at += 6 + count * 3;
      if ((header & 0x20) !== 0) {
        const devCount = out[at]!;
        // Developer fields take their base type from a field description: left as they are.
        for (let i = 0; i < devCount; i++) fields.push({ size: out[at + 1 + i * 3 + 1]!, width: 1 });
        at += 1 + devCount * 3;
      }
      sizes[local] = fields;
    } else {
      at += 1;
      for (const { size, width } of sizes[header & 0x0f]!) {
        if (width > 1 && size % width === 0)
          for (let v = at; v < at + size; v += width) out.subarray(v, v + width).reverse();
        at += size;
      }
    }
  }
  return withFileCrc(out);
}

describe('the fast FIT decoder against @garmin/fitsdk', () => {
  it('finds the project FIT fixtures', () => {
    expect(projectFixtures.length).toBeGreaterThanOrEqual(5);
  });

  for (const { name, bytes } of [...projectFixtures, ...realFixtures]) {
    it(
      `decodes ${name} to the SDK's messages, errors and activities, without falling back`,
      () => {
        expect(compareBoth(bytes, name).decodedBy).toBe('fast');
      },
      SLOW_MS,
    );
  }

  it.skipIf(realFixtures.length === 0)(
    'reproduces the SDK on the salvage cases of the shared files (truncated, chained with a bad header)',
    () => {
      const salvage = realFixtures.filter(({ name }) => /truncated|corrupt/.test(name));
      expect(salvage.every(({ bytes }) => decodeFit(bytes, 'sdk').errors.length > 0)).toBe(true);
      const errors = salvage.map(({ bytes }) => decodeFit(bytes, 'fast').errors[0]);
      expect(errors.some((e) => /end of stream/.test(e ?? ''))).toBe(true);
      expect(errors.some((e) => /not a FIT file/.test(e ?? ''))).toBe(true);
    },
  );

  it('decodes big-endian messages as the SDK does', () => {
    for (const name of ['ride-short.fit', 'run-devfield-power.fit']) {
      const bytes = toBigEndian(projectFixtures.find((f) => f.name === name)!.bytes);
      const sdk = decodeFit(bytes, 'sdk');
      expect(sdk.errors, name).toEqual([]);
      expect(sdk.messages.recordMesgs?.length, name).toBeGreaterThan(100);
      expect(compareBoth(bytes, `${name} big-endian`).decodedBy).toBe('fast');
    }
  });

  it('stops at a compressed-timestamp header with the SDK error and keeps what came before', () => {
    const bytes = projectFixtures.find((f) => f.name === 'ride-short.fit')!.bytes.slice();
    // The 60th data message of the file gets the compressed-timestamp bit.
    let seen = 0;
    let at = bytes[0]!;
    const sizes: number[] = [];
    for (;;) {
      const header = bytes[at]!;
      if ((header & 0x40) !== 0) {
        const count = bytes[at + 5]!;
        let size = 0;
        for (let i = 0; i < count; i++) size += bytes[at + 6 + i * 3 + 1]!;
        sizes[header & 0x0f] = size;
        at += 6 + count * 3;
      } else {
        if (++seen === 60) break;
        at += 1 + sizes[header & 0x0f]!;
      }
    }
    bytes[at] = 0x80 | (bytes[at]! & 0x60);
    const sdk = decodeFit(bytes, 'sdk');
    expect(sdk.errors[0]).toMatch(/compressed timestamp/);
    expect(sdk.messages.recordMesgs?.length).toBeGreaterThan(40);
    expect(compareBoth(bytes, 'compressed timestamp').decodedBy).toBe('fast');
  });

  it('decodes chained files, whole and with a truncated second file, as the SDK does', () => {
    const { bytes } = projectFixtures.find((f) => f.name === 'ride-short.fit')!;
    const twice = new Uint8Array(bytes.length * 2);
    twice.set(bytes);
    twice.set(bytes, bytes.length);
    expect(decodeFit(twice, 'sdk').messages.fileIdMesgs).toHaveLength(2);
    expect(compareBoth(twice, 'chained').decodedBy).toBe('fast');
    const cut = twice.subarray(0, bytes.length + 500);
    expect(decodeFit(cut, 'sdk').errors[0]).toMatch(/end of stream/);
    expect(compareBoth(cut, 'chained, second truncated').decodedBy).toBe('fast');
  });

  it('decodes past a header whose data size is wrong, as the SDK salvage pass does', () => {
    const bytes = projectFixtures.find((f) => f.name === 'ride-short.fit')!.bytes.slice();
    bytes.fill(0, 4, 8); // data size 0, as devices write until a file is closed
    const sdk = decodeFit(bytes, 'sdk');
    expect(sdk.headerIgnored).toBe(true);
    expect(compareBoth(bytes, 'data size 0').decodedBy).toBe('fast');
  });

  it('merges heart-rate messages into records as the SDK does', () => {
    const startMs = Date.UTC(2024, 0, 1, 8);
    const encoder = new Encoder();
    encoder.onMesg(Profile.MesgNum.FILE_ID!, {
      type: 'activity',
      manufacturer: 'garmin',
      product: 1,
    } as never);
    for (let i = 0; i < 20; i++)
      encoder.onMesg(Profile.MesgNum.RECORD!, {
        timestamp: new Date(startMs + i * 1000),
        power: 200 + i,
      } as never);
    // An anchor message (timestamp, one event time), then one with eight more beats.
    encoder.onMesg(Profile.MesgNum.HR!, {
      timestamp: new Date(startMs),
      filteredBpm: [119],
      eventTimestamp: [0],
    } as never);
    encoder.onMesg(Profile.MesgNum.HR!, {
      filteredBpm: [120, 121, 122, 123, 124, 125, 126, 127],
      eventTimestamp: [1, 2, 3, 4, 5, 6, 7, 8],
    } as never);
    const bytes = encoder.close();
    const sdk = decodeFit(bytes, 'sdk');
    expect(sdk.messages.hrMesgs?.length).toBeGreaterThan(0);
    // The records were written without heart rate: the merge put it there.
    expect(sdk.messages.recordMesgs?.some((r) => typeof r.heartRate === 'number')).toBe(true);
    expect(compareBoth(bytes, 'hr messages').decodedBy).toBe('fast');
    // An HR message without an anchor timestamp: the SDK's merge throws, and both report it.
    const broken = new Encoder();
    broken.onMesg(Profile.MesgNum.FILE_ID!, {
      type: 'activity',
      manufacturer: 'garmin',
      product: 1,
    } as never);
    broken.onMesg(Profile.MesgNum.RECORD!, { timestamp: new Date(startMs), power: 200 } as never);
    broken.onMesg(Profile.MesgNum.HR!, { filteredBpm: [120], eventTimestamp: [1] } as never);
    const brokenBytes = broken.close();
    expect(decodeFit(brokenBytes, 'sdk').errors[0]).toMatch(/anchor/);
    expect(compareBoth(brokenBytes, 'hr messages without anchor').decodedBy).toBe('fast');
  });

  it(
    'gives the SDK salvage for every truncation of a small file',
    () => {
      const { bytes } = projectFixtures.find((f) => f.name === 'ride-short.fit')!;
      let fallbacks = 0;
      for (let length = 0; length < bytes.length; length += length < 600 ? 1 : 11) {
        if (compareBoth(bytes.subarray(0, length), `truncated to ${length}`).decodedBy === 'sdk') fallbacks++;
      }
      expect(fallbacks).toBe(0);
    },
    SLOW_MS,
  );

  // Small files, so hundreds of SDK decodes stay quick; the big ones are compared whole above.
  const mutable = [...projectFixtures, ...realFixtures].filter(({ bytes }) => bytes.length < 70_000);

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({
      kind: fc.constant('flip' as const),
      flips: fc.array(
        fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 })),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
    }),
    // Definitions sit early in a file: damage there changes base types, sizes and message numbers.
    fc.record({
      kind: fc.constant('flipEarly' as const),
      at: fc.integer({ min: 0, max: 2047 }),
      value: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('badCrc' as const), value: fc.integer({ min: 1, max: 0xffff }) }),
    fc.record({
      kind: fc.constant('header' as const),
      at: fc.integer({ min: 0, max: 13 }),
      value: fc.integer({ min: 0, max: 255 }),
    }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

  function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
    const out = bytes.slice();
    const index = (x: number): number => Math.min(out.length - 1, Math.floor(x * out.length));
    switch (m.kind) {
      case 'truncate':
        return out.subarray(0, index(m.at));
      case 'flip':
        for (const [x, value] of m.flips) out[index(x)]! ^= value;
        return out;
      case 'flipEarly':
        out[Math.min(out.length - 1, m.at)]! ^= m.value;
        return out;
      case 'badCrc':
        out[out.length - 2]! ^= m.value & 0xff;
        out[out.length - 1]! ^= m.value >> 8;
        return out;
      case 'header':
        out[m.at] = m.value;
        return out;
    }
  }

  it(
    'salvages seeded damage (truncations, flipped bytes, bad CRC, corrupt headers) exactly as the SDK',
    () => {
      const outcomes = { fast: 0, sdk: 0, withErrors: 0, kinds: new Set<string>() };
      fc.assert(
        fc.property(fc.integer({ min: 0, max: mutable.length - 1 }), mutation, (fileIndex, m) => {
          const { name, bytes } = mutable[fileIndex]!;
          const label = `${name} ${JSON.stringify(m)}`;
          const { decodedBy, errors } = compareBoth(mutate(bytes, m), label);
          outcomes[decodedBy]++;
          if (errors.length > 0) {
            outcomes.withErrors++;
            outcomes.kinds.add(errors[0]!.replace(/\d+/g, 'N'));
          }
        }),
        { seed: SEED, numRuns: 300 },
      );
      // The damage must exercise the fast path, not only its fallback…
      expect(outcomes.fast).toBeGreaterThan(outcomes.sdk * 4);
      // …and reach the salvage paths: several distinct decoder errors.
      expect(outcomes.withErrors).toBeGreaterThan(40);
      expect(outcomes.kinds.size).toBeGreaterThanOrEqual(3);
    },
    SLOW_MS * 3,
  );

  it(
    'decodes generated files (random definitions over the Profile, odd sizes and base types, developer fields, both byte orders) as the SDK does',
    () => {
      const outcomes = { fast: 0, sdk: 0, withErrors: 0, records: 0 };
      fc.assert(
        fc.property(generatedFit, (bytes) => {
          const { decodedBy, errors } = compareBoth(bytes, `generated ${Buffer.from(bytes).toString('hex')}`);
          outcomes[decodedBy]++;
          if (errors.length > 0) outcomes.withErrors++;
          outcomes.records += decodeFit(bytes, 'sdk').messages.recordMesgs?.length ?? 0;
        }),
        { seed: SEED + 1, numRuns: 300 },
      );
      // Mostly the fast path, with records among the messages, and some files the SDK stops on.
      expect(outcomes.fast).toBeGreaterThan(outcomes.sdk * 3);
      expect(outcomes.records).toBeGreaterThan(200);
      expect(outcomes.withErrors).toBeGreaterThan(5);
    },
    SLOW_MS * 2,
  );
});

// ---- Generated FIT files ------------------------------------------------------------------

const PROFILE_MESSAGES = Profile.messages as unknown as Record<
  number,
  { fields: Record<string, { num: number; baseType: string; array: boolean }> }
>;
const BASE_TYPE_NUMBER = new Map(
  Object.entries(Utils.BaseTypeToFieldType as Record<string, string>).map(([num, name]) => [
    name,
    Number(num),
  ]),
);
const BASE_TYPE_SIZE = [1, 1, 1, 2, 2, 4, 4, 1, 4, 8, 1, 2, 4, 1, 8, 8, 8];
/** Messages ingest reads, weighted towards records, plus a few others (HRV, HR, an unknown number). */
const GENERATED_MESSAGES = [20, 20, 20, 20, 21, 19, 18, 0, 23, 12, 34, 78, 132, 65280];

interface GeneratedField {
  num: number;
  size: number;
  baseType: number;
}

/** A field of the message's profile with its own base type (sometimes an array), or a random one. */
const generatedField = (global: number): fc.Arbitrary<GeneratedField> => {
  const profileFields = Object.values(PROFILE_MESSAGES[global]?.fields ?? {});
  const random = fc.record({
    num: fc.integer({ min: 0, max: 255 }),
    size: fc.integer({ min: 0, max: 9 }),
    baseType: fc.integer({ min: 0, max: 0x1f }).map((t) => (t > 0x10 ? t % 0x11 : t) | (t & 0x10 ? 0x80 : 0)),
  });
  if (profileFields.length === 0) return random;
  const fromProfile = fc
    .tuple(fc.constantFrom(...profileFields), fc.constantFrom(1, 1, 1, 1, 2, 3))
    .map(([field, count]) => {
      const baseType = BASE_TYPE_NUMBER.get(field.baseType) ?? 2;
      return { num: field.num, size: BASE_TYPE_SIZE[baseType]! * count, baseType };
    });
  return fc.oneof({ arbitrary: fromProfile, weight: 6 }, { arbitrary: random, weight: 1 });
};

interface GeneratedDefinition {
  global: number;
  bigEndian: boolean;
  fields: GeneratedField[];
  developer: { num: number; size: number }[];
}

const generatedDefinition: fc.Arbitrary<GeneratedDefinition> = fc
  .tuple(fc.constantFrom(...GENERATED_MESSAGES), fc.boolean())
  .chain(([global, bigEndian]) =>
    fc.record({
      global: fc.constant(global),
      bigEndian: fc.constant(bigEndian),
      fields: fc.uniqueArray(generatedField(global), { maxLength: 12, selector: (f) => f.num }),
      developer: fc.array(
        fc.record({ num: fc.integer({ min: 0, max: 3 }), size: fc.constantFrom(1, 2, 4, 8) }),
        { maxLength: global === 20 ? 3 : 0 },
      ),
    }),
  );

/** Message bytes biased towards the values FIT treats specially (invalid markers, zero). */
const messageBytes = (size: number): fc.Arbitrary<Uint8Array> =>
  fc
    .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0xff, 0x7f, 0x80)), {
      minLength: size,
      maxLength: size,
    })
    .map((values) => Uint8Array.from(values));

/**
 * A FIT file: a file_id, a developer_data_id and three field descriptions (developer fields 0–2
 * of random base types; 3 is never described), then up to four random definitions, each followed
 * by up to five messages of random content.
 */
const generatedFit: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.array(fc.constantFrom(0x02, 0x83, 0x84, 0x86, 0x88, 0x07, 0x8c, 0x1f), { minLength: 3, maxLength: 3 }),
    fc.array(generatedDefinition, { minLength: 1, maxLength: 4 }),
  )
  .chain(([developerTypes, definitions]) =>
    fc.tuple(
      fc.constant(developerTypes),
      fc.constant(definitions),
      fc.tuple(
        ...definitions.map((d) =>
          fc.array(
            messageBytes(
              d.fields.reduce((n, f) => n + f.size, 0) + d.developer.reduce((n, f) => n + f.size, 0),
            ),
            { maxLength: 5 },
          ),
        ),
      ),
    ),
  )
  .map(([developerTypes, definitions, messages]) => writeFit(developerTypes, definitions, messages));

function writeFit(
  developerTypes: number[],
  definitions: GeneratedDefinition[],
  messages: Uint8Array[][],
): Uint8Array {
  const out: number[] = [];
  const u16 = (v: number, big = false): number[] => (big ? [v >> 8, v & 0xff] : [v & 0xff, v >> 8]);
  const define = (local: number, d: GeneratedDefinition): void => {
    out.push(
      0x40 | (d.developer.length > 0 ? 0x20 : 0) | local,
      0,
      d.bigEndian ? 1 : 0,
      ...u16(d.global, d.bigEndian),
    );
    out.push(d.fields.length);
    for (const f of d.fields) out.push(f.num, f.size, f.baseType);
    if (d.developer.length > 0) {
      out.push(d.developer.length);
      for (const f of d.developer) out.push(f.num, f.size, 0);
    }
  };
  const ascii = (text: string, size: number): number[] =>
    Array.from({ length: size }, (_, i) => text.charCodeAt(i) || 0);
  // file_id: type activity, manufacturer development.
  define(0, {
    global: 0,
    bigEndian: false,
    fields: [
      { num: 0, size: 1, baseType: 0 },
      { num: 1, size: 2, baseType: 0x84 },
    ],
    developer: [],
  });
  out.push(0, 4, ...u16(255));
  // developer_data_id: developer_data_index 0.
  define(1, { global: 207, bigEndian: false, fields: [{ num: 3, size: 1, baseType: 2 }], developer: [] });
  out.push(1, 0);
  // field_description: developer_data_index, field_definition_number, fit_base_type_id, field_name, units, scale.
  define(2, {
    global: 206,
    bigEndian: false,
    fields: [
      { num: 0, size: 1, baseType: 2 },
      { num: 1, size: 1, baseType: 2 },
      { num: 2, size: 1, baseType: 2 },
      { num: 3, size: 8, baseType: 7 },
      { num: 8, size: 4, baseType: 7 },
      { num: 6, size: 1, baseType: 2 },
    ],
    developer: [],
  });
  developerTypes.forEach((type, i) => {
    out.push(2, 0, i, type, ...ascii(`dev ${i}`, 8), ...ascii('u', 4), i + 1);
  });
  definitions.forEach((d, i) => {
    const local = 3 + i;
    define(local, d);
    for (const bytes of messages[i]!) out.push(local, ...bytes);
  });
  const data = Uint8Array.from(out);
  const header = new Uint8Array(14);
  header.set([14, 0x20, ...u16(2100)]);
  new DataView(header.buffer).setUint32(4, data.length, true);
  header.set([0x2e, 0x46, 0x49, 0x54], 8);
  const headerCrc = CrcCalculator.calculateCRC(header, 0, 12);
  header.set(u16(headerCrc), 12);
  const file = new Uint8Array(14 + data.length + 2);
  file.set(header);
  file.set(data, 14);
  return withFileCrc(file);
}
