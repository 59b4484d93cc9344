import { describe, expect, it } from 'vitest';
import type { CanonicalActivity, Lap } from '../../src/domain/activity.ts';
import { type ActivityDraft, buildActivities } from '../../src/ingest/build-activity.ts';

const T0 = 1_715_328_646;

function draft(overrides: Partial<ActivityDraft>): ActivityDraft {
  return {
    sport: 'cycling',
    trace: { timeS: Float64Array.from([T0, T0 + 1, T0 + 2, T0 + 3]), columns: {}, extra: {} },
    laps: [],
    utcOffsetS: null,
    timerS: null,
    device: null,
    deviceSummary: {},
    issues: [],
    ...overrides,
  };
}

/** The only activity built from a draft that stays one recording. */
function buildActivity(d: ActivityDraft): CanonicalActivity | undefined {
  const activities = buildActivities(d);
  expect(activities.length).toBeLessThanOrEqual(1);
  return activities[0];
}

function lap(index: number, startS: number, endS: number): Lap {
  return {
    index,
    startS,
    endS,
    elapsedS: endS - startS,
    timerS: null,
    distanceM: null,
    avgPowerW: null,
    avgHeartRateBpm: null,
    trigger: null,
  };
}

describe('buildActivities()', () => {
  it('drops a power channel that is 0 in every record and reports no_power_meter', () => {
    const activity = buildActivity(
      draft({
        trace: {
          timeS: Float64Array.from([T0, T0 + 1]),
          columns: { power: Float64Array.from([0, 0]) },
          extra: {},
        },
      }),
    )!;
    expect(activity.samples.columns.power).toBeUndefined();
    expect(activity.issues.map((i) => i.code)).toEqual(['no_power_meter']);
  });

  it('keeps a power channel with real zeros among readings', () => {
    const activity = buildActivity(
      draft({
        trace: {
          timeS: Float64Array.from([T0, T0 + 1]),
          columns: { power: Float64Array.from([0, 150]) },
          extra: {},
        },
      }),
    )!;
    expect(Array.from(activity.samples.columns.power!)).toEqual([0, 150]);
  });

  it('sets each second to the lap that contains it, sorting and re-indexing the laps', () => {
    const activity = buildActivity(draft({ laps: [lap(7, T0 + 2, T0 + 3), lap(3, T0, T0 + 2)] }))!;
    expect(activity.laps.map((l) => [l.index, l.startS])).toEqual([
      [0, T0],
      [1, T0 + 2],
    ]);
    expect(Array.from(activity.samples.columns.lap!)).toEqual([0, 0, 1, 1]);
  });

  it('derives laps from a lap column when the file has no lap list', () => {
    const activity = buildActivity(
      draft({
        trace: {
          timeS: Float64Array.from([T0, T0 + 1, T0 + 2]),
          columns: { lap: Float64Array.from([0, 0, 1]) },
          extra: {},
        },
      }),
    )!;
    expect(activity.laps.map((l) => [l.index, l.startS, l.endS])).toEqual([
      [0, T0, T0 + 1],
      [1, T0 + 2, T0 + 2],
    ]);
  });

  it('describes an activity without samples by its span, with a no_records issue', () => {
    const empty = { timeS: new Float64Array(0), columns: {}, extra: {} };
    expect(buildActivities(draft({ trace: empty }))).toEqual([]);
    const activity = buildActivity(draft({ trace: empty, spanS: { startS: T0, endS: T0 + 60 } }))!;
    expect([activity.startS, activity.endS]).toEqual([T0, T0 + 60]);
    expect(activity.issues.map((i) => i.code)).toEqual(['no_records']);
  });

  it('splits a draft at a gap longer than 4 h, each part with its own laps and lap timers, no file-wide summary', () => {
    const later = T0 + 5 * 3600;
    const activities = buildActivities(
      draft({
        trace: {
          timeS: Float64Array.from([T0, T0 + 1, later, later + 1, later + 2]),
          columns: {},
          extra: {},
        },
        laps: [
          { ...lap(0, T0, T0 + 1), timerS: 2 },
          { ...lap(1, later, later + 2), timerS: 3 },
          lap(2, T0 + 10 * 86_400, T0 + 10 * 86_400 + 1),
        ],
        timerS: 99,
        deviceSummary: { avgPowerW: 200 },
      }),
    );
    expect(activities.map((a) => [a.startS, a.endS, a.timerS, a.laps.length])).toEqual([
      [T0, T0 + 1, 2, 1],
      [later, later + 2, 3, 1],
    ]);
    expect(activities.every((a) => Object.keys(a.deviceSummary).length === 0)).toBe(true);
    expect(activities.map((a) => a.issues.map((i) => i.code))).toEqual([
      ['recording_split'],
      ['recording_split'],
    ]);
  });

  it('keeps a draft whole, summary included, when only gaps up to 4 h separate its records', () => {
    const activities = buildActivities(
      draft({
        trace: { timeS: Float64Array.from([T0, T0 + 4 * 3600, T0 + 8 * 3600]), columns: {}, extra: {} },
        deviceSummary: { avgPowerW: 200 },
      }),
    );
    expect(activities).toHaveLength(1);
    expect(activities[0]!.deviceSummary).toEqual({ avgPowerW: 200 });
  });

  it('drops a timer longer than the span limit, which only a damaged time can produce', () => {
    expect(buildActivity(draft({ timerS: 10 * 365 * 86_400 }))!.timerS).toBeNull();
    expect(buildActivity(draft({ timerS: 3 }))!.timerS).toBe(3);
  });
});
