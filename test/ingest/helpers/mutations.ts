import type { Prng } from '../../../scripts/fixtures/prng.ts';

export type Mutation = (bytes: Uint8Array, random: Prng) => Uint8Array;

/**
 * Seeded damage to a file: byte flips, overwritten words, truncations, duplicated spans. The
 * fuzz test and the record-columns test damage fixtures the same way.
 */
export const MUTATIONS: Record<string, Mutation> = {
  flipBytes: (bytes, random) => {
    const out = bytes.slice();
    for (let k = random.int(1, 4); k > 0; k--) out[random.int(0, out.length - 1)]! ^= random.int(1, 255);
    return out;
  },
  // Four random bytes at once: the width of a FIT timestamp, so corrupted times come up often.
  overwriteWord: (bytes, random) => {
    const out = bytes.slice();
    const at = random.int(0, Math.max(0, out.length - 4));
    for (let k = 0; k < 4 && at + k < out.length; k++) out[at + k] = random.int(0, 255);
    return out;
  },
  truncate: (bytes, random) => bytes.slice(0, random.int(0, bytes.length - 1)),
  duplicateSpan: (bytes, random) => {
    const from = random.int(0, bytes.length - 1);
    const length = random.int(1, Math.min(4096, bytes.length - from));
    const at = random.int(0, bytes.length);
    const out = new Uint8Array(bytes.length + length);
    out.set(bytes.subarray(0, at));
    out.set(bytes.subarray(from, from + length), at);
    out.set(bytes.subarray(at), at + length);
    return out;
  },
};
