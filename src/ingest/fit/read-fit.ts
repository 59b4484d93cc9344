import { Profile } from '@garmin/fitsdk';
import type { CanonicalActivity, DeviceInfo, Lap, ReadResult } from '../../domain/activity.ts';
import { UnreadableFileError } from '../../domain/errors.ts';
import type { DataIssue } from '../../domain/issue.ts';
import { type ActivityDraft, buildActivities } from '../build-activity.ts';
import { convertRunningCadence } from '../convert-running-cadence.ts';
import { findInterval } from '../find-interval.ts';
import { dropRepeatedRows, type RawTrace, selectRawRows } from '../raw-trace.ts';
import { MAX_ACTIVITIES_PER_FILE } from '../recording-bounds.ts';
import { type DecodedFit, decodeFit, type FitDecoderName, type FitMessage } from './decode-fit.ts';
import { fitNumber } from './fit-number.ts';
import { mapFitSport } from './fit-sport-table.ts';
import { fitTimeToEpochS } from './fit-time.ts';
import { mapDeveloperFields } from './map-developer-fields.ts';
import { readFitLaps } from './read-fit-laps.ts';
import { READ_FIT_RECORD_FIELDS, readFitRecords } from './read-fit-records.ts';
import { readTimerEvents, timerFromEvents } from './timer-from-events.ts';

/** Session fields copied into `deviceSummary`, with unit-bearing names; the first present wins. */
const SESSION_SUMMARY_FIELDS: readonly (readonly [fitField: string, key: string])[] = [
  ['avgPower', 'avgPowerW'],
  ['maxPower', 'maxPowerW'],
  ['normalizedPower', 'normalizedPowerW'],
  ['totalWork', 'workJ'],
  ['thresholdPower', 'ftpW'],
  ['trainingStressScore', 'tss'],
  ['intensityFactor', 'intensityFactor'],
  ['totalDistance', 'distanceM'],
  ['totalTimerTime', 'timerS'],
  ['totalElapsedTime', 'elapsedS'],
  ['avgHeartRate', 'avgHeartRateBpm'],
  ['maxHeartRate', 'maxHeartRateBpm'],
  ['avgCadence', 'avgCadenceRpm'],
  ['maxCadence', 'maxCadenceRpm'],
  ['enhancedAvgSpeed', 'avgSpeedMps'],
  ['avgSpeed', 'avgSpeedMps'],
  ['enhancedMaxSpeed', 'maxSpeedMps'],
  ['maxSpeed', 'maxSpeedMps'],
  ['totalAscent', 'ascentM'],
  ['totalDescent', 'descentM'],
  ['totalCalories', 'energyKcal'],
];

/**
 * The message kinds readFit reads (file_id, sport, session, lap, record, event, device_info,
 * activity, hr for the heart-rate merge): the fast decoder skips the others (HRV, battery …),
 * which on a long ride with an HRV strap are half of all messages.
 */
export const READ_FIT_MESSAGES: ReadonlySet<number> = new Set(
  ['FILE_ID', 'SPORT', 'SESSION', 'LAP', 'RECORD', 'EVENT', 'DEVICE_INFO', 'ACTIVITY', 'HR'].map((name) => {
    const num = (Profile.MesgNum as Record<string, number | undefined>)[name];
    if (num === undefined) throw new Error(`FIT profile without ${name}`);
    return num;
  }),
);

interface Session {
  startS: number;
  endS: number;
  mesg: FitMessage;
}

export interface ReadFitOptions {
  /**
   * False reads records through record messages (readFitRecords) even where the fast decoder can
   * read them into columns directly (record-columns.ts); the answer is the same (tests and
   * benches compare the two). Default true.
   */
  recordColumns?: boolean;
}

/**
 * Reads a FIT activity file: one activity per session (multisport files have several), or one
 * activity for a file that was never closed. Damage after valid data keeps that data, with a
 * file-level issue; throws UnreadableFileError only when no record and no session survived.
 * `decoder` picks the FIT decoder (tests compare both; the answer is the same).
 */
