import { WIRE_METRICS } from '../domain/metrics.ts';
import type { ColumnSpec, TableSpec } from './route.ts';

/** The tabular responses (WIRE.md §4) with their columns and Arrow types, in the order sent. */

const metricColumns: ColumnSpec[] = WIRE_METRICS.map((m) => ({
  name: m.name,
  type: m.type,
  unit: m.unit,
  nullable: true,
  required: false,
  doc: `${m.doc} One column per requested metric (default: those the activity has).`,
}));

const timestampColumns: ColumnSpec[] = [
  {
    name: 'timestamp',
    type: 'timestamp',
    nullable: false,
    required: true,
    doc: 'The sample’s instant, UTC.',
  },
  {
    name: 'timestamp_local',
    type: 'timestamp_local',
    nullable: false,
    required: true,
    doc: 'The wall clock at the activity’s place.',
  },
];

export const ACTIVITY_DATA_TABLE: TableSpec = {
  name: 'ActivityData',
  doc: 'One row per recorded second (or per merged segment with `segmentation_on`).',
  columns: [...timestampColumns, ...metricColumns],
};

export const LONGITUDINAL_DATA_TABLE: TableSpec = {
  name: 'LongitudinalData',
  doc: 'Every sample of every matching activity, ordered by time.',
  columns: [
    ...timestampColumns,
    {
      name: 'activity_id',
      type: 'utf8',
      nullable: false,
      required: true,
      doc: 'The activity the sample belongs to.',
    },
    { name: 'sport', type: 'utf8', nullable: false, required: true, doc: 'That activity’s sport.' },
    ...metricColumns.map((c) => ({
      ...c,
      doc: c.doc.replace('the activity has', 'duration, power, heart_rate, speed'),
    })),
  ],
};

const curveValueColumns = (doc: string): ColumnSpec[] => [
  {
    name: 'power',
    type: 'float64',
    unit: 'W',
    nullable: false,
    required: false,
    doc: `${doc} (metric=power).`,
  },
  {
    name: 'speed',
    type: 'float64',
    unit: 'm/s',
    nullable: false,
    required: false,
    doc: `${doc} (metric=speed).`,
  },
  {
    name: 'heart_rate',
    type: 'float64',
    unit: 'bpm',
    nullable: false,
    required: false,
    doc: `${doc} (metric=heart_rate, Peakform addition).`,
  },
];

export const MEAN_MAX_TABLE: TableSpec = {
  name: 'MeanMax',
  doc: 'One row per duration, ascending; durations longer than the activity are left out.',
  columns: [
    {
      name: 'duration',
      type: 'duration',
      unit: 's',
      nullable: false,
      required: true,
      doc: 'The window length.',
    },
    ...curveValueColumns('Best average over any window of exactly this length'),
    {
      name: 'start',
      type: 'timestamp',
      nullable: false,
      required: true,
      doc: 'When the earliest best window began, UTC.',
    },
    {
      name: 'window',
      type: 'duration',
      unit: 's',
      nullable: false,
      required: false,
      doc: 'With envelope=true: the length of the window that sets the point (Peakform addition).',
    },
  ],
};

export const LONGITUDINAL_MEAN_MAX_TABLE: TableSpec = {
  name: 'LongitudinalMeanMax',
  doc: 'Per duration (and per after= value), the best over the activities in range; ties go to the earliest activity.',
  columns: [
    {
      name: 'duration',
      type: 'duration',
      unit: 's',
      nullable: false,
      required: true,
      doc: 'The window length.',
    },
    ...curveValueColumns('Best average over the range'),
    {
      name: 'start',
      type: 'timestamp',
      nullable: false,
      required: true,
      doc: 'When the best window began, UTC.',
    },
    {
      name: 'activity_id',
      type: 'utf8',
      nullable: true,
      required: true,
      doc: 'The activity that set the value.',
    },
    { name: 'sport', type: 'utf8', nullable: true, required: true, doc: 'Its sport.' },
    {
      name: 'after',
      type: 'float64',
      unit: 'kJ',
      nullable: false,
      required: false,
      doc: 'Only when after= was given: the work done before the window.',
    },
    {
      name: 'window',
      type: 'duration',
      unit: 's',
      nullable: false,
      required: false,
      doc: 'With envelope=true: the window that sets the point (Peakform addition).',
    },
  ],
};

