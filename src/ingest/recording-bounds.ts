import { UnreadableFileError } from '../domain/errors.ts';
import type { DataIssue } from '../domain/issue.ts';
import { findInterval } from './find-interval.ts';

/**
 * A pause longer than this ends one recording and starts the next: no workout pauses for 4 h,
 * while a device that stayed on overnight, or two commutes saved in one file, are two activities.
 */
export const MAX_GAP_S = 4 * 3600;

/**
 * The longest activity kept: 72 h covers multi-day ultras recorded in one go. Downstream kernels
 * allocate one slot per second of an activity's span, so this bounds them at 259,200 slots;
 * records later than this after the activity's first record are dropped.
 */
export const MAX_ACTIVITY_SPAN_S = 72 * 3600;

/**
 * A group of at most this many records, cut off from the rest by gaps longer than MAX_GAP_S, is a
 * corrupted timestamp rather than a recording when the largest group of the same draft holds at
 * least STRAY_RATIO times as many records (a flipped byte moves one record years away).
 */
export const MAX_STRAY_RECORDS = 10;
export const STRAY_RATIO = 10;

/**
 * More activities than this from one file is not a recording: a FIT file chained hundreds of
 * times, or timestamps scattered over decades.
 */
export const MAX_ACTIVITIES_PER_FILE = 100;

/** One bounded recording: its rows (indices into the trace, ascending) and what was dropped from it. */
export interface Recording {
  rows: Uint32Array;
  issues: DataIssue[];
}

/**
 * Splits the rows of a trace into bounded recordings by their times (UTC epoch seconds; NaN rows
 * are left out): a gap longer than MAX_GAP_S starts a new recording, stray groups (see
 * MAX_STRAY_RECORDS) are dropped, and each recording keeps only the records within
 * MAX_ACTIVITY_SPAN_S of its first one. Returns null when the trace already is one bounded
 * recording. Cost is O(n log n) in records, never proportional to the time span. Throws
 * UnreadableFileError (details.reason `time_scattered`) when more than MAX_ACTIVITIES_PER_FILE
 * recordings remain: such a file's timestamps are damaged beyond use.
 */
export function boundRecording(timeS: Float64Array): Recording[] | null {
  const sorted = finiteSorted(timeS);
  const n = sorted.length;
  if (n === 0 || sorted[n - 1]! - sorted[0]! <= MAX_GAP_S) return null;

  // Groups of records separated by gaps longer than MAX_GAP_S, as ranges of `sorted`.
  const groupStarts: number[] = [0];
  for (let i = 1; i < n; i++) if (sorted[i]! - sorted[i - 1]! > MAX_GAP_S) groupStarts.push(i);
  const groupSize = (g: number): number => (groupStarts[g + 1] ?? n) - groupStarts[g]!;
  let largest = 0;
  for (let g = 0; g < groupStarts.length; g++) largest = Math.max(largest, groupSize(g));
  const isStray = (g: number): boolean =>
    groupSize(g) <= MAX_STRAY_RECORDS && groupSize(g) * STRAY_RATIO <= largest;

  const keptGroups: number[] = [];
  const strayTimesS: number[] = [];
  let strayRecords = 0;
  for (let g = 0; g < groupStarts.length; g++) {
    if (!isStray(g)) keptGroups.push(g);
    else {
      strayRecords += groupSize(g);
      if (strayTimesS.length < 5) strayTimesS.push(sorted[groupStarts[g]!]!);
    }
  }
  const groupStartS = groupStarts.map((i) => sorted[i]!);
  const groupSpanS = (g: number): number => sorted[(groupStarts[g + 1] ?? n) - 1]! - groupStartS[g]!;
  if (keptGroups.length === 1 && strayRecords === 0 && groupSpanS(keptGroups[0]!) < MAX_ACTIVITY_SPAN_S)
    return null;
  if (keptGroups.length > MAX_ACTIVITIES_PER_FILE) {
    throw new UnreadableFileError(
      `The timestamps of this file are scattered over ${keptGroups.length} periods more than ` +
        `${MAX_GAP_S / 3600} h apart, so its records form no activity (at most ${MAX_ACTIVITIES_PER_FILE} ` +
        'per file). The file is probably damaged; export the activity again.',
      { reason: 'time_scattered', periods: keptGroups.length, maxActivities: MAX_ACTIVITIES_PER_FILE },
    );
  }

  // Each row goes to its group (the last group starting at or before its time); a kept group takes
  // the rows within MAX_ACTIVITY_SPAN_S of its first record.
  const recordingOfGroup = new Int32Array(groupStarts.length).fill(-1);
  keptGroups.forEach((g, r) => {
    recordingOfGroup[g] = r;
  });
  const sizes = new Uint32Array(keptGroups.length);
  const beyondSpan = new Uint32Array(keptGroups.length);
  const owner = new Int32Array(timeS.length).fill(-1);
  for (let i = 0; i < timeS.length; i++) {
    const t = timeS[i]!;
    if (!Number.isFinite(t)) continue;
    const g = findInterval(groupStartS, t);
    const r = recordingOfGroup[g]!;
    if (r < 0) continue;
    if (t - groupStartS[g]! >= MAX_ACTIVITY_SPAN_S) {
      beyondSpan[r]!++;
      continue;
    }
    owner[i] = r;
    sizes[r]!++;
  }
  const recordings: Recording[] = Array.from(sizes, (size) => ({ rows: new Uint32Array(size), issues: [] }));
  const filled = new Uint32Array(keptGroups.length);
  for (let i = 0; i < owner.length; i++) {
    const r = owner[i]!;
    if (r >= 0) recordings[r]!.rows[filled[r]!++] = i;
  }

  if (strayRecords > 0) {
    recordings[0]!.issues.push({
      code: 'timestamp_outlier',
      message:
        `${strayRecords} record(s) had timestamps more than ${MAX_GAP_S / 3600} h away from all the others, ` +
        'as damaged timestamps do; they were dropped.',
      details: { count: strayRecords, examples: strayTimesS.map(isoOrNull) },
    });
  }
  recordings.forEach((recording, r) => {
    if (beyondSpan[r]! === 0) return;
    recording.issues.push({
      code: 'span_limit',
      message: `${beyondSpan[r]} record(s) more than ${MAX_ACTIVITY_SPAN_S / 3600} h after the start of the activity were dropped.`,
      details: { count: beyondSpan[r], maxSpanS: MAX_ACTIVITY_SPAN_S },
    });
  });
  return recordings;
}

/**
 * The finite times, sorted ascending (a native numeric sort: no comparator call per pair). Times
 * already in order, as recordings almost always are, are not sorted again.
 */
function finiteSorted(timeS: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < timeS.length; i++) if (Number.isFinite(timeS[i]!)) n++;
  const sorted = new Float64Array(n);
  let inOrder = true;
  let j = 0;
  for (let i = 0; i < timeS.length; i++) {
    const t = timeS[i]!;
    if (!Number.isFinite(t)) continue;
    if (j > 0 && t < sorted[j - 1]!) inOrder = false;
    sorted[j++] = t;
  }
  return inOrder ? sorted : sorted.sort();
}

/** An epoch second as ISO 8601, or null outside the range a Date can hold. */
function isoOrNull(epochS: number): string | null {
  const ms = epochS * 1000;
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}
