import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/domain/activity.ts';
import { UnreadableFileError } from '../../src/domain/errors.ts';
import { readActivityFile } from '../../src/ingest/read-activity-file.ts';
import { buildFitFile } from './helpers/fit-file.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Calls readActivityFile and returns the error it throws, or the result. */
function attempt(bytes: Uint8Array, fileName?: string): ReadResult | unknown {
  try {
    return readActivityFile(bytes, fileName);
  } catch (error) {
    return error;
  }
}

/** A result or an UnreadableFileError — never another exception type. */
function expectResultOrUnreadable(bytes: Uint8Array, fileName?: string): void {
  const outcome = attempt(bytes, fileName);
  if (outcome instanceof Error) expect(outcome).toBeInstanceOf(UnreadableFileError);
  else expect((outcome as ReadResult).activities.length).toBeGreaterThan(0);
}

/** Deterministic pseudo-random bytes (xorshift32), fast enough for 50 MB. */
function garbage(length: number, seed = 0x9e3779b9): Uint8Array {
  const bytes = new Uint8Array(length);
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(length / 4));
  let x = seed >>> 0;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return bytes;
}

const RIDE = buildFitFile({
  records: Array.from({ length: 120 }, (_, s) => ({
    timeS: 1_715_328_646 + s,
    power: 200 + (s % 50),
    heartRate: 130,
  })),
  session: { sport: 'cycling', subSport: 'road' },
});

const TCX = `<?xml version="1.0"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>
<Activity Sport="Running"><Id>2024-05-10T08:10:46Z</Id><Lap StartTime="2024-05-10T08:10:46Z"><Track>
${Array.from({ length: 30 }, (_, s) => `<Trackpoint><Time>2024-05-10T08:${10 + Math.floor((46 + s) / 60)}:${String((46 + s) % 60).padStart(2, '0')}Z</Time><HeartRateBpm><Value>${140 + s}</Value></HeartRateBpm></Trackpoint>`).join('\n')}
</Track></Lap></Activity></Activities></TrainingCenterDatabase>`;

