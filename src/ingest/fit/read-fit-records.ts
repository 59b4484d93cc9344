import type { MetricName } from '../../domain/metrics.ts';
import { missingColumn, type RawTrace } from '../raw-trace.ts';
import { toSnakeCase } from '../to-snake-case.ts';
import type { DeveloperFieldInfo, FitMessage } from './decode-fit.ts';
import { FIT_EPOCH_S } from './fit-time.ts';

const DEGREES_PER_SEMICIRCLE = 180 / 2 ** 31;

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
}

/**
 * Record messages into columns, one pass, no per-record objects. Native fields fill the canonical
 * columns; every numeric developer field fills an `extra` column named after it (mapping known
 * ones onto canonical columns is `mapDeveloperFields`' job).
 */
export function readFitRecords(
  records: readonly FitMessage[],
  developerFields: readonly ReadonlyMap<number, DeveloperFieldInfo>[],
): FitRecords {
  const capacity = records.length;
  const timeS = new Float64Array(capacity);
  const columns: Partial<Record<MetricName, Float64Array>> = {};
  const column = (name: MetricName): Float64Array => {
    columns[name] ??= missingColumn(capacity);
    return columns[name];
  };
  const extra: Record<string, Float64Array> = {};
  const developerColumns: DeveloperColumn[] = [];
  // One column per (name, units): apps that re-declare the same field keep filling one column.
  const columnByField = new Map<string, string>();
  const developerColumn = (info: DeveloperFieldInfo): Float64Array => {
    const id = `${info.name}\u0000${info.units}`;
    let name = columnByField.get(id);
    if (name === undefined) {
      name = toSnakeCase(info.name);
      if (name in extra) name = `${name}_${toSnakeCase(info.units || 'unitless')}`;
      while (name in extra) name = `${name}_2`;
      columnByField.set(id, name);
      extra[name] = missingColumn(capacity);
      developerColumns.push({ column: name, units: info.units });
    }
    return extra[name]!;
  };

  let row = 0;
  let skippedWithoutTime = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const fitTime = r.timestamp;
    if (typeof fitTime !== 'number') {
      skippedWithoutTime++;
      continue;
    }
    timeS[row] = fitTime + FIT_EPOCH_S;
    setNumber(column, 'power', row, r.power);
    setNumber(column, 'heart_rate', row, r.heartRate);
    const cadence = r.cadence;
    if (typeof cadence === 'number') {
      const fraction = typeof r.fractionalCadence === 'number' ? r.fractionalCadence : 0;
      column('cadence')[row] = cadence + fraction;
    }
    setNumber(column, 'speed', row, r.enhancedSpeed ?? r.speed);
    setNumber(column, 'distance', row, r.distance);
    setNumber(column, 'altitude', row, r.enhancedAltitude ?? r.altitude);
    const lat = r.positionLat;
    const long = r.positionLong;
    if (typeof lat === 'number' && typeof long === 'number') {
      column('latitude')[row] = lat * DEGREES_PER_SEMICIRCLE;
      column('longitude')[row] = long * DEGREES_PER_SEMICIRCLE;
    }
    setNumber(column, 'temperature', row, r.temperature);
    setNumber(column, 'core_temperature', row, r.coreTemperature);
    setNumber(column, 'smo2', row, r.saturatedHemoglobinPercent);

    const devValues = r.developerFields as Record<string, unknown> | undefined;
    if (devValues) {
      const infos = developerFields[i];
      for (const key in devValues) {
        const info = infos?.get(Number(key));
        const raw = devValues[key];
        if (!info || typeof raw !== 'number' || !Number.isFinite(raw)) continue;
        // The SDK leaves developer values raw; scale and offset come from the field description.
        developerColumn(info)[row] = raw / (info.scale ?? 1) - (info.offset ?? 0);
      }
    }
    row++;
  }

  const trim = (values: Float64Array): Float64Array => (row === capacity ? values : values.slice(0, row));
  for (const name of Object.keys(columns) as MetricName[]) columns[name] = trim(columns[name]!);
  for (const name of Object.keys(extra)) extra[name] = trim(extra[name]!);
  return { trace: { timeS: trim(timeS), columns, extra }, developerColumns, skippedWithoutTime };
}

function setNumber(
  column: (name: MetricName) => Float64Array,
  name: MetricName,
  row: number,
  value: unknown,
): void {
  if (typeof value === 'number' && Number.isFinite(value)) column(name)[row] = value;
}
