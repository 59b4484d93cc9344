import type { MetricName } from '../../domain/metrics.ts';

export interface DeveloperFieldMeaning {
  metric: MetricName;
  /** Matched against the snake_case field name. */
  name: RegExp;
  /** Matched against the lower-cased, trimmed units string. */
  units: RegExp;
  /** Where the names come from, for the next reader of this table. */
  seenIn: string;
}

/**
 * Developer fields whose meaning is known, so they fill a canonical column (DESIGN.md §2). A
 * native record field always wins over a developer field for the same second. When several
 * fields match one metric, the one with the most readings in the metric's valid range wins; the
 * others stay in `extra`.
 */
export const DEVELOPER_FIELD_MEANINGS: readonly DeveloperFieldMeaning[] = [
  {
    metric: 'power',
    name: /^(running_)?power$/,
    units: /^(w|watts?)$/,
    seenIn: 'Stryd "Power" [Watts]; Concept2 CIQ "Power" [Watts]',
  },
  {
    metric: 'core_temperature',
    name: /^(ciq_)?core_(body_)?temp(erature)?$/,
    units: /^(°|°c|c|deg ?c|celsius)?$/,
    seenIn: 'CORE "core_temperature" [°C], "CIQ_core_temperature" [°]',
  },
  {
    metric: 'smo2',
    name: /(^|_)smo2(_|$)|^saturated_hemoglobin_percent$|^muscle_oxygen(_saturation)?$/,
    units: /^%?$/,
    seenIn: 'Moxy "1st SmO2 Sensor 6978 on R. Quad" [%], "saturated_hemoglobin_percent" [%]',
  },
];
