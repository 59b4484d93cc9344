import type { DataIssue } from '../../domain/issue.ts';
import type { MetricName } from '../../domain/metrics.ts';
import { missingColumn, type RawTrace } from '../raw-trace.ts';
import { toSnakeCase } from '../to-snake-case.ts';
import { type SparseColumn, TraceBuilder } from '../trace-builder.ts';
import type { DeveloperFieldInfo, FitMessage } from './decode-fit.ts';
import { FIT_EPOCH_S } from './fit-time.ts';

const DEGREES_PER_SEMICIRCLE = 180 / 2 ** 31;

/** Developer fields of one field-description state, resolved once (see fieldsOf). */
interface DeveloperSlot {
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
const [
  POWER,
  HEART_RATE,
  CADENCE,
  SPEED,
  DISTANCE,
  ALTITUDE,
  LATITUDE,
  LONGITUDE,
  TEMPERATURE,
  CORE_TEMPERATURE,
  SMO2,
] = FIXED_METRICS.map((_, k) => k) as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/**
 * The record fields readFitRecords reads (and the heart-rate merge: `timestamp`, `heartRate`),
 * so that the decoder can leave the others (power phases, pedal balance …) out of the messages.
 */
export const READ_FIT_RECORD_FIELDS: ReadonlySet<string> = new Set([
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
]);

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
  const builder = new TraceBuilder(records.length);
  const developerColumns: DeveloperColumn[] = [];
  // One column per (name, units): an app that re-declares its fields keeps filling one column.
  const columnByField = new Map<string, string>();
  const taken = new Set<string>();
  // Next numeric suffix per name, so a file repeating one name thousands of times stays linear.
  const nextSuffix = new Map<string, number>();
  // The same info object serves every record until a field description changes it.
  const columnByInfo = new Map<DeveloperFieldInfo, string>();
  const columnOf = (info: DeveloperFieldInfo): string => {
    const known = columnByInfo.get(info);
    if (known !== undefined) return known;
    const id = `${info.name}\u0000${info.units}`;
    let name = columnByField.get(id);
    if (name === undefined) {
      name = toSnakeCase(info.name);
      if (taken.has(name)) name = `${name}_${toSnakeCase(info.units || 'unitless')}`;
      const base = name;
      for (let k = nextSuffix.get(base) ?? 2; taken.has(name); k++) {
        name = `${base}_${k}`;
        nextSuffix.set(base, k + 1);
      }
      taken.add(name);
      columnByField.set(id, name);
      developerColumns.push({ column: name, units: info.units });
    }
    columnByInfo.set(info, name);
    return name;
  };

  // The canonical columns are filled here rather than through builder.set (a keyed lookup per
  // reading): one array per metric, created at its first finite reading, so the columns appear in
  // the same order and with the same cells as the builder would give.
  const rowsMax = Math.max(1, records.length);
  const columns: (Float64Array | null)[] = FIXED_METRICS.map(() => null);
  const firstUse: number[] = [];
  const put = (k: number, row: number, value: number): void => {
    if (!Number.isFinite(value)) return;
    let column = columns[k]!;
    if (column === null) {
      column = missingColumn(rowsMax);
      columns[k] = column;
      firstUse.push(k);
    }
    column[row] = value;
  };

  // Per field-description state (one Map object serves every record until it changes): its fields
  // by ascending key, when every key is an array index, so records need no for...in over their
  // values; null (the general loop) otherwise, or when there are many fields.
  const fieldsByInfos = new Map<ReadonlyMap<number, DeveloperFieldInfo>, DeveloperSlot[] | null>();
  const fieldsOf = (infos: ReadonlyMap<number, DeveloperFieldInfo>): DeveloperSlot[] | null => {
    let fields = fieldsByInfos.get(infos);
    if (fields === undefined) {
      const keys = [...infos.keys()];
      fields =
        keys.length <= MAX_SLOTTED_FIELDS && keys.every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 31)
          ? keys
              .sort((a, b) => a - b)
              .map((key) => {
                const info = infos.get(key)!;
                return {
                  key,
                  info,
                  column: undefined,
                  sparse: undefined,
                  scale: info.scale ?? 1,
                  offset: info.offset ?? 0,
                };
              })
          : null;
      fieldsByInfos.set(infos, fields);
    }
    return fields;
  };

  let skippedWithoutTime = 0;
  let row = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (typeof r.timestamp !== 'number') {
      skippedWithoutTime++;
      continue;
    }
    builder.addRow(r.timestamp + FIT_EPOCH_S);
    row++;
    put(POWER, row, num(r.power));
    put(HEART_RATE, row, num(r.heartRate));
    // Fractional cadence carries the part below 1 rpm that the integer field cannot.
    put(CADENCE, row, num(r.cadence) + (num(r.fractionalCadence) || 0));
    put(SPEED, row, num(r.enhancedSpeed ?? r.speed));
    put(DISTANCE, row, num(r.distance));
    put(ALTITUDE, row, num(r.enhancedAltitude ?? r.altitude));
    put(LATITUDE, row, num(r.positionLat) * DEGREES_PER_SEMICIRCLE);
    put(LONGITUDE, row, num(r.positionLong) * DEGREES_PER_SEMICIRCLE);
    put(TEMPERATURE, row, num(r.temperature));
    put(CORE_TEMPERATURE, row, num(r.coreTemperature));
    put(SMO2, row, num(r.saturatedHemoglobinPercent));

    const devValues = r.developerFields as Record<string, unknown> | undefined;
    if (devValues) {
      const infos = developerFields[i];
      const fields = infos === undefined ? null : fieldsOf(infos);
      if (fields !== null) {
        // The same fields in the same order as the loop below: for...in visits integer keys in
        // ascending order, and a key without a field description is skipped there too.
        for (let f = 0; f < fields.length; f++) {
          const field = fields[f]!;
          const raw = devValues[field.key];
          if (typeof raw !== 'number') continue;
          const value = raw / field.scale - field.offset;
          if (field.sparse !== undefined) {
            builder.setExtraIn(field.sparse, value);
          } else {
            field.column ??= columnOf(field.info);
            builder.setExtra(field.column, value);
            field.sparse = builder.extraColumn(field.column);
          }
        }
        continue;
      }
      for (const key in devValues) {
        const info = infos?.get(Number(key));
        const raw = devValues[key];
        if (!info || typeof raw !== 'number') continue;
        // The SDK leaves developer values raw; scale and offset come from the field description.
        builder.setExtra(columnOf(info), raw / (info.scale ?? 1) - (info.offset ?? 0));
      }
    }
  }
  const built = builder.build();
  const rows = row + 1;
  const traceColumns: RawTrace['columns'] = {};
  for (const k of firstUse) {
    const column = columns[k]!;
    traceColumns[FIXED_METRICS[k]!] = rows === rowsMax ? column : column.slice(0, rows);
  }
  return {
    trace: { timeS: built.timeS, columns: traceColumns, extra: built.extra },
    developerColumns,
    skippedWithoutTime,
    fieldLimitIssue: builder.fieldLimitIssue(),
  };
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}
