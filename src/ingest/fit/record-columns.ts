import type { DeveloperFieldInfo } from './fit-message.ts';
import {
  type DeveloperSlot,
  type FitRecordsBuilder,
  READ_FIT_RECORD_FIELD_NAMES,
  READING,
  READING_COUNT,
} from './read-fit-records.ts';
import { readFitScalar } from './read-fit-scalar.ts';

/**
 * Record messages straight from the bytes into readFit's columns (FitRecords), with no object per
 * record.
 *
 * Why: records are nearly every message of a ride, and making one message object per record (a
 * boxed number per field, a `developerFields` object) only for readFitRecords to copy the numbers
 * into typed columns was most of the CPU of reading a FIT file, much of it garbage collection.
 *
 * When: the fast decoder (decode-fit-fast.ts, asked for `recordColumns`) reads a record message
 * with a plan from here when every field readFit reads is, in the record's definition, an integer
 * scalar on the decoder's flat path — read by the flat path's rules: the invalid value is absent,
 * the value is raw / scale − offset, a 1:1 component such as speed → enhanced_speed replaces its
 * target — and every described developer field is one numeric value under its own key. The
 * readings then go through the same FitRecordsBuilder calls readFitRecords makes from messages,
 * so the columns, extras, counts and issues are the same. Anything else — a record on the
 * decoder's general path (sub-fields, arrays, bit-packed or accumulating components), a
 * floating-point field readFit reads (NaN would blur "absent" and "present"), two developer fields
 * under one key, heart-rate messages that the SDK merges into record messages — makes the decoder
 * decline, and the file is decoded again into messages for readFitRecords.
 */

/** FIT base types this module tells apart (protocol constants). */
const STRING = 0x07;
const FLOAT32 = 0x08;
/** The first of the 64-bit integer types (0x0e–0x10), which the decoder reads as BigInt. */
const SINT64 = 0x0e;

/** What the decoder's flat path knows of a field (decode-fit-fast's PlainField). */
export interface FlatField {
  name: string;
  /** Byte offset in the message. */
  offset: number;
  baseType: number;
  invalid: number;
  count: number;
  isArray: boolean;
  /** 0: the raw value; 1: raw / scale − valueOffset (numeric profile types); 2: `names[raw] ?? raw`. */
  transform: 0 | 1 | 2;
  scale: number;
  valueOffset: number;
  names: Record<string, string> | undefined;
  component: FlatComponent | null;
}
export interface FlatComponent {
  /** Invalid value of the source field's profile type: such a source is not expanded. */
  sourceInvalid: number;
  mask: number;
  scale: number;
  offset: number;
  targetName: string;
  targetOffset: number;
  targetScale: number;
  targetInvalid: number;
  targetNumeric: boolean;
}

/** The record fields readFitRecords reads, by the decoder's names: the plan's slots. */
const INPUTS = READ_FIT_RECORD_FIELD_NAMES;
type Input = (typeof INPUTS)[number];
const INPUT_INDEX = new Map<string, number>(INPUTS.map((name, k) => [name, k]));
const slotOf = (name: Input): number => INPUT_INDEX.get(name)!;

/** A native field of the definition: present unless invalid, then raw / scale − offset. */
interface NativeSource {
  at: number;
  baseType: number;
  invalid: number;
  scale: number;
  offset: number;
  /**
   * Raw values the profile names (a date_time of 0x10000000 is the string "min"): the message
   * then holds a string, which readFitRecords does not read as a number.
   */
  named: ReadonlySet<number> | null;
}
/** A field whose 1:1 component fills the input (and replaces a native field of that name). */
interface ComponentSource {
  at: number;
  baseType: number;
  /** The source field's invalid value (of its base type): then neither it nor its component is there. */
  invalid: number;
  component: FlatComponent;
}

/** How one record definition's messages are read: per input, its native field and component. */
export interface RecordColumnPlan {
  native: (NativeSource | null)[];
  component: (ComponentSource | null)[];
}

/**
 * The plan for a record definition with these flat fields (null: the decoder's general path), or
 * null when some field readFitRecords reads is not an integer scalar with a finite scale, so that
 * a present reading is never NaN and NaN can stand for "absent" (and for a component's null).
 */
