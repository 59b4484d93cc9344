import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Encoder, Profile } from '@garmin/fitsdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecodedFit, decodeFit, type FitDecoderName } from '../../src/ingest/fit/decode-fit.ts';
import { readFit } from '../../src/ingest/fit/read-fit.ts';
import { fitWithHeartRateMessages, generatedFit, withFileCrc } from './helpers/generated-fit.ts';
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
    const bytes = fitWithHeartRateMessages(startMs, (i) => 200 + i);
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
