import type { DataIssue } from '../../domain/issue.ts';
import type { MetricName } from '../../domain/metrics.ts';
import { missingColumn, type RawTrace } from '../raw-trace.ts';
import { toSnakeCase } from '../to-snake-case.ts';
import { type SparseColumn, TraceBuilder } from '../trace-builder.ts';
import type { DeveloperFieldInfo, FitMessage } from './fit-message.ts';
import { FIT_EPOCH_S } from './fit-time.ts';

const DEGREES_PER_SEMICIRCLE = 180 / 2 ** 31;

/** Developer fields of one field-description state, resolved once (see developerSlots). */
export interface DeveloperSlot {
  key: number;
  info: DeveloperFieldInfo;
  /** The extra column, named at the field's first reading (as columnOf is called in file order). */
  column: string | undefined;
  /** That column in the builder, once it holds a reading (never, for a field beyond the limit). */
  sparse: SparseColumn | undefined;
  scale: number;
  offset: number;
}
/** Beyond this many described fields, records are read by their own keys (a record uses few). */
const MAX_SLOTTED_FIELDS = 32;

/** The canonical columns a record fills, in the order they are read from it. */
const FIXED_METRICS: readonly MetricName[] = [
  'power',
  'heart_rate',
  'cadence',
  'speed',
  'distance',
  'altitude',
  'latitude',
  'longitude',
  'temperature',
  'core_temperature',
  'smo2',
];
const POWER = 0;
const HEART_RATE = 1;
const CADENCE = 2;
const SPEED = 3;
const DISTANCE = 4;
const ALTITUDE = 5;
const LATITUDE = 6;
const LONGITUDE = 7;
const TEMPERATURE = 8;
const CORE_TEMPERATURE = 9;
const SMO2 = 10;

/**
 * A record's readings as `FitRecordsBuilder.putReadings` takes them: one slot per reading, NaN
 * when absent; speed and altitude are the enhanced field when the record has it, else the other.
 */
export const READING = {
  power: 0,
  heartRate: 1,
  cadence: 2,
  fractionalCadence: 3,
  speed: 4,
  distance: 5,
  altitude: 6,
  positionLat: 7,
  positionLong: 8,
  temperature: 9,
  coreTemperature: 10,
  saturatedHemoglobinPercent: 11,
} as const;
export const READING_COUNT = 12;

/**
 * The record fields readFitRecords reads (and the heart-rate merge: `timestamp`, `heartRate`),
 * so that the decoder can leave the others (power phases, pedal balance …) out of the messages.
 */
export const READ_FIT_RECORD_FIELD_NAMES = [
  'timestamp',
  'power',
  'heartRate',
  'cadence',
  'fractionalCadence',
  'enhancedSpeed',
  'speed',
  'distance',
  'enhancedAltitude',
  'altitude',
  'positionLat',
  'positionLong',
  'temperature',
  'coreTemperature',
  'saturatedHemoglobinPercent',
] as const;
export const READ_FIT_RECORD_FIELDS: ReadonlySet<string> = new Set(READ_FIT_RECORD_FIELD_NAMES);

/** A developer field read into `trace.extra[column]`. */
export interface DeveloperColumn {
  column: string;
  units: string;
}

export interface FitRecords {
  trace: RawTrace;
  developerColumns: DeveloperColumn[];
  /** Record messages without a timestamp, which cannot be placed in time. */
  skippedWithoutTime: number;
  /** Set when developer fields beyond the extra-field limit were dropped. */
  fieldLimitIssue: DataIssue | null;
}

/**
 * Record messages into columns in one pass. Native fields fill the canonical columns; every
 * numeric developer field fills an `extra` column named after it (moving known ones onto
 * canonical columns is `mapDeveloperFields`' job).
 */
