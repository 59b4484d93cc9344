import type { ColumnType } from './column-types.ts';

/**
 * The one table of sample metrics. Everything that names a per-second column — the canonical
 * activity, the Parquet schema, the Arrow schema, the API's `metrics` parameter and the docs — is
 * derived from this table; `test/domain/metrics.test.ts` checks each derived copy against it.
 */
export const METRICS = [
  {
    name: 'power',
    unit: 'W',
    duckdbType: 'SMALLINT',
    min: 0,
    max: 3000,
    doc: 'Mechanical power (cycling) or running power.',
  },
  { name: 'heart_rate', unit: 'bpm', duckdbType: 'SMALLINT', min: 20, max: 255, doc: 'Heart rate.' },
  {
    name: 'cadence',
    unit: 'rpm|spm',
    duckdbType: 'SMALLINT',
    min: 0,
    max: 300,
    doc: 'Cadence: revolutions (cycling) or steps (running) per minute.',
  },
  {
    name: 'speed',
    unit: 'm/s',
    duckdbType: 'FLOAT',
    min: 0,
    max: 60,
    doc: 'Speed over ground (or virtual speed indoors).',
  },
  {
    name: 'distance',
    unit: 'm',
    duckdbType: 'DOUBLE',
    min: 0,
    max: 2_000_000,
    doc: 'Cumulative distance from the start of the activity.',
  },
  {
    name: 'altitude',
    unit: 'm',
    duckdbType: 'FLOAT',
    min: -500,
    max: 9000,
    doc: 'Altitude above sea level.',
  },
  { name: 'latitude', unit: 'deg', duckdbType: 'DOUBLE', min: -90, max: 90, doc: 'WGS84 latitude.' },
  { name: 'longitude', unit: 'deg', duckdbType: 'DOUBLE', min: -180, max: 180, doc: 'WGS84 longitude.' },
  {
    name: 'temperature',
    unit: '°C',
    duckdbType: 'FLOAT',
    min: -60,
    max: 70,
    doc: 'Ambient temperature from the device.',
  },
  {
    name: 'core_temperature',
    unit: '°C',
    duckdbType: 'FLOAT',
    min: 30,
    max: 45,
    doc: 'Core body temperature (e.g. CORE sensor).',
  },
  {
    name: 'smo2',
    unit: '%',
    duckdbType: 'FLOAT',
    min: 0,
    max: 100,
    doc: 'Muscle oxygen saturation (e.g. Moxy).',
  },
  {
    name: 'lap',
    unit: 'index',
    duckdbType: 'SMALLINT',
    min: 0,
    max: 32767,
    doc: 'Zero-based lap index of the sample.',
  },
] as const;

export type MetricDef = (typeof METRICS)[number];
export type MetricName = MetricDef['name'];
export const METRIC_NAMES = METRICS.map((m) => m.name) as readonly MetricName[];

export function isMetricName(name: string): name is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(name);
}

export function getMetric(name: MetricName): MetricDef {
  const metric = METRICS.find((m) => m.name === name);
  if (!metric) throw new Error(`unknown metric ${name}`);
  return metric;
}

/** The column type of each stored metric on the wire, from its DuckDB storage type (WIRE.md §4.1). */
const COLUMN_TYPE_OF_DUCKDB = { SMALLINT: 'int16', FLOAT: 'float32', DOUBLE: 'float64' } as const;

export function metricColumnType(metric: MetricDef): ColumnType {
  return COLUMN_TYPE_OF_DUCKDB[metric.duckdbType];
}

/**
 * The wire's metric vocabulary (SweatStack's `Metric`): the stored metrics, `duration` (the time a
 * row covers: 1 s per sample, the segment's length when rows are merged), and metrics Peakform
 * does not record from files, which come back as all-null columns of their type when asked for.
 */
export const WIRE_METRICS: readonly { name: string; type: ColumnType; unit: string; doc: string }[] = [
  {
    name: 'duration',
    type: 'duration',
    unit: 's',
    doc: 'Time covered by the row: 1 s per sample, longer for merged segments.',
  },
  ...METRICS.map((m) => ({ name: m.name, type: metricColumnType(m), unit: m.unit, doc: m.doc })),
  {
    name: 'respiration_rate',
    type: 'float32',
    unit: 'breaths/min',
    doc: 'Not recorded from files: an all-null column.',
  },
  {
    name: 'elevation',
    type: 'float32',
    unit: 'm',
    doc: 'Not recorded from files (see altitude): an all-null column.',
  },
  { name: 'lactate', type: 'float32', unit: 'mmol/L', doc: 'Not recorded from files: an all-null column.' },
  { name: 'rpe', type: 'int16', unit: 'scale point', doc: 'Not recorded from files: an all-null column.' },
  { name: 'notes', type: 'utf8', unit: 'text', doc: 'Not recorded from files: an all-null column.' },
];
export const WIRE_METRIC_NAMES = WIRE_METRICS.map((m) => m.name);
