import { Profile, Utils } from '@garmin/fitsdk';
import HrMesgUtils from '@garmin/fitsdk/src/utils-hr-mesg.js';
import { DeveloperFieldTracker } from './developer-field-tracker.ts';
import type { FitMessage } from './fit-message.ts';
import { type FitRecords, FitRecordsBuilder } from './read-fit-records.ts';
import { readFitScalar } from './read-fit-scalar.ts';
import {
  compileDeveloperColumns,
  compileRecordColumns,
  type DeveloperColumn,
  type FlatComponent,
  type FlatField,
  type RecordColumnPlan,
  readRecordColumns,
} from './record-columns.ts';

/**
 * A FIT decoder that gives the same messages and errors as `@garmin/fitsdk`'s `Decoder.read()`
 * with the options `decode-fit.ts` uses (`convertDateTimesToDates: false`, the rest default), in a
 * fraction of the time. Field names, types, scales, offsets, enum strings, sub-fields and
 * components come from the SDK's own `Profile`; the decoding rules (which values count as
 * invalid, how arrays collapse, how components and accumulated fields expand, where decoding stops
 * and with which message) follow the SDK's `decoder.js` and `stream.js` step by step — including
 * their quirks, because the point is that nothing downstream can tell the two apart.
 *
 * Speed comes from compiling each local message definition once: a definition whose fields are
 * all plain scalars (no sub-fields, at most a 1:1 component such as `speed` → `enhanced_speed`)
 * is read by a flat loop without intermediate objects; anything else goes through a line-by-line
 * port of the SDK's general path; heart-rate messages are merged into records by the SDK's own
 * function, as `Decoder.read()` does. What this decoder does not reproduce — developer fields of
 * an unknown base type, 64-bit components, any exception the SDK would raise other than the
 * data-damage ones (`SdkError`) — makes it return null, and the caller decodes the file with the
 * SDK instead.
 *
 * Asked for `recordColumns` (readFit does), it reads record messages straight into readFit's
 * columns instead of message objects (record-columns.ts), and decodes the file again into
 * messages when a record needs more than that path reproduces exactly.
 */
export function decodeFitStreamFast(
  bytes: Uint8Array,
  dataOnly: boolean,
  only: ReadonlySet<number> | null = null,
  recordFields: ReadonlySet<string> | null = null,
  recordColumns = false,
): FastDecoded | null {
  if (recordColumns) {
    // The columns start small and double as rows come: a file's size says little about its records.
    const columnar = decodeOrNull(bytes, dataOnly, only, recordFields, new FitRecordsBuilder(128));
    // Null: the file has records the columns cannot take exactly (record-columns.ts), or it is
    // one for the SDK; either way it is decoded again as without the option.
    if (columnar !== null) return columnar;
  }
  return decodeOrNull(bytes, dataOnly, only, recordFields, null);
}

function decodeOrNull(
  bytes: Uint8Array,
  dataOnly: boolean,
  only: ReadonlySet<number> | null,
  recordFields: ReadonlySet<string> | null,
  records: FitRecordsBuilder | null,
): FastDecoded | null {
  try {
    return new FastDecoder(bytes, dataOnly, only, recordFields, records).read();
  } catch {
    // Anything the port did not anticipate (a TypeError the SDK would also hit, a bug here):
    // the SDK decodes the file, so answers never depend on this decoder.
    return null;
  }
}

export interface FastDecoded {
  /** Without `recordMesgs` when the records were read into `records`. */
  messages: Record<string, FitMessage[]>;
  recordDeveloperFields: DeveloperFieldTracker['perRecord'];
  errors: string[];
  integrityOk: boolean;
  /** The record messages as readFitRecords reads them, when decoded with `recordColumns`. */
  records?: FitRecords;
}

/** The SDK's checkIntegrity(): FIT header, data size within the bytes, header CRC and file CRC. */
export function checkFitIntegrity(bytes: Uint8Array, crc: typeof fitCrc = fitCrc): boolean {
  if (bytes.length === 0 || !isFitAt(bytes, 0)) return false;
  const headerSize = bytes[0]!;
  const dataSize = readU32(bytes, 4);
  if (bytes.length < headerSize + dataSize + CRC_SIZE) return false;
  if (headerSize === 14) {
    const headerCrc = bytes[12]! | (bytes[13]! << 8);
    if (headerCrc !== 0 && headerCrc !== crc(bytes, 0, 12)) return false;
  }
  const end = headerSize + dataSize;
  const fileCrc = (bytes[end + 1]! << 8) + bytes[end]!;
  return fileCrc === crc(bytes, 0, end);
}

/** An error the SDK raises as data damage; its message is exactly the SDK's. */
class SdkError extends Error {}

/** A record message the record columns cannot take exactly: the file is decoded into messages instead. */
class RecordColumnsDeclined extends Error {}

/** Base types as the SDK's `FIT.BaseTypeDefinitions` (protocol constants, not profile data). */
const BASE_TYPES: readonly { size: number; invalid: number }[] = [
  { size: 1, invalid: 0xff }, // 0x00 enum
  { size: 1, invalid: 0x7f }, // 0x01 sint8
  { size: 1, invalid: 0xff }, // 0x02 uint8
  { size: 2, invalid: 0x7fff }, // 0x03 sint16
  { size: 2, invalid: 0xffff }, // 0x04 uint16
  { size: 4, invalid: 0x7fffffff }, // 0x05 sint32
  { size: 4, invalid: 0xffffffff }, // 0x06 uint32
  { size: 1, invalid: 0x00 }, // 0x07 string
  { size: 4, invalid: 0xffffffff }, // 0x08 float32
  { size: 8, invalid: 2 ** 64 }, // 0x09 float64 (0xFFFFFFFFFFFFFFFF as the SDK's number literal)
  { size: 1, invalid: 0x00 }, // 0x0a uint8z
  { size: 2, invalid: 0x0000 }, // 0x0b uint16z
  { size: 4, invalid: 0x00000000 }, // 0x0c uint32z
  { size: 1, invalid: 0xff }, // 0x0d byte
  { size: 8, invalid: 2 ** 63 }, // 0x0e sint64: never equal to the BigInt read, in the SDK too
  { size: 8, invalid: 2 ** 64 }, // 0x0f uint64
  { size: 8, invalid: 0x0000000000000000 }, // 0x10 uint64z
];
const BASE_TYPE_MASK = 0x1f;
const STRING = 0x07;
const FLOAT64 = 0x09;
const BYTE = 0x0d;
const SINT64 = 0x0e;

const CRC_SIZE = 2;
const COMPRESSED_HEADER_MASK = 0x80;
const MESG_DEFINITION_MASK = 0x40;
const DEV_DATA_MASK = 0x20;
const LOCAL_MESG_NUM_MASK = 0x0f;