/** A `duration[s]` column present in every response. */
const secondsColumn = (name: string, doc: string): ColumnSpec => ({
  name,
  type: 'duration',
  unit: 's',
  nullable: false,
  required: true,
  doc,
});

export const ACCUMULATED_WORK_DURATION_TABLE: TableSpec = {
  name: 'AccumulatedWorkDuration',
  doc: 'For each intensity, the total time spent at or above it; descending intensity.',
  columns: [
    ...curveValueColumns('The intensity').slice(0, 2),
    secondsColumn('duration', 'Time at or above the intensity.'),
  ],
};

export const LONGITUDINAL_ACCUMULATED_WORK_DURATION_TABLE: TableSpec = {
  name: 'LongitudinalAccumulatedWorkDuration',
  doc: 'Provisional (the modelled platform has not published its levels): daily time at or above each intensity, as its maximum and the 90th, 75th and 50th percentile over days with activity.',
  columns: [
    ...curveValueColumns('The intensity').slice(0, 2),
    secondsColumn('max', 'The highest daily time at or above the intensity.'),
    secondsColumn('hard', '90th percentile of daily time at or above it.'),
    secondsColumn('medium', '75th percentile.'),
    secondsColumn('easy', '50th percentile.'),
  ],
};

export const TRAINING_LOAD_TABLE: TableSpec = {
  name: 'TrainingLoad',
  doc: 'One row per local date: daily TSS, CTL, ATL, TSB and ramp rate (Peakform route).',
  columns: [
    { name: 'date', type: 'utf8', nullable: false, required: true, doc: 'Local date, YYYY-MM-DD.' },
    { name: 'tss', type: 'float64', nullable: false, required: true, doc: 'Training stress of the day.' },
    { name: 'ctl', type: 'float64', nullable: false, required: true, doc: 'Chronic training load (42-day).' },
    { name: 'atl', type: 'float64', nullable: false, required: true, doc: 'Acute training load (7-day).' },
    { name: 'tsb', type: 'float64', nullable: false, required: true, doc: 'Yesterday’s CTL − ATL.' },
    { name: 'ramp_rate', type: 'float64', nullable: true, required: true, doc: 'CTL change over 7 days.' },
  ],
};

const zoneColumn = (system: string, zone: number): ColumnSpec => ({
  name: `${system}_z${zone}_s`,
  type: 'float64',
  unit: 's',
  nullable: true,
  required: false,
  doc: `Seconds in ${system === 'power' ? 'Coggan power' : 'heart-rate'} zone ${zone}.`,
});

export const LONGITUDINAL_AGGREGATE_TABLE: TableSpec = {
  name: 'LongitudinalAggregate',
  doc: 'One row per local-date bucket; buckets without activities between the range’s ends have a count of 0 (Peakform route).',
  columns: [
    {
      name: 'bucket',
      type: 'utf8',
      nullable: false,
      required: true,
      doc: 'First local date of the bucket, YYYY-MM-DD.',
    },
    { name: 'count', type: 'int64', nullable: false, required: true, doc: 'Activities in the bucket.' },
    { name: 'elapsed_s', type: 'float64', unit: 's', nullable: true, required: true, doc: 'Elapsed time.' },
    { name: 'moving_s', type: 'float64', unit: 's', nullable: true, required: true, doc: 'Moving time.' },
    { name: 'distance_m', type: 'float64', unit: 'm', nullable: true, required: true, doc: 'Distance.' },
    { name: 'work_kj', type: 'float64', unit: 'kJ', nullable: true, required: true, doc: 'Mechanical work.' },
    { name: 'tss', type: 'float64', nullable: true, required: true, doc: 'Training stress.' },
    ...['power', 'heart_rate', 'cadence', 'speed', 'altitude', 'temperature'].flatMap((m): ColumnSpec[] => [
      {
        name: `${m}_mean`,
        type: 'float64',
        nullable: true,
        required: false,
        doc: `Reading-weighted mean of ${m}.`,
      },
      { name: `${m}_max`, type: 'float64', nullable: true, required: false, doc: `Maximum of ${m}.` },
    ]),
    ...[1, 2, 3, 4, 5, 6, 7].map((z) => zoneColumn('power', z)),
    ...[1, 2, 3, 4, 5].map((z) => zoneColumn('heart_rate', z)),
  ],
};