export function compileRecordColumns(plain: readonly FlatField[] | null): RecordColumnPlan | null {
  if (plain === null) return null;
  const native: (NativeSource | null)[] = INPUTS.map(() => null);
  const component: (ComponentSource | null)[] = INPUTS.map(() => null);
  for (const field of plain) {
    const k = INPUT_INDEX.get(field.name);
    if (k !== undefined) {
      if (!isIntegerScalar(field)) return null;
      const scaled = field.transform === 1;
      if (scaled && (!isDivisor(field.scale) || !Number.isFinite(field.valueOffset))) return null;
      const named = field.transform === 2 && field.names ? namedValues(field.names) : null;
      // A string would stop `enhancedSpeed ?? speed` where NaN does not.
      if (named !== null && named.size > 0 && EITHER_OR.has(k)) return null;
      native[k] = {
        at: field.offset,
        baseType: field.baseType,
        invalid: field.invalid,
        scale: scaled ? field.scale : 1,
        offset: scaled ? field.valueOffset : 0,
        named: named !== null && named.size > 0 ? named : null,
      };
    }
    const c = field.component;
    const target = c === null ? undefined : INPUT_INDEX.get(c.targetName);
    if (c !== null && target !== undefined) {
      if (!isIntegerScalar(field) || !c.targetNumeric) return null;
      if (!isDivisor(c.scale) || ![c.offset, c.targetScale, c.targetOffset].every(Number.isFinite))
        return null;
      component[target] = {
        at: field.offset,
        baseType: field.baseType,
        invalid: field.invalid,
        component: c,
      };
    }
  }
  return { native, component };
}

function isIntegerScalar(field: FlatField): boolean {
  // The flat path has no strings or 8-byte types; float32 is the one non-integer left.
  return field.count === 1 && !field.isArray && field.baseType !== FLOAT32;
}

/** The integer raw values an enum table names: the keys `names[raw]` finds for them. */
function namedValues(names: Record<string, string>): Set<number> {
  return new Set(
    Object.keys(names)
      .map(Number)
      .filter((value) => Number.isInteger(value) && names[String(value)] !== undefined),
  );
}

function isDivisor(scale: number): boolean {
  return Number.isFinite(scale) && scale !== 0;
}

const TIMESTAMP = slotOf('timestamp');
const POWER = slotOf('power');
const HEART_RATE = slotOf('heartRate');
const CADENCE = slotOf('cadence');
const FRACTIONAL_CADENCE = slotOf('fractionalCadence');
const ENHANCED_SPEED = slotOf('enhancedSpeed');
const SPEED = slotOf('speed');
const DISTANCE = slotOf('distance');
const ENHANCED_ALTITUDE = slotOf('enhancedAltitude');
const ALTITUDE = slotOf('altitude');
const POSITION_LAT = slotOf('positionLat');
const POSITION_LONG = slotOf('positionLong');
const TEMPERATURE = slotOf('temperature');
const CORE_TEMPERATURE = slotOf('coreTemperature');
const SMO2 = slotOf('saturatedHemoglobinPercent');

/** Inputs read as `a ?? b`, where only a missing value (not a string) gives way to the other. */
const EITHER_OR = new Set([ENHANCED_SPEED, SPEED, ENHANCED_ALTITUDE, ALTITUDE]);

// The slots of READING, as constants for the per-record loop.
const {
  power: R_POWER,
  heartRate: R_HEART_RATE,
  cadence: R_CADENCE,
  fractionalCadence: R_FRACTIONAL_CADENCE,
  speed: R_SPEED,
  distance: R_DISTANCE,
  altitude: R_ALTITUDE,
  positionLat: R_POSITION_LAT,
  positionLong: R_POSITION_LONG,
  temperature: R_TEMPERATURE,
  coreTemperature: R_CORE_TEMPERATURE,
  saturatedHemoglobinPercent: R_SMO2,
} = READING;

// Scratch for one record: the inputs, then the readings handed to the builder.
const values = new Float64Array(INPUTS.length);
const readings = new Float64Array(READING_COUNT);

/**
 * One record message at `start` into `out`, as readFitRecords would read its message: a row with
 * its readings and developer fields, or (without a timestamp) a count of skipped records.
 */
