import { CrcCalculator, Encoder, Profile, Utils } from '@garmin/fitsdk';
import fc from 'fast-check';

/**
 * Generated FIT files for differential tests of the FIT decoders and readers (fast-fit,
 * record-columns): random definitions over the Profile, odd sizes and base types, developer
 * fields, both byte orders, written byte by byte.
 */

/** The bytes with the file CRC recomputed (the last two bytes), so only the change under test remains. */
export function withFileCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const crc = CrcCalculator.calculateCRC(out, 0, out.length - 2);
  out[out.length - 2] = crc & 0xff;
  out[out.length - 1] = crc >> 8;
  return out;
}

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

export interface GeneratedField {
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

export interface GeneratedDefinition {
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
export const generatedFit: fc.Arbitrary<Uint8Array> = fc
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

export function writeFit(
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

/**
 * A FIT file of 20 records of power and two heart-rate messages (an anchor with a timestamp, then
 * eight more beats), which the SDK merges into the records' heart rate.
 */
export function fitWithHeartRateMessages(startMs: number, powerW: (i: number) => number): Uint8Array {
  const encoder = new Encoder();
  encoder.onMesg(Profile.MesgNum.FILE_ID!, { type: 'activity', manufacturer: 'garmin', product: 1 } as never);
  for (let i = 0; i < 20; i++)
    encoder.onMesg(Profile.MesgNum.RECORD!, {
      timestamp: new Date(startMs + i * 1000),
      power: powerW(i),
    } as never);
  encoder.onMesg(Profile.MesgNum.HR!, {
    timestamp: new Date(startMs),
    filteredBpm: [119],
    eventTimestamp: [0],
  } as never);
  encoder.onMesg(Profile.MesgNum.HR!, {
    filteredBpm: [120, 121, 122, 123, 124, 125, 126, 127],
    eventTimestamp: [1, 2, 3, 4, 5, 6, 7, 8],
  } as never);
  return encoder.close();
}
