/**
 * A reader of Thrift's compact protocol, enough for Parquet's footer and page headers: a struct
 * is read into an array indexed by field id (`struct[4]` is field 4), lists into arrays, binary
 * fields as byte views. Unknown fields are read and kept like known ones, so no schema is needed;
 * the caller picks the ids it knows. Every read is bounds-checked: a truncated or corrupt header
 * throws a `ThriftError`, never reads past its bytes, never loops on a bad length.
 */

export class ThriftError extends Error {}

export type ThriftValue = boolean | number | Uint8Array | ThriftValue[] | ThriftStruct | ThriftMap;
export type ThriftStruct = (ThriftValue | undefined)[];
export type ThriftMap = [ThriftValue, ThriftValue][];

const STOP = 0;
const TRUE = 1;
const FALSE = 2;
const BYTE = 3;
const I16 = 4;
const I32 = 5;
const I64 = 6;
const DOUBLE = 7;
const BINARY = 8;
const LIST = 9;
const SET = 10;
const MAP = 11;
const STRUCT = 12;

/** Deeper nesting than Parquet's own structs ever reach: a guard against crafted recursion. */
const MAX_DEPTH = 32;

export class ThriftReader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}

  /** A struct starting at the current position; the position ends after its STOP. */
  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new ThriftError('thrift structs nested too deep');
    const fields: ThriftStruct = [];
    let id = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === STOP) return fields;
      const delta = header >> 4;
      id = delta === 0 ? this.zigzag() : id + delta;
      if (id < 0 || id > 0x7fff) throw new ThriftError(`thrift field id ${id} out of range`);
      fields[id] = type === TRUE ? true : type === FALSE ? false : this.value(type, depth);
    }
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case TRUE:
      case FALSE:
        // In a list, a bool is one byte of its own.
        return this.byte() === TRUE;
      case BYTE:
        return (this.byte() << 24) >> 24;
      case I16:
      case I32:
      case I64:
        return this.zigzag();
      case DOUBLE: {
        this.need(8);
        const value = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at, 8).getFloat64(0, true);
        this.at += 8;
        return value;
      }
      case BINARY: {
        const length = this.varint();
        this.need(length);
        const value = this.bytes.subarray(this.at, this.at + length);
        this.at += length;
        return value;
      }
      case LIST:
      case SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        // Every element takes at least one byte: a larger size is a corrupt header.
        this.need(size);
        const elementType = header & 0x0f;
        const items: ThriftValue[] = new Array(size);
        for (let i = 0; i < size; i++) items[i] = this.value(elementType, depth + 1);
        return items;
      }
      case MAP: {
        const size = this.varint();
        if (size === 0) return [];
        const types = this.byte();
        this.need(size);
        const entries: ThriftMap = [];
        for (let i = 0; i < size; i++)
          entries.push([this.value(types >> 4, depth + 1), this.value(types & 0x0f, depth + 1)]);
        return entries;
      }
      case STRUCT:
        return this.struct(depth + 1);
      default:
        throw new ThriftError(`unknown thrift type ${type}`);
    }
  }

  private byte(): number {
    if (this.at >= this.bytes.length) throw new ThriftError('thrift header truncated');
    return this.bytes[this.at++]!;
  }

  private need(length: number): void {
    if (length > this.bytes.length - this.at) throw new ThriftError('thrift header truncated');
  }

  /** An unsigned varint as a Number (exact below 2^53; Parquet's sizes and counts are). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new ThriftError('thrift varint too long');
  }

  private zigzag(): number {
    const raw = this.varint();
    // raw / 2, negated when odd, without 32-bit operators (i64 values pass 2^31).
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }
}
