import { describe, expect, it } from 'vitest';
import type { ReadResult, SourceFormat } from '../../src/domain/activity.ts';
import { UnreadableFileError } from '../../src/domain/errors.ts';
import { FORMAT_READERS, readActivityFile } from '../../src/ingest/read-activity-file.ts';
import { buildFitFile } from './helpers/fit-file.ts';

/**
 * One scenario, written in every format, read by every reader: the canonical result must be the
 * same. Seconds 0–9 and 20–24 (a 10 s pause), heart rate missing at second 3, a real 0 W at
 * second 5, an impossible 5000 W at second 7, second 8 written twice.
 */
const START_S = Date.parse('2024-05-10T08:10:46Z') / 1000;
const SECONDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 20, 21, 22, 23, 24];

interface Reading {
  s: number;
  power: number;
  heartRate: number | null;
  cadence: number;
  speedMps: number;
  distanceM: number;
  altitudeM: number;
  latitude: number;
  longitude: number;
}

const READINGS: Reading[] = SECONDS.map((s) => ({
  s,
  power: s === 5 ? 0 : s === 7 ? 5000 : 200 + s,
  heartRate: s === 3 ? null : 120 + s,
  cadence: 85 + (s % 3),
  speedMps: 8 + s / 10,
  distanceM: 8 * s,
  altitudeM: 100 + s,
  latitude: 52.1 + s / 10_000,
  longitude: 4.4 + s / 10_000,
}));

const iso = (s: number): string => new Date((START_S + s) * 1000).toISOString().replace('.000Z', 'Z');

function writeFit(): Uint8Array {
  return buildFitFile({
    records: READINGS.map((r) => ({
      timeS: START_S + r.s,
      power: r.power,
      heartRate: r.heartRate ?? undefined,
      cadence: r.cadence,
      speedMps: r.speedMps,
      distanceM: r.distanceM,
      altitudeM: r.altitudeM,
      latitude: r.latitude,
      longitude: r.longitude,
    })),
    session: { sport: 'cycling' },
  });
}

function writeTcx(): Uint8Array {
  const points = READINGS.map(
    (r) => `<Trackpoint><Time>${iso(r.s)}</Time>
      <Position><LatitudeDegrees>${r.latitude}</LatitudeDegrees><LongitudeDegrees>${r.longitude}</LongitudeDegrees></Position>
      <AltitudeMeters>${r.altitudeM}</AltitudeMeters><DistanceMeters>${r.distanceM}</DistanceMeters>
      ${r.heartRate === null ? '' : `<HeartRateBpm><Value>${r.heartRate}</Value></HeartRateBpm>`}
      <Cadence>${r.cadence}</Cadence>
      <Extensions><ns3:TPX><ns3:Speed>${r.speedMps}</ns3:Speed><ns3:Watts>${r.power}</ns3:Watts></ns3:TPX></Extensions>
    </Trackpoint>`,
  );
  return new TextEncoder().encode(`<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
  xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">
  <Activities><Activity Sport="Biking"><Id>${iso(0)}</Id>
    <Lap StartTime="${iso(0)}"><TotalTimeSeconds>20</TotalTimeSeconds><Track>${points.join('\n')}</Track></Lap>
  </Activity></Activities>
</TrainingCenterDatabase>`);
}

function writeGpx(): Uint8Array {
  const points = READINGS.map(
    (r) => `<trkpt lat="${r.latitude}" lon="${r.longitude}"><ele>${r.altitudeM}</ele><time>${iso(r.s)}</time>
      <extensions><power>${r.power}</power><gpxtpx:TrackPointExtension>
        ${r.heartRate === null ? '' : `<gpxtpx:hr>${r.heartRate}</gpxtpx:hr>`}<gpxtpx:cad>${r.cadence}</gpxtpx:cad>
        <gpxtpx:speed>${r.speedMps}</gpxtpx:speed>
      </gpxtpx:TrackPointExtension></extensions></trkpt>`,
  );
  return new TextEncoder().encode(`<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Peakform test" xmlns="http://www.topografix.com/GPX/1/1"
  xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
  <trk><name>Ride</name><type>cycling</type><trkseg>${points.join('\n')}</trkseg></trk>
</gpx>`);
}