export function readFitRecords(
  records: readonly FitMessage[],
  developerFields: readonly ReadonlyMap<number, DeveloperFieldInfo>[],
): FitRecords {
  const out = new FitRecordsBuilder(records.length);
  const readings = new Float64Array(READING_COUNT);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (typeof r.timestamp !== 'number') {
      out.skipWithoutTime();
      continue;
    }
    out.addRow(r.timestamp);
    readings[READING.power] = num(r.power);
    readings[READING.heartRate] = num(r.heartRate);
    readings[READING.cadence] = num(r.cadence);
    readings[READING.fractionalCadence] = num(r.fractionalCadence);
    readings[READING.speed] = num(r.enhancedSpeed ?? r.speed);
    readings[READING.distance] = num(r.distance);
    readings[READING.altitude] = num(r.enhancedAltitude ?? r.altitude);
    readings[READING.positionLat] = num(r.positionLat);
    readings[READING.positionLong] = num(r.positionLong);
    readings[READING.temperature] = num(r.temperature);
    readings[READING.coreTemperature] = num(r.coreTemperature);
    readings[READING.saturatedHemoglobinPercent] = num(r.saturatedHemoglobinPercent);
    out.putReadings(readings);

    const devValues = r.developerFields as Record<string, unknown> | undefined;
    if (devValues) {
      const infos = developerFields[i];
      const fields = infos === undefined ? null : out.developerSlots(infos);
      if (fields !== null) {
        // The same fields in the same order as the loop below: for...in visits integer keys in
        // ascending order, and a key without a field description is skipped there too.
        for (let f = 0; f < fields.length; f++) {
          const field = fields[f]!;
          const raw = devValues[field.key];
          if (typeof raw === 'number') out.putDeveloper(field, raw);
        }
        continue;
      }
      for (const key in devValues) {
        const info = infos?.get(Number(key));
        const raw = devValues[key];
        if (!info || typeof raw !== 'number') continue;
        out.putDeveloperInfo(info, raw);
      }
    }
  }
  return out.build();
}

/**
 * The columns of FitRecords, filled one record at a time: by readFitRecords from record messages,
 * and by the fast decoder straight from the bytes (`record-columns.ts`), so both give the same
 * columns, in the same order, cell for cell.
 */
export class FitRecordsBuilder {
  readonly #builder: TraceBuilder;
  readonly #developerColumns: DeveloperColumn[] = [];
  // One column per (name, units): an app that re-declares its fields keeps filling one column.
  readonly #columnByField = new Map<string, string>();
  readonly #taken = new Set<string>();
  // Next numeric suffix per name, so a file repeating one name thousands of times stays linear.
  readonly #nextSuffix = new Map<string, number>();
  // The same info object serves every record until a field description changes it.
  readonly #columnByInfo = new Map<DeveloperFieldInfo, string>();

  // The canonical columns are filled here rather than through TraceBuilder.set (a keyed lookup
  // per reading): one array per metric, created at its first finite reading, so the columns
  // appear in the same order and with the same cells as the builder would give.
  #capacity: number;
  readonly #columns: (Float64Array | null)[] = FIXED_METRICS.map(() => null);
  readonly #firstUse: number[] = [];
  #row = -1;
  #skippedWithoutTime = 0;

  // Per field-description state (one Map object serves every record until it changes): its fields
  // by ascending key, when every key is an array index, so records need no for...in over their
  // values; null (the general loop) otherwise, or when there are many fields.
  readonly #fieldsByInfos = new Map<ReadonlyMap<number, DeveloperFieldInfo>, DeveloperSlot[] | null>();
  readonly #slotsByInfos = new Map<ReadonlyMap<number, DeveloperFieldInfo>, Map<number, DeveloperSlot>>();

  /** `expectedRows` sizes the columns; more rows than that grow them. */
  constructor(expectedRows: number) {
    this.#capacity = Math.max(1, expectedRows);
    this.#builder = new TraceBuilder(this.#capacity);
  }

  /** Counts a record message without a timestamp, which cannot be placed in time. */
  skipWithoutTime(): void {
    this.#skippedWithoutTime++;
  }