/** Profile field types the SDK scales (its `FIT.NumericFieldTypes`: every base type but enum and string). */
const NUMERIC_FIELD_TYPES = new Set(
  Object.values(Utils.BaseTypeToFieldType as Record<number, string>).filter(
    (type) => type !== 'enum' && type !== 'string',
  ),
);
const FIELD_TYPE_TO_BASE_TYPE = Utils.FieldTypeToBaseType as Record<string, number | undefined>;

const RECORD = 20;
const HR = 132;
const FIELD_DESCRIPTION = 206;
const DEVELOPER_DATA_ID = 207;

/** The message V8 gives for reading past a DataView, which the SDK reports when a file ends on a message boundary. */
const PAST_END_MESSAGE = ((): string => {
  try {
    new DataView(new ArrayBuffer(1)).getUint8(1);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return 'Offset is outside the bounds of the DataView';
})();

// The Profile's shapes, loosely typed: the SDK's d.ts does not describe them.
interface ProfileSubField {
  name: string;
  type: string;
  scale: number | number[];
  offset: number | number[];
  bits: number[];
  components: string[];
  hasComponents: boolean;
  map: { name: string; value: number }[];
}
interface ProfileField extends Omit<ProfileSubField, 'map'> {
  num: number;
  array: boolean;
  isAccumulated: boolean;
  subFields: ProfileSubField[];
}
interface ProfileMessage {
  num: number;
  name: string;
  messagesKey: string;
  fields: Record<string, ProfileField | undefined>;
}
const PROFILE_MESSAGES = Profile.messages as unknown as Record<number, ProfileMessage | undefined>;
const PROFILE_TYPES = Profile.types as unknown as Record<string, Record<string, string> | undefined>;

interface FieldDefinition {
  num: number;
  size: number;
  baseType: number;
}
interface DeveloperFieldDefinition {
  num: number;
  size: number;
  developerDataIndex: number;
}

/** What the field_description messages of a developer define (the SDK's `#developerDataDefinitions`). */
interface DeveloperDataField {
  fieldDefinitionNumber: unknown;
  fitBaseTypeId: number;
  array: unknown;
  key: number;
}

/** One field of a compiled definition that the flat loop reads (record-columns.ts reads it too). */
interface PlainField extends FlatField {
  /** Bytes per value. */
  width: number;
  /** Set when the field is accumulated: its number, so the accumulator sees the value. */
  accumulatedNum: number;
  /** A 1:1 component expanded from this field, or null. */
  component: PlainComponent | null;
}
interface PlainComponent extends FlatComponent {
  /** Enum table when the target is not numeric (the SDK converts it to a string). */
  targetNames: Record<string, string> | undefined;
  /** Scratch slot of the expanded value (after the native fields). */
  slot: number;
}

interface Definition {
  localMesgNum: number;
  littleEndian: boolean;
  globalMessageNumber: number;
  fields: FieldDefinition[];
  developerFields: DeveloperFieldDefinition[];
  /** Bytes of one data message (native and developer fields). */
  size: number;
  /** Bytes of the native fields, which come first. */
  nativeSize: number;
  profile: ProfileMessage | undefined;
  /** Fields for the flat loop, or null when the definition needs the general path. */
  plain: PlainField[] | null;
  /** The developer field each developer field definition resolves to, as of `resolvedAt`. */
  resolved: (DeveloperDataField | null)[];
  resolvedAt: number;
  /** The message group this definition's messages go to (created with the definition). */
  group: FitMessage[] | null;
  /** Plain path: scratch slot of `developerFields` (after the fields and the components). */
  developerSlot: number;
  /** Plain path: compiled message shapes by the bit set of slots present. */
  shapes: Map<number, MessageShape>;
  /** Plain path: the slots that go into the message (all, unless record fields are left out). */
  keep: number;
  /** Record columns: the plan for this definition (null: declined), once a message needed it. */
  columns: RecordColumnPlan | null | undefined;
  /** Record columns: its developer fields, for the field-description state `developerColumnsFor`. */
  developerColumns: DeveloperColumn[] | null;
  developerColumnsFor: ReadonlyMap<number, unknown> | null;
  developerColumnsAt: number;
}

interface Entry {
  rawFieldValue: unknown;
  fieldDefinitionNumber: number;
  fieldValue?: unknown;
  isSubField?: boolean;
  isExpandedField?: boolean;
  isArray?: boolean;
  invalidValue?: number;
}

class FastDecoder {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #length: number;
  readonly #dataOnly: boolean;
  #position = 0;
  readonly #definitions: (Definition | undefined)[] = [];
  /** Keyed as the SDK keys it: by the developer_data_index value, whatever it is. */
  readonly #developerData: Record<string, { fields: DeveloperDataField[] }> = {};
  /** Bumped whenever #developerData changes, so definitions re-resolve their developer fields. */
  #developerDataVersion = 0;
  readonly #messages: Record<string, FitMessage[]> = {};
  readonly #accumulator = new Map<number, { value: number; last: number }>();
  readonly #tracker = new DeveloperFieldTracker();
  readonly #textDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  /** Values of the message being read on the plain path, by slot. */
  readonly #scratch: unknown[] = new Array(MAX_SLOTS).fill(null);

  /**
   * Global message numbers to decode, or null for all. A message of another kind is stepped over
   * when its definition is on the flat path without developer fields: decoding it could neither
   * fail nor change any other message (accumulators are per message kind), so the messages kept
   * and the errors are the same as with every message decoded.
   */
  readonly #only: ReadonlySet<number> | null;

  /**
   * Names of the record fields to put into record messages, or null for all. On the flat path the
   * others are still read (an accumulated field or a component needs its value) but not stored:
   * a record message is then the full one without those keys.
   */
  readonly #recordFields: ReadonlySet<string> | null;

  /**
   * Where record messages go instead of `recordMesgs` (record-columns.ts), or null. A record the
   * columns cannot take exactly throws RecordColumnsDeclined, and the file is decoded again.
   */
  readonly #records: FitRecordsBuilder | null;

  constructor(
    bytes: Uint8Array,
    dataOnly: boolean,
    only: ReadonlySet<number> | null,
    recordFields: ReadonlySet<string> | null,
    records: FitRecordsBuilder | null,
  ) {
    this.#records = records;
    this.#only = only;
    this.#recordFields = recordFields;
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#length = bytes.length;
    this.#dataOnly = dataOnly;
  }

  read(): FastDecoded | null {
    const integrityOk = !this.#dataOnly && checkFitIntegrity(this.#bytes, this.#crc);
    const errors: string[] = [];
    try {
      while (this.#position < this.#length) this.#decodeNextFile();
    } catch (error) {
      if (!(error instanceof SdkError)) return null;
      errors.push(error.message);
    }
    // With record columns there is no heart-rate message to merge (#decodeMessage declines them).
    if (errors.length === 0 && this.#records === null) {
      // As Decoder.read() does after a clean decode, with the SDK's own function: whatever it
      // writes or throws is the same on the same messages.
      try {
        HrMesgUtils.mergeHeartRates(this.#messages.hrMesgs, this.#messages.recordMesgs);
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (this.#records === null)
      return {
        messages: this.#messages,
        recordDeveloperFields: this.#tracker.perRecord,
        errors,
        integrityOk,
      };
    delete this.#messages.recordMesgs;
    return {
      messages: this.#messages,
      recordDeveloperFields: [],
      errors,
      integrityOk,
      records: this.#records.build(),
    };
  }

  /** fitCrc, remembering the last range: the integrity check and the decode CRC the same bytes. */
  readonly #crc = (bytes: Uint8Array, start: number, end: number): number => {
    if (this.#crcMemo?.start !== start || this.#crcMemo.end !== end)
      this.#crcMemo = { start, end, value: fitCrc(bytes, start, end) };
    return this.#crcMemo.value;
  };
  #crcMemo: { start: number; end: number; value: number } | null = null;

  #fail(text: string): never {
    throw new SdkError(`FIT Runtime Error at byte ${this.#position} ${text}`.trimEnd());
  }

  /** Stream.readBytes' bounds check: the SDK stops with "end of stream" at the read's start. */
  #need(size: number): void {
    if (this.#position + size > this.#length)
      throw new SdkError(`FIT Runtime Error end of stream at byte ${this.#position}`);
  }

  #readByte(): number {
    this.#need(1);
    return this.#bytes[this.#position++]!;
  }

  #decodeNextFile(): void {
    const start = this.#position;
    if (!this.#dataOnly && !isFitAt(this.#bytes, start)) this.#fail('input is not a FIT file');
    let end: number;
    if (this.#dataOnly) {
      end = start + this.#length - CRC_SIZE;
    } else {
      // isFitAt proved the whole header is there.
      const headerSize = this.#bytes[start]!;
      end = start + headerSize + readU32(this.#bytes, start + 4);
      this.#position = start + headerSize;
    }
    while (this.#position < end) this.#decodeNextRecord();
    this.#need(CRC_SIZE);
    const crcAt = this.#position;
    const crc = this.#view.getUint16(crcAt, true);
    this.#position += CRC_SIZE;
    if (!this.#dataOnly && crc !== this.#crc(this.#bytes, start, crcAt)) this.#fail('CRC error');
  }

  #decodeNextRecord(): void {
    if (this.#position >= this.#length) throw new SdkError(PAST_END_MESSAGE);
    const header = this.#bytes[this.#position]!;
    if ((header & COMPRESSED_HEADER_MASK) !== 0)
      this.#fail('compressed timestamp messages are not currently supported');
    if ((header & MESG_DEFINITION_MASK) === 0) this.#decodeMessage();
    else this.#decodeDefinition();
  }

  #decodeDefinition(): void {
    const header = this.#readByte();
    this.#readByte(); // reserved
    const littleEndian = this.#readByte() === 0;
    this.#need(2);
    const globalMessageNumber = this.#view.getUint16(this.#position, littleEndian);
    this.#position += 2;
    const numFields = this.#readByte();
    const fields: FieldDefinition[] = [];
    let size = 0;
    for (let i = 0; i < numFields; i++) {
      const num = this.#readByte();
      const fieldSize = this.#readByte();
      const baseType = this.#readByte() & BASE_TYPE_MASK;
      if (baseType >= BASE_TYPES.length) this.#fail('');
      fields.push({ num, size: fieldSize, baseType });
      size += fieldSize;
    }
    const developerFields: DeveloperFieldDefinition[] = [];
    if ((header & DEV_DATA_MASK) !== 0) {
      const numDevFields = this.#readByte();
      for (let i = 0; i < numDevFields; i++) {
        const num = this.#readByte();
        const fieldSize = this.#readByte();
        const developerDataIndex = this.#readByte();
        developerFields.push({ num, size: fieldSize, developerDataIndex });
        size += fieldSize;
      }
    }
    const profile = PROFILE_MESSAGES[globalMessageNumber];
    const definition: Definition = {
      localMesgNum: header & LOCAL_MESG_NUM_MASK,
      littleEndian,
      globalMessageNumber,
      fields,
      developerFields,
      size,
      nativeSize: fields.reduce((sum, field) => sum + field.size, 0),
      profile,
      plain: null,
      resolved: [],
      resolvedAt: -1,
      group: null,
      developerSlot: 0,
      shapes: new Map(),
      keep: ALL_SLOTS,
      columns: undefined,
      developerColumns: null,
      developerColumnsFor: null,
      developerColumnsAt: -1,
    };
    definition.plain = compilePlain(definition);
    if (definition.plain !== null) {
      const components = definition.plain.filter((field) => field.component !== null).length;
      definition.developerSlot = definition.plain.length + components;
      if (this.#recordFields !== null && globalMessageNumber === RECORD)
        definition.keep = keptSlots(definition.plain, definition.developerSlot, this.#recordFields);
    }
    this.#definitions[definition.localMesgNum] = definition;
    if (profile) {
      if (!Object.hasOwn(this.#messages, profile.messagesKey)) this.#messages[profile.messagesKey] = [];
      definition.group = this.#messages[profile.messagesKey]!;
    }
  }

  #decodeMessage(): void {
    const header = this.#readByte();
    const definition = this.#definitions[header & LOCAL_MESG_NUM_MASK];
    if (definition === undefined) this.#fail('');
    if (this.#position + definition.size > this.#length) this.#failInside(definition);
    const start = this.#position;
    if (
      this.#only !== null &&
      definition.plain !== null &&
      definition.developerFields.length === 0 &&
      !this.#only.has(definition.globalMessageNumber)
    ) {
      this.#position = start + definition.size;
      return;
    }
    if (this.#records !== null && definition.globalMessageNumber === RECORD) {
      this.#readRecordColumns(definition, start);
      this.#position = start + definition.size;
      return;
    }
    // Developer fields are looked up before this message's own developer_data_id or
    // field_description takes effect, as in the SDK.
    const developerFields = this.#readDeveloperFields(definition, start + definition.nativeSize);
    let message: Record<string, unknown> | null;
    if (definition.plain !== null) {
      message = this.#readPlain(definition, definition.plain, start, developerFields);
    } else {
      message = this.#readGeneral(definition, start);
      if (message !== null && developerFields !== null) message.developerFields = developerFields;
    }
    this.#position = start + definition.size;
    if (message === null) return;
    const profile = definition.profile!;
    definition.group!.push(message);
    if (profile.num === RECORD) this.#tracker.onRecord();
    else if (profile.num === FIELD_DESCRIPTION) this.#tracker.onFieldDescription(message);
    // The SDK's heart-rate merge writes into record messages, which the columns do not make:
    // declined at the first heart-rate message rather than after the whole file.
    else if (profile.num === HR && this.#records !== null) throw new RecordColumnsDeclined();
  }

  /**
   * A record message into the record columns, or RecordColumnsDeclined. Accumulators need not be
   * fed: only records on the general path read the record ones, and those are declined.
   */
  #readRecordColumns(definition: Definition, start: number): void {
    if (definition.columns === undefined) definition.columns = compileRecordColumns(definition.plain);
    const plan = definition.columns;
    if (plan === null) throw new RecordColumnsDeclined();
    const records = this.#records!;
    let developer: DeveloperColumn[] | null = null;
    if (definition.developerFields.length > 0) {
      this.#resolveDeveloperFields(definition);
      const infos = this.#tracker.current;
      if (
        definition.developerColumnsFor !== infos ||
        definition.developerColumnsAt !== this.#developerDataVersion
      ) {
        definition.developerColumns = compileDeveloperColumns(
          definition.developerFields.map((field) => field.size),
          definition.resolved,
          definition.nativeSize,
          infos,
          BASE_TYPES,
          records,
        );
        definition.developerColumnsFor = infos;
        definition.developerColumnsAt = this.#developerDataVersion;
      }
      developer = definition.developerColumns;
      if (developer === null) throw new RecordColumnsDeclined();
    }
    readRecordColumns(this.#view, start, definition.littleEndian, plan, developer, records);
  }

  /**
   * A message that runs past the end of the bytes: the SDK reads its fields one by one and stops
   * at the first that does not fit, so the error names that field's offset.
   */
  #failInside(definition: Definition): never {
    for (const field of definition.fields) {
      this.#need(field.size);
      this.#position += field.size;
    }
    for (const field of definition.developerFields) {
      const found = this.#findDeveloperField(field);
      if (found !== null && BASE_TYPES[found.fitBaseTypeId] === undefined)
        throw new Error('developer field of an unknown base type');
      this.#need(field.size);
      this.#position += field.size;
    }
    throw new Error('unreachable: the message fits');
  }

  /** The flat loop: scalar fields, no sub-fields, 1:1 components only. */
  /**
   * The flat loop: scalar fields, no sub-fields, 1:1 components only. Values go to a scratch
   * array first; the message object is then made in one go by a shape compiled for the set of
   * fields present (an object literal is several times cheaper than adding keys one by one).
   */
  #readPlain(
    definition: Definition,
    plain: PlainField[],
    start: number,
    developerFields: Record<number, unknown> | null,
  ): Record<string, unknown> {
    const view = this.#view;
    const littleEndian = definition.littleEndian;
    const values = this.#scratch;
    const mesgNum = definition.profile!.num;
    const n = plain.length;
    const keep = definition.keep;
    let present = 0;
    for (let i = 0; i < n; i++) {
      const field = plain[i]!;
      const kept = (keep & (1 << i)) !== 0;
      if (field.count !== 1 || field.isArray) {
        // Array fields on the flat path feed no component and no accumulator.
        if (!kept) continue;
        const value = readPlainArray(view, start, field, littleEndian);
        if (value === null) continue;
        values[i] = value;
        present |= 1 << i;
        continue;
      }
      const raw = readFitScalar(view, start + field.offset, field.baseType, littleEndian);
      if (raw === field.invalid) continue;
      if (field.accumulatedNum >= 0) this.#startAccumulating(mesgNum, field.accumulatedNum, raw);
      present |= 1 << i;
      // Present all the same: its component, if any, expands from it below.
      if (!kept) continue;
      if (field.transform === 1) values[i] = raw / field.scale - field.valueOffset;
      else if (field.transform === 2) values[i] = field.names?.[raw] ?? raw;
      else values[i] = raw;
    }
    // Components expand after every native field, in field order (the SDK's #expandComponents).
    for (let i = 0; i < n; i++) {
      const field = plain[i]!;
      const c = field.component;
      if (c === null || (present & (1 << i)) === 0 || (keep & (1 << c.slot)) === 0) continue;
      const raw = readFitScalar(view, start + field.offset, field.baseType, littleEndian);
      if (raw === c.sourceInvalid) continue;
      const value = ((raw & c.mask) >>> 0) / c.scale - c.offset;
      const rawValue = (value + c.targetOffset) * c.targetScale;
      let target: unknown = value;
      if (rawValue === c.targetInvalid) target = null;
      else if (!c.targetNumeric) target = c.targetNames?.[value] ?? value;
      values[c.slot] = target;
      present |= 1 << c.slot;
    }
    if (developerFields !== null) {
      values[definition.developerSlot] = developerFields;
      present |= 1 << definition.developerSlot;
    }
    present &= keep;
    let shape = definition.shapes.get(present);
    if (shape === undefined) {
      shape = compileShape(plain, definition.developerSlot, present);
      if (definition.shapes.size < MAX_SHAPES_PER_DEFINITION) definition.shapes.set(present, shape);
    }
    return shape(values);
  }

  #startAccumulating(mesgNum: number, fieldNum: number, value: number): void {
    const key = mesgNum * 256 + fieldNum;
    const state = this.#accumulator.get(key);
    if (state) {
      state.value = value;
      state.last = value;
    } else {
      this.#accumulator.set(key, { value, last: value });
    }
  }

  #accumulate(mesgNum: number, fieldNum: number, value: number, bits: number): number {
    const key = mesgNum * 256 + fieldNum;
    let state = this.#accumulator.get(key);
    if (!state) {
      state = { value, last: value };
      this.#accumulator.set(key, state);
    }
    const mask = (1 << bits) - 1;
    state.value += (value - state.last) & mask;
    state.last = value;
    return state.value;
  }

  /** The SDK's #decodeMessage for native fields, step by step (sub-fields, components, accumulation). */
  #readGeneral(definition: Definition, start: number): Record<string, unknown> | null {
    const profile = definition.profile;
    // Without a profile the SDK reads the fields and keeps nothing.
    if (!profile) return null;
    const fields = profile.fields;
    const mesgNum = profile.num;
    const message: Record<string, Entry> = {};
    const withSubFields: string[] = [];
    const toExpand: string[] = [];
    let at = start;
    for (const fieldDefinition of definition.fields) {
      const field = fields[fieldDefinition.num];
      const rawFieldValue = this.#readValue(
        at,
        fieldDefinition.baseType,
        fieldDefinition.size,
        definition.littleEndian,
        field?.array ?? fieldDefinition.size > BASE_TYPES[fieldDefinition.baseType]!.size,
        false,
      );
      at += fieldDefinition.size;
      if (rawFieldValue === null || field == null) continue;
      message[field.name] = { rawFieldValue, fieldDefinitionNumber: fieldDefinition.num };
      if (field.subFields.length > 0) withSubFields.push(field.name);
      if (field.hasComponents) toExpand.push(field.name);
      if (field.isAccumulated) this.#setAccumulatedField(profile, message, field, rawFieldValue);
    }
    if (mesgNum === DEVELOPER_DATA_ID) {
      this.#addDeveloperDataId(message);
    } else if (mesgNum === FIELD_DESCRIPTION) {
      let key = 0;
      for (const index of Object.keys(this.#developerData)) key += this.#developerData[index]!.fields.length;
      message.key = { fieldValue: key, rawFieldValue: key, fieldDefinitionNumber: Number.NaN };
      this.#addFieldDescription(message);
    } else {
      for (const name of withSubFields)
        expandSubField(message, profile.fields[message[name]!.fieldDefinitionNumber]!, toExpand);
      this.#expandComponents(profile, message, toExpand);
    }
    const out: Record<string, unknown> = {};
    for (const name in message) {
      const entry = message[name]!;
      if (!entry.isExpandedField) {
        let field: ProfileField | ProfileSubField | Record<string, never> | undefined =
          fields[entry.fieldDefinitionNumber];
        if (entry.isSubField) field = field?.subFields.find((s) => s.name === name) ?? {};
        entry.fieldValue = transformValue(mesgNum, field, entry.rawFieldValue);
      }
      out[name] = entry.fieldValue;
    }
    return out;
  }

  #setAccumulatedField(
    profile: ProfileMessage,
    message: Record<string, Entry>,
    field: ProfileField,
    rawFieldValue: unknown,
  ): void {
    const values = Array.isArray(rawFieldValue) ? rawFieldValue : [rawFieldValue];
    for (let value of values as number[]) {
      for (const containing of Object.values(message)) {
        const components = profile.fields[containing.fieldDefinitionNumber]?.components ?? [];
        components.forEach((componentNum, i) => {
          const target = profile.fields[componentNum];
          if (target?.num === field.num && target.isAccumulated) {
            // The SDK reads the component's scale and offset off the message entry, which has
            // none: it throws a TypeError there, and this throws too, so the SDK decodes the file.
            const entry = containing as unknown as { offset: number[]; scale: number[] };
            value =
              (value / (field.scale as number) - (field.offset as number) + entry.offset[i]!) *
              entry.scale[i]!;
          }
        });
      }
      this.#startAccumulating(profile.num, field.num, value);
    }
  }

  #expandComponents(profile: ProfileMessage, message: Record<string, Entry>, toExpand: string[]): void {
    if (toExpand.length === 0) return;
    const mesgNum = profile.num;
    const expanded: Record<string, Entry & { fieldValue: unknown[]; rawFieldValue: unknown[] }> = {};
    // Each expansion can queue its targets; a target cannot expand into itself in the Profile,
    // and the bound keeps hostile input from looping.
    for (let step = 0; toExpand.length > 0; step++) {
      if (step > 1000) throw new Error('component expansion did not end');
      const name = toExpand.shift()!;
      const { rawFieldValue, fieldDefinitionNumber, isSubField } = (message[name] ?? expanded[name])!;
      let field: ProfileField | ProfileSubField | Record<string, never> =
        profile.fields[fieldDefinitionNumber]!;
      if (isSubField) field = (field as ProfileField).subFields.find((s) => s.name === name) ?? {};
      const baseType = FIELD_TYPE_TO_BASE_TYPE[(field as ProfileSubField).type];
      if ((field as ProfileSubField).hasComponents === false || baseType == null) continue;
      const f = field as ProfileSubField;
      if (onlyInvalidValues(rawFieldValue, BASE_TYPES[baseType]!.invalid)) continue;
      const bits = new BitStream(rawFieldValue, BASE_TYPES[baseType]!.size * 8);
      for (let j = 0; j < f.components.length; j++) {
        if (bits.bitsAvailable < f.bits[j]!) break;
        const target = profile.fields[f.components[j]!]!;
        let slot = expanded[target.name];
        if (slot == null) {
          const targetBaseType = FIELD_TYPE_TO_BASE_TYPE[target.type];
          slot = {
            fieldValue: [],
            rawFieldValue: [],
            fieldDefinitionNumber: target.num,
            isExpandedField: true,
            isArray: target.array ?? false,
            invalidValue: targetBaseType != null ? BASE_TYPES[targetBaseType]!.invalid : 0xff,
          };
          expanded[target.name] = slot;
        }
        let value: number = bits.readBits(f.bits[j]!);
        if (target.isAccumulated) value = this.#accumulate(mesgNum, target.num, value, f.bits[j]!);
        value = value / (f.scale as number[])[j]! - (f.offset as number[])[j]!;
        // The Profile's types are loose: a target with components of its own has array scales,
        // and the SDK's arithmetic coerces them; the same expression gives the same value.
        const scaledRaw =
          (value + (target.offset as unknown as number)) * (target.scale as unknown as number);
        slot.rawFieldValue.push(scaledRaw);
        if (scaledRaw === slot.invalidValue) slot.fieldValue.push(null);
        else slot.fieldValue.push(convertTypeToString(undefined, target, value));
        if (target.hasComponents) toExpand.push(target.name);
        if (!bits.hasBitsAvailable) break;
      }
    }
    for (const key of Object.keys(expanded)) {
      const slot = expanded[key]!;
      (slot as Entry).fieldValue = sanitizeValues(slot.fieldValue, false, slot.isArray === true);
      (slot as Entry).rawFieldValue = sanitizeValues(slot.rawFieldValue, false, slot.isArray === true);
      message[key] = slot;
    }
  }

  #addDeveloperDataId(message: Record<string, Entry>): void {
    const index = message.developerDataIndex!.rawFieldValue;
    if (index == null || index === 0xff) return;
    this.#developerData[String(index)] = { fields: [] };
    this.#developerDataVersion++;
  }

  #addFieldDescription(message: Record<string, Entry>): void {
    const index = message.developerDataIndex!.rawFieldValue;
    if (index == null || index === 0xff) return;
    const developer = this.#developerData[String(index)];
    if (developer == null) return;
    developer.fields.push({
      fieldDefinitionNumber: message.fieldDefinitionNumber?.rawFieldValue,
      // `undefined & 0x1f` is 0 (enum) in the SDK too.
      fitBaseTypeId: (message.fitBaseTypeId?.rawFieldValue as number) & BASE_TYPE_MASK,
      array: message.array?.rawFieldValue ?? null,
      key: message.key!.rawFieldValue as number,
    });
    this.#developerDataVersion++;
  }

  #findDeveloperField(definition: DeveloperFieldDefinition): DeveloperDataField | null {
    return (
      this.#developerData[String(definition.developerDataIndex)]?.fields.find(
        // biome-ignore lint/suspicious/noDoubleEquals: the SDK compares loosely.
        (field) => field.fieldDefinitionNumber == definition.num,
      ) ?? null
    );
  }

  /** The developer field each of the definition's developer field definitions names now. */
  #resolveDeveloperFields(definition: Definition): void {
    if (definition.resolvedAt !== this.#developerDataVersion) {
      definition.resolved = definition.developerFields.map((field) => this.#findDeveloperField(field));
      definition.resolvedAt = this.#developerDataVersion;
    }
  }

  #readDeveloperFields(definition: Definition, start: number): Record<number, unknown> | null {
    if (definition.developerFields.length === 0) return null;
    this.#resolveDeveloperFields(definition);
    let values: Record<number, unknown> | null = null;
    let at = start;
    for (let i = 0; i < definition.developerFields.length; i++) {
      const fieldDefinition = definition.developerFields[i]!;
      const field = definition.resolved[i]!;
      if (field !== null) {
        const baseType = BASE_TYPES[field.fitBaseTypeId];
        if (baseType === undefined) throw new Error('developer field of an unknown base type');
        if (fieldDefinition.size === baseType.size && field.fitBaseTypeId !== STRING) {
          // One value: #readValue in legacy mode is the value, or null when invalid.
          const value = readAny(this.#view, at, field.fitBaseTypeId, definition.littleEndian);
          if (value !== baseType.invalid) {
            values ??= {};
            values[field.key] = value;
          }
          at += fieldDefinition.size;
          continue;
        }
        const value = this.#readValue(
          at,
          field.fitBaseTypeId,
          fieldDefinition.size,
          definition.littleEndian,
          (field.array ?? fieldDefinition.size > baseType.size) as boolean,
          true,
        );
        if (value != null) {
          values ??= {};
          values[field.key] = value;
        }
      }
      at += fieldDefinition.size;
    }
    return values;
  }

  /** Stream.readValue with invalid values as null; `legacy` is the SDK's legacyArrayMode. */
  #readValue(
    at: number,
    baseType: number,
    size: number,
    littleEndian: boolean,
    isArray: boolean,
    legacy: boolean,
  ): unknown {
    const type = BASE_TYPES[baseType]!;
    if (size % type.size !== 0) return null;
    if (baseType === STRING) {
      const strings = this.#textDecoder
        .decode(this.#bytes.subarray(at, at + size))
        .replace(/\uFFFD/g, '')
        .split('\0');
      while (strings[strings.length - 1] === '') strings.pop();
      if (strings.length === 0) return null;
      if (legacy) return strings.length === 1 ? strings[0] : strings;
      return strings[0];
    }
    const count = size / type.size;
    if (count === 1) {
      const value = readAny(this.#view, at, baseType, littleEndian);
      if (value === type.invalid) return null;
      // sanitizeValues([value]) for a value that is not null.
      return legacy || !isArray ? value : [value];
    }
    let values: unknown[] = [];
    for (let i = 0; i < count; i++)
      values.push(readAny(this.#view, at + i * type.size, baseType, littleEndian));
    if (onlyInvalidValues(values, type.invalid)) return null;
    if (baseType !== BYTE) values = values.map((value) => (value === type.invalid ? null : value));
    return sanitizeValues(values, legacy, isArray);
  }
}

/**
 * The flat plan of a definition, or null when some field needs the general path: an array or
 * string, a 64-bit or floating value, sub-fields, components other than one full-width 1:1
 * expansion into a plain numeric field, or accumulation another field of the message feeds.
 */
function compilePlain(definition: Definition): PlainField[] | null {
  const profile = definition.profile;
  if (!profile || profile.num === FIELD_DESCRIPTION || profile.num === DEVELOPER_DATA_ID) return null;
  const plain: PlainField[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const fieldDefinition of definition.fields) {
    const at = offset;
    offset += fieldDefinition.size;
    const field = profile.fields[fieldDefinition.num];
    const base = BASE_TYPES[fieldDefinition.baseType]!;
    if (field == null) continue;
    if (fieldDefinition.baseType === STRING || base.size === 8) return null;
    // A size that is not a whole number of values (or zero) reads as null: the field is absent.
    if (fieldDefinition.size % base.size !== 0 || fieldDefinition.size === 0) continue;
    const count = fieldDefinition.size / base.size;
    const isArray = field.array ?? count > 1;
    if ((count > 1 || isArray) && (field.hasComponents || field.isAccumulated)) return null;
    if (field.subFields.length > 0) return null;
    // A field read twice keeps the SDK's key order only on the general path.
    if (names.has(field.name)) return null;
    names.add(field.name);
    let component: PlainComponent | null = null;
    if (field.hasComponents) {
      component = compileComponent(profile, field);
      if (component === null) return null;
    }
    if (field.isAccumulated) {
      // Another field whose component feeds this one makes the SDK's setAccumulatedField matter.
      for (const other of definition.fields) {
        const otherField = profile.fields[other.num];
        if (otherField?.components.some((c) => profile.fields[c]?.num === field.num)) return null;
      }
    }
    plain.push({
      offset: at,
      baseType: fieldDefinition.baseType,
      invalid: base.invalid,
      name: field.name,
      count,
      isArray,
      width: base.size,
      ...compileTransform(field),
      accumulatedNum: field.isAccumulated ? field.num : -1,
      component,
    });
  }
  // A component target that is also a native field is overwritten in place, as the SDK does.
  const targets = plain.filter((f) => f.component).map((f) => f.component!.targetName);
  if (new Set(targets).size !== targets.length) return null;
  // One bit per field, per component and for developer fields must fit a 31-bit set.
  if (plain.length + targets.length + 1 > MAX_SLOTS) return null;
  let slot = plain.length;
  for (const field of plain) if (field.component) field.component.slot = slot++;
  return plain;
}

function compileComponent(profile: ProfileMessage, field: ProfileField): PlainComponent | null {
  const sourceBaseType = FIELD_TYPE_TO_BASE_TYPE[field.type];
  if (sourceBaseType == null || field.components.length !== 1) return null;
  const bitsPerValue = BASE_TYPES[sourceBaseType]!.size * 8;
  if (field.bits[0] !== bitsPerValue || bitsPerValue > 32) return null;
  const target = profile.fields[field.components[0]!];
  if (!target || target.isAccumulated || target.hasComponents || target.array) return null;
  if (typeof target.scale !== 'number' || typeof target.offset !== 'number') return null;
  const scale = (field.scale as number[])[0];
  const offset = (field.offset as number[])[0];
  if (typeof scale !== 'number' || typeof offset !== 'number') return null;
  const targetBaseType = FIELD_TYPE_TO_BASE_TYPE[target.type];
  return {
    sourceInvalid: BASE_TYPES[sourceBaseType]!.invalid,
    mask: bitsPerValue < 32 ? (1 << bitsPerValue) - 1 : -1,
    scale,
    offset,
    targetName: target.name,
    targetOffset: target.offset,
    targetScale: target.scale,
    targetInvalid: targetBaseType != null ? BASE_TYPES[targetBaseType]!.invalid : 0xff,
    targetNames: PROFILE_TYPES[target.type],
    targetNumeric: NUMERIC_FIELD_TYPES.has(target.type),
    slot: -1,
  };
}

/** How the SDK's #transformValue treats a scalar of this field (convertDateTimesToDates off). */
function compileTransform(
  field: ProfileField,
): Pick<PlainField, 'transform' | 'scale' | 'valueOffset' | 'names'> {
  if (NUMERIC_FIELD_TYPES.has(field.type)) {
    if (Array.isArray(field.scale) && field.scale.length > 1)
      return { transform: 0, scale: 1, valueOffset: 0, names: undefined };
    const scale = Array.isArray(field.scale) ? field.scale[0]! : (field.scale ?? 1);
    const offset = Array.isArray(field.offset) ? field.offset[0]! : (field.offset ?? 0);
    return { transform: 1, scale, valueOffset: offset, names: undefined };
  }
  if (field.type === 'string') return { transform: 0, scale: 1, valueOffset: 0, names: undefined };
  return { transform: 2, scale: 1, valueOffset: 0, names: PROFILE_TYPES[field.type] };
}

function expandSubField(message: Record<string, Entry>, field: ProfileField, toExpand: string[]): void {
  for (const subField of field.subFields) {
    for (const map of subField.map) {
      const reference = message[map.name];
      if (reference == null) continue;
      if (reference.rawFieldValue === map.value) {
        const source = message[field.name]!;
        const rawFieldValue = Array.isArray(source.rawFieldValue)
          ? [...source.rawFieldValue]
          : source.rawFieldValue;
        message[subField.name] = { ...source, rawFieldValue, isSubField: true };
        if (subField.hasComponents) toExpand.push(subField.name);
        break;
      }
    }
  }
}

function transformValue(
  mesgNum: number,
  field: ProfileField | ProfileSubField | Record<string, never> | undefined,
  raw: unknown,
): unknown {
  if (field == null) return raw;
  const type = (field as ProfileSubField).type;
  if (NUMERIC_FIELD_TYPES.has(type ?? -1)) return applyScaleAndOffset(mesgNum, field as ProfileSubField, raw);
  if (type === 'string') return raw;
  return convertTypeToString(mesgNum, field as ProfileSubField, raw);
}

function applyScaleAndOffset(mesgNum: number, field: ProfileSubField, raw: unknown): unknown {
  if (mesgNum === DEVELOPER_DATA_ID || mesgNum === FIELD_DESCRIPTION || raw == null) return raw;
  if (Array.isArray(field.scale ?? 1) && (field.scale as number[]).length > 1) return raw;
  const scale = (
    Array.isArray(field.scale ?? 1) ? (field.scale as number[])[0] : (field.scale ?? 1)
  ) as number;
  const offset = (
    Array.isArray(field.offset ?? 0) ? (field.offset as number[])[0] : (field.offset ?? 0)
  ) as number;
  try {
    if (Array.isArray(raw)) return raw.map((value) => (value == null ? value : value / scale - offset));
    return (raw as number) / scale - offset;
  } catch {
    // A 64-bit value (BigInt) cannot be divided by a number; the SDK keeps it raw.
    return raw;
  }
}

function convertTypeToString(mesgNum: number | undefined, field: { type?: string }, raw: unknown): unknown {
  if (mesgNum === DEVELOPER_DATA_ID || mesgNum === FIELD_DESCRIPTION) return raw;
  if (NUMERIC_FIELD_TYPES.has(field.type ?? '')) return raw;
  const names = PROFILE_TYPES[field.type ?? -1];
  if (Array.isArray(raw)) return raw.map((value) => (value == null ? value : (names?.[value] ?? value)));
  return names?.[raw as number] ?? raw;
}

function sanitizeValues(values: unknown[], legacy: boolean, isArray: boolean): unknown {
  if (values.every((value) => value == null)) return null;
  if (legacy) return values.length === 1 ? values[0] : values;
  if (isArray) return values;
  return values[0];
}

function onlyInvalidValues(raw: unknown, invalid: number): boolean {
  if (Array.isArray(raw)) return raw.every((value) => value === invalid);
  return raw === invalid;
}

/** The SDK's BitStream for values of at most 32 bits (wider ones throw, and the SDK decodes the file). */
class BitStream {
  readonly #data: unknown[];
  readonly #bitsPerValue: number;
  #started = false;
  #index = 0;
  #current = 0;
  #bit = 0;
  bitsAvailable: number;

  constructor(data: unknown, bitsPerValue: number) {
    if (bitsPerValue > 32) throw new Error('64-bit components are left to the SDK');
    this.#data = Array.isArray(data) ? data : [data];
    this.#bitsPerValue = bitsPerValue;
    this.bitsAvailable = bitsPerValue * this.#data.length;
  }

  get hasBitsAvailable(): boolean {
    return this.bitsAvailable > 0;
  }

  readBits(count: number): number {
    if (count === this.#bitsPerValue && !this.#started) {
      if (!this.hasBitsAvailable) throw new Error('no bits available');
      const value = this.#data[this.#data.length - this.bitsAvailable / this.#bitsPerValue] as number;
      this.bitsAvailable -= count;
      if (count < 32) return (value & ((1 << count) - 1)) >>> 0;
      return value >>> 0;
    }
    if (count > 32) throw new Error('wide component reads are left to the SDK');
    let value = 0;
    for (let i = 0; i < count; i++) value |= this.#readBit() << i;
    return value >>> 0;
  }

  #readBit(): number {
    if (!this.hasBitsAvailable) throw new Error('no bits available');
    if (!this.#started) {
      this.#started = true;
      this.#index = this.#data.length - this.bitsAvailable / this.#bitsPerValue;
      this.#nextValue();
    }
    if (this.#bit >= this.#bitsPerValue) this.#nextValue();
    const bit = this.#current & 0x01;
    this.#current >>= 1;
    this.#bit++;
    this.bitsAvailable--;
    return bit;
  }

  #nextValue(): void {
    if (this.#index >= this.#data.length) throw new Error('no bits available');
    this.#current = this.#data[this.#index++] as number;
    this.#bit = 0;
  }
}

type MessageShape = (values: readonly unknown[]) => Record<string, unknown>;

const MAX_SLOTS = 31;
const ALL_SLOTS = 2 ** MAX_SLOTS - 1;

/** The slots of a record definition whose field (or component target) is named in `names`, and developer fields. */
function keptSlots(plain: PlainField[], developerSlot: number, names: ReadonlySet<string>): number {
  let keep = 1 << developerSlot;
  plain.forEach((field, i) => {
    if (names.has(field.name)) keep |= 1 << i;
    const c = field.component;
    if (c !== null && names.has(c.targetName)) keep |= 1 << c.slot;
  });
  return keep;
}
const MAX_SHAPES_PER_DEFINITION = 64;
/** Shapes by their key list, shared by definitions (files redefine the same layout often). */
const SHAPE_CACHE = new Map<string, MessageShape>();
const MAX_CACHED_SHAPES = 4096;

/**
 * The keys of a plain message with the slots in `present`, in the SDK's order: native fields in
 * definition order; a component target that is also a native field present keeps that place
 * (the SDK overwrites it), other targets follow in field order; `developerFields` last.
 */
function shapeKeys(
  plain: PlainField[],
  developerSlot: number,
  present: number,
): [name: string, slot: number][] {
  const keys: [string, number][] = [];
  const at = new Map<string, number>();
  plain.forEach((field, i) => {
    if ((present & (1 << i)) === 0) return;
    at.set(field.name, keys.length);
    keys.push([field.name, i]);
  });
  for (const field of plain) {
    const c = field.component;
    if (c === null || (present & (1 << c.slot)) === 0) continue;
    const existing = at.get(c.targetName);
    if (existing !== undefined) keys[existing] = [c.targetName, c.slot];
    else keys.push([c.targetName, c.slot]);
  }
  if ((present & (1 << developerSlot)) !== 0) keys.push(['developerFields', developerSlot]);
  return keys;
}

/**
 * A function making the message object for one set of present slots, as one object literal. The
 * names are the Profile's (never bytes from the file), quoted by JSON.stringify; compiled shapes
 * are cached and bounded, and beyond the bound a message is built key by key instead.
 */
function compileShape(plain: PlainField[], developerSlot: number, present: number): MessageShape {
  const keys = shapeKeys(plain, developerSlot, present);
  const source = `return {${keys.map(([name, slot]) => `${JSON.stringify(name)}: v[${slot}]`).join(', ')}};`;
  let shape = SHAPE_CACHE.get(source);
  if (shape === undefined) {
    if (SHAPE_CACHE.size >= MAX_CACHED_SHAPES) {
      return (values) => {
        const message: Record<string, unknown> = {};
        for (const [name, slot] of keys) message[name] = values[slot];
        return message;
      };
    }
    shape = new Function('v', source) as MessageShape;
    SHAPE_CACHE.set(source, shape);
  }
  return shape;
}

/**
 * A plain field with several values (or an array-typed one), as Stream.readValue and
 * #transformValue give it: null when every value is invalid, invalid values as null (bytes
 * excepted), the first value when the profile says it is not an array.
 */
function readPlainArray(view: DataView, start: number, field: PlainField, littleEndian: boolean): unknown {
  const values: (number | null)[] = new Array(field.count);
  let allInvalid = true;
  for (let k = 0; k < field.count; k++) {
    const value = readFitScalar(view, start + field.offset + k * field.width, field.baseType, littleEndian);
    if (value !== field.invalid) allInvalid = false;
    values[k] = value === field.invalid && field.baseType !== BYTE ? null : value;
  }
  if (allInvalid) return null;
  if (!field.isArray) {
    const first = values[0]!;
    if (first === null) return null;
    if (field.transform === 1) return first / field.scale - field.valueOffset;
    if (field.transform === 2) return field.names?.[first] ?? first;
    return first;
  }
  for (let k = 0; k < field.count; k++) {
    const value = values[k]!;
    if (value === null) continue;
    if (field.transform === 1) values[k] = value / field.scale - field.valueOffset;
    else if (field.transform === 2) (values as unknown[])[k] = field.names?.[value] ?? value;
  }
  return values;
}

/** The SDK's isFIT at a position: header size 12 or 14, the whole header present, ".FIT". */
function isFitAt(bytes: Uint8Array, at: number): boolean {
  const headerSize = bytes[at];
  if (headerSize !== 12 && headerSize !== 14) return false;
  // The SDK compares the header size with the length of the whole stream, not what is left.
  if (bytes.length < headerSize + CRC_SIZE) return false;
  if (at + headerSize > bytes.length) return false;
  return (
    bytes[at + 8] === 0x2e && bytes[at + 9] === 0x46 && bytes[at + 10] === 0x49 && bytes[at + 11] === 0x54
  );
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function readAny(view: DataView, at: number, baseType: number, littleEndian: boolean): number | bigint {
  switch (baseType) {
    case FLOAT64:
      return view.getFloat64(at, littleEndian);
    case SINT64:
      return view.getBigInt64(at, littleEndian);
    case 0x0f:
    case 0x10:
      return view.getBigUint64(at, littleEndian);
    default:
      return readFitScalar(view, at, baseType, littleEndian);
  }
}

const CRC_TABLE = [
  0x0000, 0xcc01, 0xd801, 0x1400, 0xf001, 0x3c00, 0x2800, 0xe401, 0xa001, 0x6c00, 0x7800, 0xb401, 0x5000,
  0x9c01, 0x8801, 0x4400,
];

/** One byte of the SDK's CrcCalculator (two nibble steps). */
function crcByte(crc: number, byte: number): number {
  let tmp = CRC_TABLE[crc & 0xf]!;
  crc = (crc >> 4) & 0x0fff;
  crc = crc ^ tmp ^ CRC_TABLE[byte & 0xf]!;
  tmp = CRC_TABLE[crc & 0xf]!;
  crc = (crc >> 4) & 0x0fff;
  return crc ^ tmp ^ CRC_TABLE[(byte >> 4) & 0xf]!;
}

/**
 * The same CRC a byte at a time: the CRC is linear, so one step from `crc` over `byte` is
 * `(crc >> 8) ^ step(0, (crc ^ byte) & 0xff)` with `step` tabulated from crcByte.
 */
const CRC_BYTE_TABLE = Uint16Array.from({ length: 256 }, (_, byte) => crcByte(0, byte));

/**
 * Slicing-by-8: table k holds the CRC step of a byte followed by k zero bytes, so eight bytes fold
 * in with eight independent lookups instead of a chain of eight dependent ones (about 3x faster
 * on a 2 MB ride). Table 0 is CRC_BYTE_TABLE.
 */
const [CRC_T0, CRC_T1, CRC_T2, CRC_T3, CRC_T4, CRC_T5, CRC_T6, CRC_T7] = ((): Uint16Array[] => {
  const tables = [CRC_BYTE_TABLE];
  for (let k = 1; k < 8; k++) {
    const previous = tables[k - 1]!;
    tables.push(Uint16Array.from(previous, (crc) => (crc >> 8) ^ CRC_BYTE_TABLE[crc & 0xff]!));
  }
  return tables;
})() as [
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
];

/** FIT's CRC-16 over bytes[start, end), equal to the SDK's CrcCalculator. */
export function fitCrc(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  let i = start;
  // The CRC's two bytes mix into the first two of each eight; the other six go in as they are.
  for (; i + 8 <= end; i += 8) {
    crc =
      CRC_T7[(crc ^ bytes[i]!) & 0xff]! ^
      CRC_T6[((crc >> 8) ^ bytes[i + 1]!) & 0xff]! ^
      CRC_T5[bytes[i + 2]!]! ^
      CRC_T4[bytes[i + 3]!]! ^
      CRC_T3[bytes[i + 4]!]! ^
      CRC_T2[bytes[i + 5]!]! ^
      CRC_T1[bytes[i + 6]!]! ^
      CRC_T0[bytes[i + 7]!]!;
  }
  for (; i < end; i++) crc = (crc >> 8) ^ CRC_T0[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}
