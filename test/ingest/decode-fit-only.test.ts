import { isDeepStrictEqual } from 'node:util';
import { Profile } from '@garmin/fitsdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecodedFit, decodeFit } from '../../src/ingest/fit/decode-fit.ts';
import { READ_FIT_MESSAGES } from '../../src/ingest/fit/read-fit.ts';
import { READ_FIT_RECORD_FIELDS } from '../../src/ingest/fit/read-fit-records.ts';
import { everyFitFile } from './helpers/shared-fixtures.ts';

/**
 * `decodeFit(bytes, 'fast', { only })` (what readFit asks for) against the same decoder without
 * the option: the same errors, integrity verdict, decoder and per-record developer fields, and
 * every message of the kinds asked for (plus records, field descriptions and developer data ids)
 * the same, key order included; messages of other kinds may only be left out. On every FIT
 * fixture and on seeded damage. (test/ingest/fast-fit.test.ts compares readFit through this path
 * with readFit through the SDK.)
 */
const ALWAYS = [20, 206, 207];
const messagesKeyToNum = new Map<string, number>(
  Object.values(Profile.messages as unknown as Record<string, { num: number; messagesKey: string }>).map(
    (m) => [m.messagesKey, m.num],
  ),
);

function expectSameForKinds(
  only: DecodedFit,
  all: DecodedFit,
  kinds: ReadonlySet<number>,
  label: string,
): { left: number } {
  expect(only.decodedBy, label).toBe(all.decodedBy);
  expect(only.errors, label).toEqual(all.errors);
  expect(only.integrityOk, label).toBe(all.integrityOk);
  expect(only.headerIgnored, label).toBe(all.headerIgnored);
  expect(only.recordDeveloperFields, label).toStrictEqual(all.recordDeveloperFields);
  let left = 0;
  for (const [key, list] of Object.entries(all.messages)) {
    const num = messagesKeyToNum.get(key);
    if (num !== undefined && (kinds.has(num) || ALWAYS.includes(num))) {
      expect(only.messages[key], `${label} ${key}`).toStrictEqual(list);
      expect(
        (only.messages[key] ?? []).map((m) => Object.keys(m).join()),
        `${label} ${key}`,
      ).toEqual(list.map((m) => Object.keys(m).join()));
    } else {
      const kept = only.messages[key] ?? [];
      // Left out, or decoded as before (a definition off the flat path is still decoded): the
      // kept ones are a subsequence of the full list.
      let at = 0;
      for (const message of kept) {
        while (at < list.length && !isDeepStrictEqual(list[at], message)) at++;
        expect(at < list.length, `${label} ${key}: a kept message that the full decode lacks`).toBe(true);
        at++;
      }
      left += list.length - kept.length;
    }
  }
  for (const key of Object.keys(only.messages))
    expect(Object.hasOwn(all.messages, key), `${label} ${key}`).toBe(true);
  return { left };
}

const files = everyFitFile();

describe("decodeFit's only option", () => {
  it.each(files.map((f) => [f.name, f.bytes] as const))(
    'keeps every message readFit reads in %s',
    (name, bytes) => {
      expectSameForKinds(
        decodeFit(bytes, 'fast', { only: READ_FIT_MESSAGES }),
        decodeFit(bytes),
        READ_FIT_MESSAGES,
        name,
      );
    },
  );

  it('leaves out the other kinds (HRV and battery messages of the 6 h ride) when ../shared is present', () => {
    const long = files.find((f) => f.name.endsWith('long.fit'));
    if (!long) return;
    const only = decodeFit(long.bytes, 'fast', { only: READ_FIT_MESSAGES });
    expect(only.messages.hrvMesgs ?? []).toHaveLength(0);
    expect(decodeFit(long.bytes).messages.hrvMesgs!.length).toBeGreaterThan(20_000);
  });

  const small = files.filter(({ bytes }) => bytes.length < 70_000);
  it('gives the same errors and kept messages on seeded damage, for random kinds asked for', () => {
    const kindsArb = fc.subarray([0, 12, 18, 19, 21, 23, 34, 78, 132, 147, 206], { minLength: 0 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: small.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 })), {
          maxLength: 3,
        }),
        kindsArb,
        (fileIndex, cut, flips, kinds) => {
          const { name, bytes } = small[fileIndex]!;
          const out = bytes.slice(0, Math.max(1, Math.floor((0.5 + cut / 2) * bytes.length)));
          for (const [x, value] of flips) out[Math.min(out.length - 1, Math.floor(x * out.length))]! ^= value;
          const only = new Set(kinds);
          expectSameForKinds(
            decodeFit(out, 'fast', { only }),
            decodeFit(out),
            only,
            `${name} ${cut} ${flips}`,
          );
        },
      ),
      { seed: 0x11_0003, numRuns: 300 },
    );
  });
});