export function readFit(
  bytes: Uint8Array,
  decoder: FitDecoderName = 'fast',
  options: ReadFitOptions = {},
): ReadResult {
  const decoded = decodeFit(bytes, decoder, {
    only: READ_FIT_MESSAGES,
    recordFields: READ_FIT_RECORD_FIELDS,
    recordColumns: options.recordColumns ?? true,
  });
  const { messages } = decoded;
  const records =
    decoded.records ?? readFitRecords(messages.recordMesgs ?? [], decoded.recordDeveloperFields);
  const fileIssues = decodeIssues(decoded, records.trace.timeS.length);
  if (records.skippedWithoutTime > 0) {
    fileIssues.push({
      code: 'corrupt',
      message: `${records.skippedWithoutTime} record message(s) had no timestamp and were skipped.`,
      details: { count: records.skippedWithoutTime },
    });
  }
  let trace = records.trace;
  mapDeveloperFields(trace, records.developerColumns);

  const chained = readChainedCopies(messages, readSessions(messages.sessionMesgs ?? []));
  const sessions = chained.sessions;
  if (chained.isChained) {
    // FIT allows files to be concatenated; copies of one recording must not count twice.
    const repeated = dropRepeatedRows(trace);
    trace = repeated.trace;
    if (chained.collapsedSessions > 0 || repeated.dropped > 0) {
      fileIssues.push({
        code: 'duplicate_session',
        message:
          `The file repeats the same recording (${chained.collapsedSessions} repeated session(s), ` +
          `${repeated.dropped} repeated record(s)); each was kept once.`,
        details: { sessions: chained.collapsedSessions, records: repeated.dropped },
      });
    }
  }
  if (sessions.length > MAX_ACTIVITIES_PER_FILE) {
    // Records from the first dropped session on would otherwise pile onto the last kept one.
    const cutS = sessions[MAX_ACTIVITIES_PER_FILE]!.startS;
    const before = trace.timeS.length;
    trace = selectRawRows(trace, rowsBefore(trace.timeS, cutS));
    fileIssues.push({
      code: 'activity_limit',
      message:
        `The file holds ${sessions.length} sessions; the first ${MAX_ACTIVITIES_PER_FILE} were kept ` +
        `and the others, with their ${before - trace.timeS.length} record(s), were dropped.`,
      details: { sessions: sessions.length, maxActivities: MAX_ACTIVITIES_PER_FILE },
    });
    sessions.length = MAX_ACTIVITIES_PER_FILE;
  }

  const { firstS, lastS } = timeRange(trace.timeS);
  const laps = chained.isChained
    ? uniqueLaps(readFitLaps(messages.lapMesgs ?? [], firstS))
    : readFitLaps(messages.lapMesgs ?? [], firstS);
  const timerEvents = readTimerEvents(messages.eventMesgs ?? []);
  const shared = { utcOffsetS: readUtcOffsetS(messages), device: readDevice(messages) };
  const drafts: ActivityDraft[] = [];
  if (sessions.length === 0) {
    const sport = sportWithoutSession(messages);
    drafts.push({
      ...shared,
      sport: sport.sport,
      trace,
      laps,
      timerS: timerFromEvents(timerEvents, -Infinity, Infinity, lastS),
      deviceSummary: {},
      issues: [
        {
          code: 'missing_session',
          message:
            'The file has no session message (it was probably never closed); its records form one activity.',
        },
        ...(sport.issue ? [sport.issue] : []),
      ],
      spanS: laps.length > 0 ? { startS: laps[0]!.startS, endS: laps[laps.length - 1]!.endS } : null,
    });
  } else {
    const startsS = sessions.map((s) => s.startS);
    const rowsBySession = splitRows(trace.timeS, startsS);
    sessions.forEach((session, index) => {
      const sessionTrace = sessions.length === 1 ? trace : selectRawRows(trace, rowsBySession[index]!);
      const nextStartS = startsS[index + 1] ?? Infinity;
      const sport = mapFitSport(session.mesg.sport, session.mesg.subSport);
      const timerS =
        fitNumber(session.mesg.totalTimerTime) ??
        timerFromEvents(timerEvents, index === 0 ? -Infinity : session.startS, nextStartS, lastS);
      drafts.push({
        ...shared,
        sport: sport.sport,
        trace: sessionTrace,
        laps: laps.filter((lap) => findInterval(startsS, lap.startS) === index),
        timerS,
        deviceSummary: readDeviceSummary(session.mesg),
        issues: sport.issue ? [sport.issue] : [],
        spanS: { startS: session.startS, endS: session.endS },
      });
    });
  }

  const activities: CanonicalActivity[] = [];
  for (const draft of drafts) {
    convertRunningCadence(draft.sport, draft.trace);
    const kept = keptDeveloperFields(draft.trace);
    if (kept.length > 0) {
      draft.issues.push({
        code: 'unknown_developer_field',
        message: `${kept.length} developer field(s) have no canonical meaning and were kept as extra columns.`,
        details: { fields: kept },
      });
    }
    activities.push(...buildActivities(draft));
  }
  if (records.fieldLimitIssue) fileIssues.push(records.fieldLimitIssue);
  if (activities.length === 0)
    throw new UnreadableFileError(nothingUsableMessage(decoded), { format: 'fit' });
  return { format: 'fit', activities, issues: fileIssues };
}

