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
