import type { DeveloperFieldInfo, FitMessage } from '../../../src/ingest/fit/decode-fit.ts';
import { FIT_EPOCH_S } from '../../../src/ingest/fit/fit-time.ts';
import type { FitRecords } from '../../../src/ingest/fit/read-fit-records.ts';
import { toSnakeCase } from '../../../src/ingest/to-snake-case.ts';
import { TraceBuilder } from '../../../src/ingest/trace-builder.ts';

const DEGREES_PER_SEMICIRCLE = 180 / 2 ** 31;

/**
 * `readFitRecords` as it was before its canonical columns were filled directly (issue 11): kept
 * as the reference the current one is compared with (test/ingest/read-fit-records.test.ts).
 *
 * Record messages into columns in one pass. Native fields fill the canonical columns; every
 * numeric developer field fills an `extra` column named after it (moving known ones onto
 * canonical columns is `mapDeveloperFields`' job).
 */
export function readFitRecordsReference(
  records: readonly FitMessage[],
  developerFields: readonly ReadonlyMap<number, DeveloperFieldInfo>[],
): FitRecords {
  const builder = new TraceBuilder(records.length);
  const developerColumns: FitRecords['developerColumns'] = [];
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

  let skippedWithoutTime = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (typeof r.timestamp !== 'number') {
      skippedWithoutTime++;
      continue;
    }
    builder.addRow(r.timestamp + FIT_EPOCH_S);
    builder.set('power', num(r.power));
    builder.set('heart_rate', num(r.heartRate));
    // Fractional cadence carries the part below 1 rpm that the integer field cannot.
    builder.set('cadence', num(r.cadence) + (num(r.fractionalCadence) || 0));
    builder.set('speed', num(r.enhancedSpeed ?? r.speed));
    builder.set('distance', num(r.distance));
    builder.set('altitude', num(r.enhancedAltitude ?? r.altitude));
    builder.set('latitude', num(r.positionLat) * DEGREES_PER_SEMICIRCLE);
    builder.set('longitude', num(r.positionLong) * DEGREES_PER_SEMICIRCLE);
    builder.set('temperature', num(r.temperature));
    builder.set('core_temperature', num(r.coreTemperature));
    builder.set('smo2', num(r.saturatedHemoglobinPercent));

    const devValues = r.developerFields as Record<string, unknown> | undefined;
    if (devValues) {
      const infos = developerFields[i];
      for (const key in devValues) {
        const info = infos?.get(Number(key));
        const raw = devValues[key];
        if (!info || typeof raw !== 'number') continue;
        // The SDK leaves developer values raw; scale and offset come from the field description.
        builder.setExtra(columnOf(info), raw / (info.scale ?? 1) - (info.offset ?? 0));
      }
    }
  }
  return {
    trace: builder.build(),
    developerColumns,
    skippedWithoutTime,
    fieldLimitIssue: builder.fieldLimitIssue(),
  };
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}
