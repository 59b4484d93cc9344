/**
 * A reader of Thrift's compact protocol, enough for Parquet's footer and page headers (and, at the
 * end, a writer of them): a struct is read into an array indexed by field id (`struct[4]` is field
 * 4), lists into arrays, binary fields as byte views. Unknown fields are read and kept like known
 * ones, so no schema is needed; the caller picks the ids it knows. Every read is bounds-checked:
 * a truncated or corrupt header throws a `ThriftError`, never reads past its bytes, never loops on
 * a bad length.
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

/**
 * A writer of Thrift's compact protocol for the structs Parquet writes (footer, page headers).
 * Fields are written in increasing id order within a struct (the caller's order), which is what
 * the short delta form of a field header needs.
 */
export class ThriftWriter {
  private bytes = new Uint8Array(256);
  private length = 0;
  /** The last field id of each open struct (the innermost last). */
  private readonly lastIds: number[] = [0];

  i32(id: number, value: number): this {
    this.fieldHeader(id, I32);
    this.zigzag(value);
    return this;
  }

  /** An i64 from a Number (exact below 2^53: Parquet's offsets, sizes and counts are). */
  i64(id: number, value: number): this {
    this.fieldHeader(id, I64);
    this.zigzag(value);
    return this;
  }

  bool(id: number, value: boolean): this {
    this.fieldHeader(id, value ? TRUE : FALSE);
    return this;
  }

  binary(id: number, value: Uint8Array | string): this {
    this.fieldHeader(id, BINARY);
    this.binaryValue(value);
    return this;
  }

  /** A struct field whose own fields `write` adds. */
  struct(id: number, write: (writer: this) => void): this {
    this.fieldHeader(id, STRUCT);
    this.structBody(write);
    return this;
  }

  /** A list of structs, each written by `write`. */
  structList<T>(id: number, items: readonly T[], write: (writer: this, item: T) => void): this {
    this.listHeader(id, STRUCT, items.length);
    for (const item of items) this.structBody((w) => write(w, item));
    return this;
  }

  i32List(id: number, items: readonly number[]): this {
    this.listHeader(id, I32, items.length);
    for (const item of items) this.zigzag(item);
    return this;
  }

  binaryList(id: number, items: readonly (Uint8Array | string)[]): this {
    this.listHeader(id, BINARY, items.length);
    for (const item of items) this.binaryValue(item);
    return this;
  }

  /** The bytes written: a top-level struct's fields and its STOP. */
  finish(): Uint8Array {
    this.byte(STOP);
    return this.bytes.slice(0, this.length);
  }

  private structBody(write: (writer: this) => void): void {
    this.lastIds.push(0);
    write(this);
    this.lastIds.pop();
    this.byte(STOP);
  }

  private fieldHeader(id: number, type: number): void {
    const last = this.lastIds[this.lastIds.length - 1]!;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastIds[this.lastIds.length - 1] = id;
  }

  private listHeader(id: number, elementType: number, size: number): void {
    this.fieldHeader(id, LIST);
    if (size < 15) this.byte((size << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
  }

  private binaryValue(value: Uint8Array | string): void {
    const bytes = typeof value === 'string' ? utf8.encode(value) : value;
    this.varint(bytes.length);
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  private zigzag(value: number): void {
    // 2v for v ≥ 0, -2v - 1 below, without 32-bit operators (i64 values pass 2^31).
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  private varint(value: number): void {
    this.reserve(10);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.bytes[this.length++] = value;
  }

  private byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  private reserve(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + more));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

const utf8 = new TextEncoder();