function writeCsv(): Uint8Array {
  const lines = ['timestamp,sport,power,heart_rate,cadence,speed,distance,altitude,latitude,longitude'];
  for (const r of READINGS) {
    lines.push(
      [
        iso(r.s),
        r.s === 0 ? 'cycling' : '',
        r.power,
        r.heartRate ?? '',
        r.cadence,
        r.speedMps,
        r.distanceM,
        r.altitudeM,
        r.latitude,
        r.longitude,
      ].join(','),
    );
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

const CASES: { format: SourceFormat; write: () => Uint8Array; carries: string[] }[] = [
  { format: 'fit', write: writeFit, carries: ['distance'] },
  { format: 'tcx', write: writeTcx, carries: ['distance'] },
  { format: 'gpx', write: writeGpx, carries: [] },
  { format: 'csv', write: writeCsv, carries: ['distance'] },
];

const EXPECTED_SECONDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 23, 24];

describe.each(CASES)('the $format reader', ({ format, write, carries }) => {
  const read = (): ReadResult => FORMAT_READERS[format](write());

  it('returns one activity with the canonical shape', () => {
    const result = read();
    expect(result.format).toBe(format);
    expect(Array.isArray(result.issues)).toBe(true);
    expect(result.activities).toHaveLength(1);
    const activity = result.activities[0]!;
    expect(Object.keys(activity).sort()).toEqual(
      [
        'device',
        'deviceSummary',
        'endS',
        'issues',
        'laps',
        'samples',
        'sport',
        'startS',
        'timerS',
        'utcOffsetS',
      ].sort(),
    );
    expect(activity.sport).toBe('cycling');
    expect(activity.startS).toBe(START_S);
    expect(activity.endS).toBe(START_S + 24);
    expect(activity.samples.timestampS).toBeInstanceOf(Float64Array);
    for (const column of [
      ...Object.values(activity.samples.columns),
      ...Object.values(activity.samples.extra),
    ]) {
      expect(column).toBeInstanceOf(Float64Array);
      expect(column.length).toBe(activity.samples.timestampS.length);
    }
    for (const issue of [...result.issues, ...activity.issues]) {
      expect(typeof issue.code).toBe('string');
      expect(typeof issue.message).toBe('string');
    }
  });

  it('keeps one sorted row per recorded second and does not fill the pause', () => {
    const { samples, issues } = read().activities[0]!;
    expect(Array.from(samples.timestampS, (t) => t - START_S)).toEqual(EXPECTED_SECONDS);
    expect(issues.find((i) => i.code === 'duplicate_timestamp')?.details).toEqual({ count: 1 });
  });

  it('marks a missing reading as NaN, never 0, and keeps a real 0 as 0', () => {
    const { samples } = read().activities[0]!;
    const row = (s: number): number => EXPECTED_SECONDS.indexOf(s);
    expect(samples.columns.heart_rate![row(3)]).toBeNaN();
    expect(samples.columns.heart_rate![row(4)]).toBe(124);
    expect(samples.columns.power![row(5)]).toBe(0);
  });

  it('drops a value outside its metric range and reports it', () => {
    const { samples, issues } = read().activities[0]!;
    expect(samples.columns.power![EXPECTED_SECONDS.indexOf(7)]).toBeNaN();
    expect(issues.find((i) => i.code === 'out_of_range')?.details).toEqual({ counts: { power: 1 } });
  });

  it('carries every metric of the scenario per second', () => {
    const { samples } = read().activities[0]!;
    const metrics: [string, (r: Reading) => number, number][] = [
      ['cadence', (r) => r.cadence, 1e-9],
      ['speed', (r) => r.speedMps, 1e-3],
      ['altitude', (r) => r.altitudeM, 0.2],
      ['latitude', (r) => r.latitude, 1e-6],
      ['longitude', (r) => r.longitude, 1e-6],
      ...(carries.includes('distance')
        ? [['distance', (r: Reading) => r.distanceM, 1e-2] as [string, (r: Reading) => number, number]]
        : []),
    ];
    for (const [metric, expectedOf, tolerance] of metrics) {
      const column = samples.columns[metric as keyof typeof samples.columns];
      expect(column, metric).toBeDefined();
      EXPECTED_SECONDS.forEach((s, row) => {
        const reading = READINGS.find((r) => r.s === s)!;
        expect(Math.abs(column![row]! - expectedOf(reading)), `${metric} at ${s}`).toBeLessThanOrEqual(
          tolerance,
        );
      });
    }
  });

  it('is found by readActivityFile whatever the file is called', () => {
    expect(readActivityFile(write(), 'activity.bin').format).toBe(format);
    expect(readActivityFile(write(), format === 'gpx' ? 'ride.csv' : 'ride.gpx').format).toBe(format);
  });

  it('rejects an empty body of its kind with UnreadableFileError', () => {
    const empty: Record<SourceFormat, Uint8Array> = {
      fit: buildFitFile({ records: [] }),
      tcx: new TextEncoder().encode('<TrainingCenterDatabase><Activities/></TrainingCenterDatabase>'),
      gpx: new TextEncoder().encode('<gpx version="1.1"><trk><trkseg/></trk></gpx>'),
      csv: new TextEncoder().encode('timestamp,power\n'),
    };
    expect(() => FORMAT_READERS[format](empty[format])).toThrow(UnreadableFileError);
  });
});