export function readRecordColumns(
  view: DataView,
  start: number,
  littleEndian: boolean,
  plan: RecordColumnPlan,
  developer: readonly DeveloperColumn[] | null,
  out: FitRecordsBuilder,
): void {
  for (let k = 0; k < INPUTS.length; k++)
    values[k] = readInput(view, start, littleEndian, plan.native[k]!, plan.component[k]!);
  const timestamp = values[TIMESTAMP]!;
  if (Number.isNaN(timestamp)) {
    out.skipWithoutTime();
    return;
  }
  out.addRow(timestamp);
  readings[R_POWER] = values[POWER]!;
  readings[R_HEART_RATE] = values[HEART_RATE]!;
  readings[R_CADENCE] = values[CADENCE]!;
  readings[R_FRACTIONAL_CADENCE] = values[FRACTIONAL_CADENCE]!;
  // `enhancedSpeed ?? speed`: a present reading is never NaN (see compileRecordColumns).
  readings[R_SPEED] = presentOr(values[ENHANCED_SPEED]!, values[SPEED]!);
  readings[R_DISTANCE] = values[DISTANCE]!;
  readings[R_ALTITUDE] = presentOr(values[ENHANCED_ALTITUDE]!, values[ALTITUDE]!);
  readings[R_POSITION_LAT] = values[POSITION_LAT]!;
  readings[R_POSITION_LONG] = values[POSITION_LONG]!;
  readings[R_TEMPERATURE] = values[TEMPERATURE]!;
  readings[R_CORE_TEMPERATURE] = values[CORE_TEMPERATURE]!;
  readings[R_SMO2] = values[SMO2]!;
  out.putReadings(readings);
  if (developer !== null) readDeveloperColumns(view, start, littleEndian, developer, out);
}

function presentOr(value: number, otherwise: number): number {
  return Number.isNaN(value) ? otherwise : value;
}

/**
 * One input as the flat path puts it into the message: the component's value when its source is
 * there (NaN for the null of an invalid target, which hides the native field all the same), else
 * the native field's, else NaN.
 */
function readInput(
  view: DataView,
  start: number,
  littleEndian: boolean,
  native: NativeSource | null,
  source: ComponentSource | null,
): number {
  if (source !== null) {
    const raw = readFitScalar(view, start + source.at, source.baseType, littleEndian);
    const c = source.component;
    if (raw !== source.invalid && raw !== c.sourceInvalid) {
      const value = ((raw & c.mask) >>> 0) / c.scale - c.offset;
      return (value + c.targetOffset) * c.targetScale === c.targetInvalid ? Number.NaN : value;
    }
  }
  if (native !== null) {
    const raw = readFitScalar(view, start + native.at, native.baseType, littleEndian);
    // A named value is a string in the message: not a number to readFitRecords, like NaN here.
    if (native.named?.has(raw)) return Number.NaN;
    if (raw !== native.invalid) return raw / native.scale - native.offset;
  }
  return Number.NaN;
}

/** A developer field of a record definition that fills an extra column. */
export interface DeveloperColumn {
  /** Byte offset in the message. */
  at: number;
  baseType: number;
  invalid: number;
  slot: DeveloperSlot;
}

/** A developer field definition as the decoder resolved it (null: no field description). */
export interface ResolvedDeveloperField {
  key: number;
  fitBaseTypeId: number;
}

/**
 * The developer fields of a record definition under one field-description state, by ascending
 * key (the order readFitRecords fills them in): those described in `infos` that hold one numeric
 * value. The others can never give readFitRecords a number and are left out. Null when the plan
 * would not be exact: two fields under one described key (the message keeps the last valid one),
 * or a base type the decoder does not know (it declines the file).
 */
export function compileDeveloperColumns(
  sizes: readonly number[],
  resolved: readonly (ResolvedDeveloperField | null)[],
  nativeSize: number,
  infos: ReadonlyMap<number, DeveloperFieldInfo>,
  baseTypes: readonly { size: number; invalid: number }[],
  out: FitRecordsBuilder,
): DeveloperColumn[] | null {
  const columns: DeveloperColumn[] = [];
  const keys = new Set<number>();
  let offset = nativeSize;
  for (let i = 0; i < sizes.length; i++) {
    const field = resolved[i]!;
    const size = sizes[i]!;
    if (field !== null) {
      const base = baseTypes[field.fitBaseTypeId];
      if (base === undefined) return null;
      const slot = out.developerSlotOf(infos, field.key);
      if (slot !== undefined) {
        if (keys.has(field.key)) return null;
        keys.add(field.key);
        // One value of a type read as a number (not a string, not a 64-bit integer's BigInt).
        const numeric = field.fitBaseTypeId !== STRING && field.fitBaseTypeId < SINT64;
        if (size === base.size && numeric)
          columns.push({ at: offset, baseType: field.fitBaseTypeId, invalid: base.invalid, slot });
      }
    }
    offset += size;
  }
  return columns.sort((a, b) => a.slot.key - b.slot.key);
}

function readDeveloperColumns(
  view: DataView,
  start: number,
  littleEndian: boolean,
  columns: readonly DeveloperColumn[],
  out: FitRecordsBuilder,
): void {
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const raw = readFitScalar(view, start + column.at, column.baseType, littleEndian);
    if (raw !== column.invalid) out.putDeveloper(column.slot, raw);
  }
}
