/**
 * Snappy's raw block format, compression only: what the wire contract's Parquet exports are
 * compressed with (WIRE.md §1.8). The reference compressor's scheme: 64 KiB blocks, a hash table
 * of 4-byte sequences, greedy matches emitted as 2-byte-offset copies (1-byte-offset ones when
 * short and near), and a stride that grows over bytes that do not match, so data that does not
 * compress (zstd frames, byte-split floats) passes through at little cost.
 */

const BLOCK = 1 << 16;
/** The hash table's largest size; a smaller input gets a smaller table (clearing it is per block). */
const MAX_HASH_BITS = 14;
/** Inputs shorter than this are written as one literal (a match needs room around it). */
const MIN_INPUT = 15;

export function snappyCompress(input: Uint8Array): Uint8Array {
  // The format's bound on the output (32 + n + n / 6), in a buffer kept between calls.
  const bound = 32 + input.length + Math.ceil(input.length / 6);
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, 2 * scratch.length));
  const out = scratch;
  let at = writeVarint(out, 0, input.length);
  let hashBits = 8;
  while (hashBits < MAX_HASH_BITS && 1 << hashBits < input.length) hashBits++;
  for (let block = 0; block < input.length; block += BLOCK)
    at = compressBlock(input, block, Math.min(input.length, block + BLOCK), out, at, hashBits);
  return out.slice(0, at);
}

let scratch = new Uint8Array(1 << 16);
const tables = Array.from({ length: MAX_HASH_BITS + 1 }, (_, bits) => new Int32Array(1 << bits));

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}

const load32 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const hash = (word: number, shift: number) => Math.imul(word, 0x1e35a7bd) >>> shift;

/** Compresses input[from, to) (at most one block, so every offset fits in 16 bits). */
function compressBlock(
  input: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
  at: number,
  hashBits: number,
): number {
  let literalStart = from;
  if (to - from >= MIN_INPUT) {
    const table = tables[hashBits]!;
    const shift = 32 - hashBits;
    table.fill(-1);
    // Matches start at least 4 bytes before the end, and leave room to read 4 bytes ahead.
    const lastStart = to - 4;
    let i = from + 1;
    let misses = 32;
    while (i < lastStart) {
      const word = load32(input, i);
      const h = hash(word, shift);
      const candidate = table[h]!;
      table[h] = i;
      if (candidate < from || load32(input, candidate) !== word) {
        i += misses++ >> 5;
        continue;
      }
      misses = 32;
      at = writeLiteral(input, literalStart, i, out, at);
      let length = 4;
      while (i + length < to && input[i + length] === input[candidate + length]) length++;
      at = writeCopy(out, at, i - candidate, length);
      i += length;
      literalStart = i;
      if (i < lastStart) table[hash(load32(input, i - 1), shift)] = i - 1;
    }
  }
  return writeLiteral(input, literalStart, to, out, at);
}

function writeLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  const length = to - from;
  if (length === 0) return at;
  const n = length - 1;
  if (n < 60) out[at++] = n << 2;
  else if (n < 1 << 8) {
    out[at++] = 60 << 2;
    out[at++] = n;
  } else if (n < 1 << 16) {
    out[at++] = 61 << 2;
    out[at++] = n & 0xff;
    out[at++] = n >>> 8;
  } else {
    out[at++] = 62 << 2;
    out[at++] = n & 0xff;
    out[at++] = (n >>> 8) & 0xff;
    out[at++] = n >>> 16;
  }
  out.set(input.subarray(from, to), at);
  return at + length;
}

/** A copy of `length` bytes from `offset` back, as tags of at most 64 bytes (never one under 4). */
function writeCopy(out: Uint8Array, at: number, offset: number, length: number): number {
  while (length >= 68) {
    at = copyTag(out, at, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    at = copyTag(out, at, offset, 60);
    length -= 60;
  }
  return copyTag(out, at, offset, length);
}

function copyTag(out: Uint8Array, at: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    out[at++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[at++] = offset & 0xff;
    return at;
  }
  out[at++] = 2 | ((length - 1) << 2);
  out[at++] = offset & 0xff;
  out[at++] = offset >>> 8;
  return at;
}
