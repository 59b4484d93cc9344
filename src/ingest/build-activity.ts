import type { CanonicalActivity, DeviceInfo, Lap, SampleTable } from '../domain/activity.ts';
import type { DataIssue } from '../domain/issue.ts';
import { renamedFieldsIssue, renameExtraFields } from './extra-field-names.ts';
import { findInterval } from './find-interval.ts';
import { normalizeSamples } from './normalize-samples.ts';
import { type RawTrace, selectRawRows } from './raw-trace.ts';
import { boundRecording, MAX_ACTIVITY_SPAN_S, MAX_GAP_S } from './recording-bounds.ts';

/** What a format reader knows about one activity, before the shared normalization. */
export interface ActivityDraft {
  sport: string;
  trace: RawTrace;
  /** Laps in any order; they are sorted and re-indexed from 0. */
  laps: Lap[];
  utcOffsetS: number | null;
  timerS: number | null;
  device: DeviceInfo | null;
  deviceSummary: Record<string, number>;
  issues: DataIssue[];
  /** Where the activity lies when the file describes it but holds no samples (e.g. a FIT session). */
  spanS?: { startS: number; endS: number } | null;
}

/**
 * Turns a reader's draft into canonical activities, the same way for every format. The records
 * are first bounded (`boundRecording`): a gap longer than MAX_GAP_S splits the draft into several
 * activities, stray records with damaged timestamps are dropped, and no activity spans more than
 * MAX_ACTIVITY_SPAN_S. Then each activity gets the lap column from its laps, the 1 Hz rule, an
 * all-zero power channel dropped, and extra fields renamed away from reserved names. Returns no
 * activity when nothing usable remains (no samples and no span).
 */
export function buildActivities(draft: ActivityDraft): CanonicalActivity[] {
  const recordings = boundRecording(draft.trace.timeS);
  if (recordings === null) {
    const activity = buildBoundedActivity(draft);
    return activity ? [activity] : [];
  }
  const laps = [...draft.laps].sort((a, b) => a.startS - b.startS);
  const pieces = recordings.map((recording) => ({
    trace: selectRawRows(draft.trace, recording.rows),
    issues: recording.issues,
    laps: [] as Lap[],
  }));
  const ranges = pieces.map((piece) => timeRangeS(piece.trace.timeS));
  const startsS = ranges.map((range) => range.firstS);
  for (const lap of laps) {
    // A lap belongs to the recording it starts in; a lap far from every recording is as damaged
    // as a stray record.
    const r = findInterval(startsS, lap.startS);
    const { firstS, lastS } = ranges[r]!;
    if (lap.startS >= firstS - MAX_GAP_S && lap.startS <= lastS + MAX_GAP_S) pieces[r]!.laps.push(lap);
  }
  const split = pieces.length > 1;
  const activities: CanonicalActivity[] = [];
  pieces.forEach((piece, index) => {
    const issues = [...draft.issues, ...piece.issues];
    if (split) {
      issues.push({
        code: 'recording_split',
        message:
          `The file's records have gaps longer than ${MAX_GAP_S / 3600} h, so they form ${pieces.length} ` +
          `activities; this is number ${index + 1}. The file's summary values were not copied to any of them.`,
        details: { activities: pieces.length, index, maxGapS: MAX_GAP_S },
      });
    }
    const activity = buildBoundedActivity({
      ...draft,
      trace: piece.trace,
      laps: piece.laps,
      // A file-wide timer and summary describe all pieces together, not any one of them.
      timerS: split ? timerOfLaps(piece.laps) : draft.timerS,
      deviceSummary: split ? {} : draft.deviceSummary,
      issues,
      spanS: null,
    });
    if (activity) activities.push(activity);
  });
  return activities;
}