/**
 * `decodeFit(bytes, 'fast', { only, recordFields })` (what readFit asks for) against the same
 * without recordFields: everything the same but record messages, and each record message the full
 * one with some keys not asked for left out (every key asked for, and `developerFields`, kept;
 * values and order the same).
 */
function expectSameRecordFields(trimmed: DecodedFit, full: DecodedFit, label: string): { left: number } {
  expect(trimmed.decodedBy, label).toBe(full.decodedBy);
  expect(trimmed.errors, label).toEqual(full.errors);
  expect(trimmed.integrityOk, label).toBe(full.integrityOk);
  expect(trimmed.headerIgnored, label).toBe(full.headerIgnored);
  expect(trimmed.recordDeveloperFields, label).toStrictEqual(full.recordDeveloperFields);
  expect(Object.keys(trimmed.messages), label).toEqual(Object.keys(full.messages));
  let left = 0;
  for (const [key, list] of Object.entries(full.messages)) {
    if (key !== 'recordMesgs') {
      expect(trimmed.messages[key], `${label} ${key}`).toStrictEqual(list);
      continue;
    }
    const records = trimmed.messages[key]!;
    expect(records, label).toHaveLength(list.length);
    list.forEach((record, i) => {
      const expected = Object.fromEntries(
        Object.entries(record).filter(
          ([name]) => name === 'developerFields' || READ_FIT_RECORD_FIELDS.has(name) || name in records[i]!,
        ),
      );
      expect(records[i], `${label} record ${i}`).toStrictEqual(expected);
      expect(Object.keys(records[i]!), `${label} record ${i}`).toEqual(Object.keys(expected));
      left += Object.keys(record).length - Object.keys(expected).length;
    });
  }
  return { left };
}

describe("decodeFit's recordFields option", () => {
  const options = { only: READ_FIT_MESSAGES, recordFields: READ_FIT_RECORD_FIELDS };
  it.each(files.map((f) => [f.name, f.bytes] as const))(
    'keeps every record field readFit reads in %s',
    (name, bytes) => {
      expectSameRecordFields(
        decodeFit(bytes, 'fast', options),
        decodeFit(bytes, 'fast', { only: READ_FIT_MESSAGES }),
        name,
      );
    },
  );

  it('leaves out the others (power phases, pedal balance of the 6 h ride) when ../shared is present', () => {
    const long = files.find((f) => f.name.endsWith('long.fit'));
    if (!long) return;
    const { left } = expectSameRecordFields(
      decodeFit(long.bytes, 'fast', options),
      decodeFit(long.bytes, 'fast', { only: READ_FIT_MESSAGES }),
      'long.fit',
    );
    expect(left).toBeGreaterThan(100_000);
  });

  const small = files.filter(({ bytes }) => bytes.length < 70_000);
  it('gives the same errors and messages on seeded damage', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: small.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 })), {
          maxLength: 3,
        }),
        (fileIndex, cut, flips) => {
          const { name, bytes } = small[fileIndex]!;
          const out = bytes.slice(0, Math.max(1, Math.floor((0.5 + cut / 2) * bytes.length)));
          for (const [x, value] of flips) out[Math.min(out.length - 1, Math.floor(x * out.length))]! ^= value;
          expectSameRecordFields(
            decodeFit(out, 'fast', options),
            decodeFit(out, 'fast', { only: READ_FIT_MESSAGES }),
            `${name} ${cut} ${flips}`,
          );
        },
      ),
      { seed: 0x11_0004, numRuns: 300 },
    );
  });
});
