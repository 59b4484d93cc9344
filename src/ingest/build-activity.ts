import type { CanonicalActivity, DeviceInfo, Lap, SampleTable } from '../domain/activity.ts';
import type { DataIssue } from '../domain/issue.ts';
import { findInterval } from './find-interval.ts';
import { normalizeSamples } from './normalize-samples.ts';
import type { RawTrace } from './raw-trace.ts';

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
 * Turns a reader's draft into a canonical activity, the same way for every format: the lap
 * column from the laps, the 1 Hz rule, an all-zero power channel dropped. Returns null when
 * nothing usable remains (no samples and no span).
 */
export function buildActivity(draft: ActivityDraft): CanonicalActivity | null {
  const laps = [...draft.laps].sort((a, b) => a.startS - b.startS).map((lap, index) => ({ ...lap, index }));
  const trace = laps.length > 0 ? withLapColumn(draft.trace, laps) : draft.trace;
  const { samples, issues: sampleIssues } = normalizeSamples(trace);
  const issues = [...draft.issues, ...sampleIssues];
  dropPowerWithoutMeter(samples, issues);

  const rowCount = samples.timestampS.length;
  let startS: number;
  let endS: number;
  if (rowCount > 0) {
    startS = samples.timestampS[0]!;
    endS = samples.timestampS[rowCount - 1]!;
  } else if (draft.spanS) {
    ({ startS, endS } = draft.spanS);
    issues.push({ code: 'no_records', message: 'The file describes this activity but holds no samples.' });
  } else {
    return null;
  }
  return {
    sport: draft.sport,
    startS,
    endS,
    utcOffsetS: draft.utcOffsetS,
    timerS: draft.timerS,
    samples,
    laps: laps.length > 0 ? laps : lapsFromColumn(samples),
    device: draft.device,
    deviceSummary: draft.deviceSummary,
    issues,
  };
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