/** One activity from a draft whose records already lie within MAX_ACTIVITY_SPAN_S. */
function buildBoundedActivity(draft: ActivityDraft): CanonicalActivity | null {
  const laps = [...draft.laps].sort((a, b) => a.startS - b.startS).map((lap, index) => ({ ...lap, index }));
  const renamed = renameExtraFields(draft.trace.extra);
  const named = { ...draft.trace, extra: renamed.extra };
  const trace = laps.length > 0 ? withLapColumn(named, laps) : named;
  const { samples, issues: sampleIssues } = normalizeSamples(trace);
  const issues = [...draft.issues, ...sampleIssues];
  const renamedIssue = renamedFieldsIssue(renamed.renamed);
  if (renamedIssue && Object.keys(samples.extra).length > 0) issues.push(renamedIssue);
  dropPowerWithoutMeter(samples, issues);

  const rowCount = samples.timestampS.length;
  let startS: number;
  let endS: number;
  if (rowCount > 0) {
    startS = samples.timestampS[0]!;
    endS = samples.timestampS[rowCount - 1]!;
  } else if (draft.spanS && Number.isFinite(draft.spanS.startS)) {
    ({ startS, endS } = draft.spanS);
    issues.push({ code: 'no_records', message: 'The file describes this activity but holds no samples.' });
    if (!(endS >= startS && endS - startS < MAX_ACTIVITY_SPAN_S)) {
      issues.push({
        code: 'span_limit',
        message: `The file states an implausible duration for this activity; its end was set to at most ${MAX_ACTIVITY_SPAN_S / 3600} h after its start.`,
        details: { statedEndS: Number.isFinite(endS) ? endS : null, maxSpanS: MAX_ACTIVITY_SPAN_S },
      });
      endS = Number.isFinite(endS)
        ? Math.min(Math.max(endS, startS), startS + MAX_ACTIVITY_SPAN_S - 1)
        : startS;
    }
  } else {
    return null;
  }
  return {
    sport: draft.sport,
    startS,
    endS,
    utcOffsetS: draft.utcOffsetS,
    // A timer beyond the span limit comes from a damaged time (e.g. a timer run to a stray record).
    timerS:
      draft.timerS !== null && draft.timerS >= 0 && draft.timerS <= MAX_ACTIVITY_SPAN_S ? draft.timerS : null,
    samples,
    laps: laps.length > 0 ? laps : lapsFromColumn(samples),
    device: draft.device,
    deviceSummary: draft.deviceSummary,
    issues,
  };
}

/** Earliest and latest time of a recording (its times are finite). */
function timeRangeS(timeS: Float64Array): { firstS: number; lastS: number } {
  let firstS = Infinity;
  let lastS = -Infinity;
  for (const t of timeS) {
    if (t < firstS) firstS = t;
    if (t > lastS) lastS = t;
  }
  return { firstS, lastS };
}

/** The timer of a piece of a split draft: the sum of its laps' timers when every lap has one. */
function timerOfLaps(laps: readonly Lap[]): number | null {
  if (laps.length === 0 || laps.some((lap) => lap.timerS === null)) return null;
  return laps.reduce((sum, lap) => sum + lap.timerS!, 0);
}

/** Each reading's lap: the last lap that started at or before it (the first lap for earlier ones). */
function withLapColumn(trace: RawTrace, laps: Lap[]): RawTrace {
  const startsS = laps.map((l) => l.startS);
  const lap = new Float64Array(trace.timeS.length);
  for (let i = 0; i < lap.length; i++) lap[i] = findInterval(startsS, trace.timeS[i]!);
  return { ...trace, columns: { ...trace.columns, lap } };
}

/** DESIGN.md §2: a power channel that is 0 in every record means "no power meter". */
function dropPowerWithoutMeter(samples: SampleTable, issues: DataIssue[]): void {
  const power = samples.columns.power;
  if (!power) return;
  for (const watts of power) if (watts !== 0 && !Number.isNaN(watts)) return;
  delete samples.columns.power;
  issues.push({
    code: 'no_power_meter',
    message: 'Power was 0 in every record, which means no power meter; the power column was dropped.',
  });
}

/** Laps for a file that names a lap per sample (CSV) but has no lap list. */
function lapsFromColumn(samples: SampleTable): Lap[] {
  const column = samples.columns.lap;
  if (!column) return [];
  const laps: Lap[] = [];
  for (let i = 0; i < column.length; i++) {
    const index = column[i]!;
    if (Number.isNaN(index)) continue;
    const t = samples.timestampS[i]!;
    const last = laps[laps.length - 1];
    if (last && last.index === index) {
      last.endS = t;
      last.elapsedS = t - last.startS;
    } else {
      laps.push({
        index,
        startS: t,
        endS: t,
        elapsedS: 0,
        timerS: null,
        distanceM: null,
        avgPowerW: null,
        avgHeartRateBpm: null,
        trigger: null,
      });
    }
  }
  return laps;
}