/** Row indices per session: each record goes to the last session that started at or before it. */
function splitRows(timeS: Float64Array, startsS: number[]): Uint32Array[] {
  const owner = new Uint32Array(timeS.length);
  const counts = new Uint32Array(startsS.length);
  for (let i = 0; i < timeS.length; i++) {
    owner[i] = findInterval(startsS, timeS[i]!);
    counts[owner[i]!]!++;
  }
  const rows = Array.from(counts, (n) => new Uint32Array(n));
  const filled = new Uint32Array(startsS.length);
  for (let i = 0; i < timeS.length; i++) {
    const s = owner[i]!;
    rows[s]![filled[s]!++] = i;
  }
  return rows;
}

interface ChainedCopies {
  /** True when the file holds more than one FIT file (several file_id messages or repeated sessions). */
  isChained: boolean;
  /** The sessions with repeated copies removed, in time order. */
  sessions: Session[];
  collapsedSessions: number;
}

/**
 * Sessions of a chained file that repeat an earlier one (same start, end, sport and totals) are
 * one session: a file concatenated 500 times is one activity, not 500.
 */
function readChainedCopies(messages: DecodedFit['messages'], sessions: Session[]): ChainedCopies {
  const seen = new Set<string>();
  const unique: Session[] = [];
  for (const session of sessions) {
    const key = sessionKey(session);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(session);
  }
  const collapsedSessions = sessions.length - unique.length;
  return {
    isChained: (messages.fileIdMesgs?.length ?? 0) > 1 || collapsedSessions > 0,
    sessions: unique,
    collapsedSessions,
  };
}

function sessionKey({ startS, endS, mesg }: Session): string {
  return JSON.stringify([
    startS,
    endS,
    mesg.sport ?? null,
    mesg.subSport ?? null,
    fitNumber(mesg.totalTimerTime),
    fitNumber(mesg.totalDistance),
    fitNumber(mesg.avgPower),
    fitNumber(mesg.avgHeartRate),
  ]);
}