  /** Starts the row of a record at `fitTimestamp` (FIT seconds). */
  addRow(fitTimestamp: number): void {
    this.#builder.addRow(fitTimestamp + FIT_EPOCH_S);
    this.#row++;
    if (this.#row === this.#capacity) this.#grow();
  }

  /** The canonical readings of the current row (see READING); NaN and infinities stay missing. */
  putReadings(r: Float64Array): void {
    this.#put(POWER, r[READING.power]!);
    this.#put(HEART_RATE, r[READING.heartRate]!);
    // Fractional cadence carries the part below 1 rpm that the integer field cannot.
    this.#put(CADENCE, r[READING.cadence]! + (r[READING.fractionalCadence]! || 0));
    this.#put(SPEED, r[READING.speed]!);
    this.#put(DISTANCE, r[READING.distance]!);
    this.#put(ALTITUDE, r[READING.altitude]!);
    this.#put(LATITUDE, r[READING.positionLat]! * DEGREES_PER_SEMICIRCLE);
    this.#put(LONGITUDE, r[READING.positionLong]! * DEGREES_PER_SEMICIRCLE);
    this.#put(TEMPERATURE, r[READING.temperature]!);
    this.#put(CORE_TEMPERATURE, r[READING.coreTemperature]!);
    this.#put(SMO2, r[READING.saturatedHemoglobinPercent]!);
  }

  #put(k: number, value: number): void {
    if (!Number.isFinite(value)) return;
    let column = this.#columns[k]!;
    if (column === null) {
      column = missingColumn(this.#capacity);
      this.#columns[k] = column;
      this.#firstUse.push(k);
    }
    column[this.#row] = value;
  }

  /** The fields of one field-description state by ascending key, or null when readFitRecords loops by key. */
  developerSlots(infos: ReadonlyMap<number, DeveloperFieldInfo>): DeveloperSlot[] | null {
    let fields = this.#fieldsByInfos.get(infos);
    if (fields === undefined) {
      const keys = [...infos.keys()];
      fields =
        keys.length <= MAX_SLOTTED_FIELDS && keys.every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 31)
          ? keys.sort((a, b) => a - b).map((key) => developerSlot(key, infos.get(key)!))
          : null;
      this.#fieldsByInfos.set(infos, fields);
    }
    return fields;
  }

  /**
   * The slot of developer field `key` in one field-description state, or undefined when the state
   * does not describe it: the columnar path's lookup, for any number of fields.
   */
  developerSlotOf(infos: ReadonlyMap<number, DeveloperFieldInfo>, key: number): DeveloperSlot | undefined {
    let slots = this.#slotsByInfos.get(infos);
    if (slots === undefined) {
      slots = new Map();
      this.#slotsByInfos.set(infos, slots);
    }
    let slot = slots.get(key);
    if (slot === undefined) {
      const info = infos.get(key);
      if (info === undefined) return undefined;
      slot = developerSlot(key, info);
      slots.set(key, slot);
    }
    return slot;
  }

  /** A developer field's raw reading on the current row; its scale and offset come from its description. */
  putDeveloper(field: DeveloperSlot, raw: number): void {
    // The SDK leaves developer values raw; scale and offset come from the field description.
    const value = raw / field.scale - field.offset;
    if (field.sparse !== undefined) {
      this.#builder.setExtraIn(field.sparse, value);
    } else {
      field.column ??= this.#columnOf(field.info);
      this.#builder.setExtra(field.column, value);
      field.sparse = this.#builder.extraColumn(field.column);
    }
  }

  /** putDeveloper without a slot (the general loop of readFitRecords). */
  putDeveloperInfo(info: DeveloperFieldInfo, raw: number): void {
    this.#builder.setExtra(this.#columnOf(info), raw / (info.scale ?? 1) - (info.offset ?? 0));
  }

  build(): FitRecords {
    const built = this.#builder.build();
    const rows = this.#row + 1;
    const traceColumns: RawTrace['columns'] = {};
    for (const k of this.#firstUse) {
      const column = this.#columns[k]!;
      traceColumns[FIXED_METRICS[k]!] = rows === this.#capacity ? column : column.slice(0, rows);
    }
    return {
      trace: { timeS: built.timeS, columns: traceColumns, extra: built.extra },
      developerColumns: this.#developerColumns,
      skippedWithoutTime: this.#skippedWithoutTime,
      fieldLimitIssue: this.#builder.fieldLimitIssue(),
    };
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    for (let k = 0; k < this.#columns.length; k++) {
      const column = this.#columns[k];
      if (!column) continue;
      const grown = missingColumn(capacity);
      grown.set(column);
      this.#columns[k] = grown;
    }
    this.#capacity = capacity;
  }

  #columnOf(info: DeveloperFieldInfo): string {
    const known = this.#columnByInfo.get(info);
    if (known !== undefined) return known;
    const id = `${info.name}\u0000${info.units}`;
    let name = this.#columnByField.get(id);
    if (name === undefined) {
      name = toSnakeCase(info.name);
      if (this.#taken.has(name)) name = `${name}_${toSnakeCase(info.units || 'unitless')}`;
      const base = name;
      for (let k = this.#nextSuffix.get(base) ?? 2; this.#taken.has(name); k++) {
        name = `${base}_${k}`;
        this.#nextSuffix.set(base, k + 1);
      }
      this.#taken.add(name);
      this.#columnByField.set(id, name);
      this.#developerColumns.push({ column: name, units: info.units });
    }
    this.#columnByInfo.set(info, name);
    return name;
  }
}

/** A developer field of one field-description state, with the column it fills once it has a reading. */
function developerSlot(key: number, info: DeveloperFieldInfo): DeveloperSlot {
  return {
    key,
    info,
    column: undefined,
    sparse: undefined,
    scale: info.scale ?? 1,
    offset: info.offset ?? 0,
  };
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}
