import { CrcCalculator } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { prng } from '../../scripts/fixtures/prng.ts';
import { fitCrc } from '../../src/ingest/fit/decode-fit-fast.ts';

/**
 * fitCrc folds eight bytes per step (slicing-by-8); these compare it with the byte-at-a-time
 * table it replaced and with the SDK's CrcCalculator (nibble by nibble), on seeded random bytes,
 * every length up to a few blocks, ranges that start and end anywhere, and on a subarray view.
 */

/** The previous fitCrc: one 256-entry table lookup per byte. */
function byteAtATime(bytes: Uint8Array, start: number, end: number): number {
  const table = Uint16Array.from({ length: 256 }, (_, byte) => {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    return crc;
  });
  let crc = 0;
  for (let i = start; i < end; i++) crc = (crc >> 8) ^ table[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

function randomBytes(length: number, seed: number): Uint8Array {
  const random = prng(seed);
  return Uint8Array.from({ length }, () => random.int(0, 255));
}

describe('fitCrc', () => {
  it('equals the byte-at-a-time CRC and the SDK for every length from 0 to 80', () => {
    const bytes = randomBytes(80, 0xc0c0);
    for (let end = 0; end <= bytes.length; end++) {
      expect(fitCrc(bytes, 0, end), `length ${end}`).toBe(byteAtATime(bytes, 0, end));
      expect(fitCrc(bytes, 0, end), `length ${end}`).toBe(CrcCalculator.calculateCRC(bytes, 0, end));
    }
  });

  it('equals them on random ranges of random buffers, and on a subarray', () => {
    const random = prng(0x5eed);
    for (let trial = 0; trial < 300; trial++) {
      const bytes = randomBytes(random.int(0, 5000), trial);
      const start = random.int(0, bytes.length);
      const end = random.int(start, bytes.length);
      const expected = CrcCalculator.calculateCRC(bytes, start, end);
      expect(byteAtATime(bytes, start, end), `trial ${trial}`).toBe(expected);
      expect(fitCrc(bytes, start, end), `trial ${trial}`).toBe(expected);
      const view = bytes.subarray(start);
      expect(fitCrc(view, 0, end - start), `trial ${trial} subarray`).toBe(expected);
    }
  });

  it('is not trivially constant: one flipped byte changes it', () => {
    const bytes = randomBytes(1000, 7);
    const before = fitCrc(bytes, 0, bytes.length);
    bytes[500]! ^= 0x10;
    expect(fitCrc(bytes, 0, bytes.length)).not.toBe(before);
  });
});