describe('readActivityFile() on hostile input', () => {
  it('rejects an empty file with UnreadableFileError that lists the accepted formats', () => {
    const error = attempt(new Uint8Array(0), 'ride.fit');
    expect(error).toBeInstanceOf(UnreadableFileError);
    expect((error as UnreadableFileError).message).toMatch(/FIT.*TCX.*GPX.*CSV/);
    expect((error as UnreadableFileError).status).toBe(422);
  });

  it('rejects random bytes with UnreadableFileError, saying the content does not match the extension', () => {
    const error = attempt(garbage(4096), 'ride.fit');
    expect(error).toBeInstanceOf(UnreadableFileError);
    expect((error as UnreadableFileError).message).toMatch(/named \.fit/);
  });

  it('rejects 50 MB of garbage, with or without a FIT header in front', () => {
    const blob = garbage(50 * 1024 * 1024);
    expect(attempt(blob)).toBeInstanceOf(UnreadableFileError);
    const fitHeaded = blob.slice();
    fitHeaded.set(RIDE.subarray(0, 14));
    expect(attempt(fitHeaded)).toBeInstanceOf(UnreadableFileError);
  });

  it('rejects 50 MB of text garbage that looks like CSV or XML', () => {
    const size = 50 * 1024 * 1024;
    const junkRows = new Uint8Array(size).fill(0x0a);
    junkRows.set(encode('timestamp,power\n'));
    for (let i = 16; i < size; i += 2) junkRows[i] = 0x78;
    for (const bytes of [
      junkRows,
      new Uint8Array(size).fill(0x2c), // one 50 MB line of commas
      new Uint8Array(size).fill(0x3c), // '<<<<…'
      encode(`<gpx>${'<a>'.repeat(1_000_000)}</gpx>`),
    ]) {
      expect(attempt(bytes)).toBeInstanceOf(UnreadableFileError);
    }
  });

  it('never throws anything but UnreadableFileError on arbitrary bytes, bare or behind a real format prefix', () => {
    const prefixes = [
      new Uint8Array(0),
      RIDE.subarray(0, 14),
      RIDE.subarray(0, 200),
      encode('<?xml version="1.0"?><TrainingCenterDatabase><Activities><Activity Sport="Biking"><Lap>'),
      encode('<gpx><trk><trkseg><trkpt lat="1" lon="2"><time>'),
      encode('timestamp,power,heart_rate\n2024-05-10T08:10:46Z,'),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 2000 }), (prefix, tail) => {
        const bytes = new Uint8Array(prefix.length + tail.length);
        bytes.set(prefix);
        bytes.set(tail, prefix.length);
        expectResultOrUnreadable(bytes);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('salvages a FIT file cut at any byte, or rejects it with UnreadableFileError', () => {
    for (let cut = 0; cut <= RIDE.length; cut += 7) expectResultOrUnreadable(RIDE.subarray(0, cut));
    const half = readActivityFile(RIDE.subarray(0, Math.floor(RIDE.length / 2)));
    expect(half.issues.map((i) => i.code)).toEqual(['truncated']);
    expect(half.activities[0]!.samples.timestampS.length).toBeGreaterThan(40);
  });

  it('decodes the data of a FIT file whose header states a wrong data size, with a corrupt issue', () => {
    const lying = RIDE.slice();
    new DataView(lying.buffer).setUint32(4, 0, true);
    const result = readActivityFile(lying);
    expect(result.issues.map((i) => i.code)).toContain('corrupt');
    expect(result.activities[0]!.samples.timestampS.length).toBe(120);
  });

  it('rejects XML cut off before its first trackpoint with UnreadableFileError', () => {
    expect(attempt(encode(TCX.slice(0, 200)))).toBeInstanceOf(UnreadableFileError);
    expect(attempt(encode('<?xml version="1.0"?><gpx><trk><trkseg><trkpt lat="1"'))).toBeInstanceOf(
      UnreadableFileError,
    );
  });

  it('keeps the complete trackpoints of a cut-off TCX file, with a truncated issue', () => {
    // Cut inside the trackpoint after 08:11:00: 08:10:46 … 08:11:00 are complete.
    const cut = TCX.slice(0, TCX.indexOf('<Trackpoint>', TCX.indexOf('08:11:00')) + 30);
    const result = readActivityFile(encode(cut), 'ride.tcx');
    expect(result.issues.map((i) => i.code)).toEqual(['truncated']);
    expect(result.activities[0]!.samples.timestampS.length).toBe(15);
    expect(result.activities[0]!.issues).toEqual([]);
    expect(result.activities[0]!.sport).toBe('running');
  });

  it('rejects a CSV whose timestamps have no time zone, saying to add Z or an offset', () => {
    const error = attempt(
      encode('timestamp,power\n2024-05-10T08:10:46,200\n2024-05-10T08:10:47,210\n'),
      'ride.csv',
    );
    expect(error).toBeInstanceOf(UnreadableFileError);
    expect((error as UnreadableFileError).message).toMatch(/`Z`.*offset/);
    expect((error as UnreadableFileError).details).toMatchObject({ line: 2, value: '2024-05-10T08:10:46' });
  });

  it('rejects text that is no activity format, XML of another kind, and a CSV without a timestamp column', () => {
    expect(attempt(encode('hello world'))).toBeInstanceOf(UnreadableFileError);
    expect(attempt(encode('<html><body>hi</body></html>'))).toBeInstanceOf(UnreadableFileError);
    const error = attempt(encode('time,power\n1,200\n'));
    expect(error).toBeInstanceOf(UnreadableFileError);
    expect((error as UnreadableFileError).message).toMatch(/timestamp/);
  });

  it('does not expand entities declared in a TCX DOCTYPE', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
${TCX.replace('<?xml version="1.0"?>', '').replace('<Id>', '<Notes>&c;&c;&c;</Notes><Id>')}`;
    expectResultOrUnreadable(encode(bomb));
  });
});
