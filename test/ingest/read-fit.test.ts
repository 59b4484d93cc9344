import { describe, expect, it } from 'vitest';
import { mapFitSport } from '../../src/ingest/fit/fit-sport-table.ts';
import { readFit } from '../../src/ingest/fit/read-fit.ts';
import { buildFitFile } from './helpers/fit-file.ts';

const T0 = 1_715_328_646;

describe('mapFitSport()', () => {
  it('maps FIT sport and sub-sport pairs to Open Sport Taxonomy codes', () => {
    const cases: [string, string, string][] = [
      ['cycling', 'road', 'cycling.road'],
      ['cycling', 'generic', 'cycling'],
      ['cycling', 'indoorCycling', 'cycling+stationary'],
      ['cycling', 'virtualActivity', 'cycling+stationary+virtual'],
      ['cycling', 'mountain', 'cycling.mountain'],
      ['cycling', 'gravelCycling', 'cycling.gravel'],
      ['running', 'generic', 'running'],
      ['running', 'trail', 'running.trail'],
      ['running', 'treadmill', 'running+stationary'],
      ['running', 'street', 'running.road'],
      ['rowing', 'generic', 'rowing'],
      ['rowing', 'indoorRowing', 'rowing+stationary'],
      ['swimming', 'lapSwimming', 'swimming.pool'],
      ['swimming', 'openWater', 'swimming.open_water'],
      ['crossCountrySkiing', 'skateSkiing', 'xc_skiing.skate'],
      ['transition', 'generic', 'transition'],
      ['walking', 'generic', 'walking'],
      ['hiking', 'generic', 'hiking'],
      ['cycling', 'commuting', 'cycling'],
      ['alpineSkiing', 'resort', 'alpine_skiing'],
    ];
    for (const [sport, subSport, ost] of cases) {
      expect(mapFitSport(sport, subSport), `${sport}/${subSport}`).toEqual({ sport: ost, issue: null });
    }
  });

  it('stores an unknown sport as generic with an unknown_sport issue', () => {
    for (const sport of ['generic', 200, undefined]) {
      const mapped = mapFitSport(sport, 'generic');
      expect(mapped.sport).toBe('generic');
      expect(mapped.issue?.code).toBe('unknown_sport');
    }
  });
});

describe('readFit()', () => {
  it('fills power from a developer "Power" [Watts] field where the record has no native power', () => {
    const bytes = buildFitFile({
      records: [
        { timeS: T0, power: 300, developerFields: { 0: 250 } },
        { timeS: T0 + 1, developerFields: { 0: 251, 1: 60 } },
        { timeS: T0 + 2, developerFields: { 1: 61 } },
      ],
      developerFields: { 0: { name: 'Power', units: 'Watts' }, 1: { name: 'Form Power', units: 'Watts' } },
      session: { sport: 'running' },
    });
    const { samples, issues } = readFit(bytes).activities[0]!;
    expect(Array.from(samples.columns.power!)).toEqual([300, 251, Number.NaN]);
    expect(Object.keys(samples.extra)).toEqual(['form_power']);
    expect(Array.from(samples.extra.form_power!)).toEqual([Number.NaN, 60, 61]);
    expect(issues.find((i) => i.code === 'unknown_developer_field')?.details).toEqual({
      fields: ['form_power'],
    });
  });

  it('maps CORE and SmO2 developer fields onto core_temperature and smo2', () => {
    const bytes = buildFitFile({
      records: [{ timeS: T0, developerFields: { 0: 37, 1: 55 } }],
      developerFields: { 0: { name: 'core_temperature', units: '°C' }, 1: { name: 'SmO2', units: '%' } },
      session: { sport: 'cycling' },
    });
    const { columns, extra } = readFit(bytes).activities[0]!.samples;
    expect(columns.core_temperature![0]).toBe(37);
    expect(columns.smo2![0]).toBe(55);
    expect(extra).toEqual({});
  });

  it('reads a file without a session message as one activity with a missing_session issue', () => {
    const bytes = buildFitFile({
      records: [
        { timeS: T0, heartRate: 100 },
        { timeS: T0 + 1, heartRate: 101 },
      ],
    });
    const [activity] = readFit(bytes).activities;
    expect(activity!.sport).toBe('generic');
    expect(activity!.issues.map((i) => i.code)).toEqual(['missing_session', 'unknown_sport']);
    expect(activity!.samples.timestampS.length).toBe(2);
  });

  it('stores running cadence in steps per minute and cycling cadence as written', () => {
    const run = buildFitFile({ records: [{ timeS: T0, cadence: 85 }], session: { sport: 'running' } });
    const ride = buildFitFile({ records: [{ timeS: T0, cadence: 85 }], session: { sport: 'cycling' } });
    expect(readFit(run).activities[0]!.samples.columns.cadence![0]).toBe(170);
    expect(readFit(ride).activities[0]!.samples.columns.cadence![0]).toBe(85);
  });

  it('takes the timer time from the session and the device summary with unit-bearing names', () => {
    const bytes = buildFitFile({
      records: [{ timeS: T0, power: 100 }],
      session: { sport: 'cycling', subSport: 'road', elapsedS: 100, timerS: 90 },
    });
    const activity = readFit(bytes).activities[0]!;
    expect(activity.sport).toBe('cycling.road');
    expect(activity.timerS).toBe(90);
    expect(activity.deviceSummary).toMatchObject({ timerS: 90, elapsedS: 100 });
    expect(activity.device).toEqual({ manufacturer: 'development', product: '1', serialNumber: '12345' });
  });
});