/** Laps of a chained file without exact repeats. */
function uniqueLaps(laps: Lap[]): Lap[] {
  const seen = new Set<string>();
  return laps.filter((lap) => {
    const key = JSON.stringify({ ...lap, index: 0 });
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Indices of the rows before `cutS` (or without a time), ascending. */
function rowsBefore(timeS: Float64Array, cutS: number): Uint32Array {
  const rows: number[] = [];
  for (let i = 0; i < timeS.length; i++) if (!(timeS[i]! >= cutS)) rows.push(i);
  return Uint32Array.from(rows);
}

function readSessions(sessionMesgs: readonly FitMessage[]): Session[] {
  const sessions: Session[] = [];
  for (const mesg of sessionMesgs) {
    const elapsedS = fitNumber(mesg.totalElapsedTime);
    const endMesgS = fitTimeToEpochS(mesg.timestamp);
    const startS =
      fitTimeToEpochS(mesg.startTime) ??
      (endMesgS !== null && elapsedS !== null ? endMesgS - elapsedS : null);
    if (startS === null) continue;
    sessions.push({ startS, endS: elapsedS !== null ? startS + elapsedS : (endMesgS ?? startS), mesg });
  }
  return sessions.sort((a, b) => a.startS - b.startS);
}

function sportWithoutSession(messages: DecodedFit['messages']): ReturnType<typeof mapFitSport> {
  const sportMesg = messages.sportMesgs?.[0];
  if (sportMesg && typeof sportMesg.sport === 'string')
    return mapFitSport(sportMesg.sport, sportMesg.subSport);
  const lap = messages.lapMesgs?.find((l) => typeof l.sport === 'string');
  return mapFitSport(lap?.sport, lap?.subSport);
}

function readDeviceSummary(session: FitMessage): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const [field, key] of SESSION_SUMMARY_FIELDS) {
    const value = fitNumber(session[field]);
    if (value !== null && !(key in summary)) summary[key] = value;
  }
  return summary;
}

/** The activity message's local time minus UTC, rounded to the 15-minute grid time zones use. */
function readUtcOffsetS(messages: DecodedFit['messages']): number | null {
  const activity = messages.activityMesgs?.[0];
  const localS = fitNumber(activity?.localTimestamp);
  const utcS = fitNumber(activity?.timestamp);
  if (localS === null || utcS === null) return null;
  const offsetS = Math.round((localS - utcS) / 900) * 900;
  return Math.abs(offsetS) <= 14 * 3600 ? offsetS : null;
}

function readDevice(messages: DecodedFit['messages']): DeviceInfo | null {
  const fileId = messages.fileIdMesgs?.[0];
  const creator = messages.deviceInfoMesgs?.find((d) => d.deviceIndex === 'creator');
  const text = (...values: unknown[]): string | null => {
    for (const value of values) {
      if (typeof value === 'string' && value !== '') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    }
    return null;
  };
  const device: DeviceInfo = {
    manufacturer: text(fileId?.manufacturer, creator?.manufacturer),
    product: text(
      fileId?.garminProduct,
      fileId?.productName,
      creator?.garminProduct,
      creator?.productName,
      fileId?.product,
      creator?.product,
    ),
    serialNumber: text(fileId?.serialNumber, creator?.serialNumber),
  };
  return device.manufacturer || device.product || device.serialNumber ? device : null;
}

/** File-level issues from how decoding went. */
function decodeIssues(decoded: DecodedFit, recordsKept: number): DataIssue[] {
  const issues: DataIssue[] = [];
  for (const error of decoded.errors) {
    const byteOffset = Number(/at byte (\d+)/.exec(error)?.[1] ?? Number.NaN);
    const details = {
      decoderError: error,
      byteOffset: Number.isNaN(byteOffset) ? null : byteOffset,
      recordsKept,
    };
    if (/end of stream/.test(error)) {
      issues.push({
        code: 'truncated',
        message: `The file ends in the middle of its data (byte ${byteOffset}); the ${recordsKept} complete record(s) before that were kept.`,
        details,
      });
    } else if (/not a FIT file/.test(error) && byteOffset > 0) {
      issues.push({
        code: 'corrupt',
        message: `Another FIT file chained after the first one has a corrupt header (byte ${byteOffset}); the data before it was kept.`,
        details,
      });
    } else if (/compressed timestamp/.test(error)) {
      issues.push({
        code: 'corrupt',
        message: `The file uses compressed-timestamp messages, which the FIT decoder does not support; the ${recordsKept} record(s) before the first one (byte ${byteOffset}) were kept.`,
        details,
      });
    } else if (/CRC error/.test(error)) {
      issues.push({
        code: 'crc_mismatch',
        message:
          'The file checksum does not match its content; the decoded data was kept but may be damaged.',
        details,
      });
    } else {
      issues.push({
        code: 'corrupt',
        message: `Decoding stopped at damaged data (byte ${byteOffset}); the ${recordsKept} record(s) before it were kept.`,
        details,
      });
    }
  }
  if (decoded.headerIgnored) {
    issues.push({
      code: 'corrupt',
      message: 'The file header states a wrong data size; the data after the header was decoded anyway.',
    });
  } else if (!decoded.integrityOk && decoded.errors.length === 0) {
    issues.push({
      code: 'crc_mismatch',
      message: 'The file header or checksum does not match its content; the decoded data was kept.',
    });
  }
  return issues;
}

/** Names of the extra (developer) columns that have at least one reading. */
function keptDeveloperFields(trace: RawTrace): string[] {
  return Object.entries(trace.extra)
    .filter(([, values]) => values.some((v) => !Number.isNaN(v)))
    .map(([name]) => name);
}

function nothingUsableMessage(decoded: DecodedFit): string {
  const type = decoded.messages.fileIdMesgs?.[0]?.type;
  const kind = typeof type === 'string' && type !== 'activity' ? ` (its file type is "${type}")` : '';
  const failure = decoded.errors[0] ? ` Decoding failed: ${decoded.errors[0]}.` : '';
  return `This FIT file${kind} holds no activity records or sessions.${failure} Upload a FIT activity file.`;
}

function timeRange(timeS: Float64Array): { firstS: number | null; lastS: number | null } {
  let firstS = Infinity;
  let lastS = -Infinity;
  for (const t of timeS) {
    if (t < firstS) firstS = t;
    if (t > lastS) lastS = t;
  }
  return timeS.length > 0 ? { firstS, lastS } : { firstS: null, lastS: null };
}
