import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { activityStreams } from '../../analytics/activity-streams.ts';
import {
  type ActivityAnalysisSummary,
  analyzeActivity,
  type CurveMetric,
  DEFAULT_CURVE_GAP_POLICY,
  DEFAULT_SUMMARY_GAP_POLICY,
  envelopeWindows,
  type GapPolicy,
  type MeanMaxCurve,
  parseGapPolicy,
  type ZoneTime,
} from '../../analytics/index.ts';
import type { CanonicalActivity, ReadResult } from '../../domain/activity.ts';
import { isPeakformError } from '../../domain/errors.ts';
import type { DataIssue } from '../../domain/issue.ts';
import { isoUtc } from '../../domain/time-format.ts';
import { readActivityFile } from '../../ingest/read-activity-file.ts';
import { UsageError } from '../cli-error.ts';
import { USAGE } from '../usage.ts';

export const ANALYZE_USAGE = USAGE.analyze;

const CURVE_METRICS: readonly CurveMetric[] = ['power', 'speed', 'heart_rate'];
/** Decimals printed: enough to check values to 0.01 W; trailing zeros are trimmed. */
const DECIMALS = 6;

interface AnalyzeRequest {
  file: string;
  sessionIndex: number | null;
  format: 'csv' | 'json';
  gapPolicy: GapPolicy | null;
}

interface CurveRequest extends AnalyzeRequest {
  metric: CurveMetric;
  envelope: boolean;
}

interface SummaryRequest extends AnalyzeRequest {
  ftpW: number | null;
  cpW: number | null;
  wPrimeJ: number | null;
  lthrBpm: number | null;
}

export async function analyzeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      metric: { type: 'string' },
      gap: { type: 'string' },
      ftp: { type: 'string' },
      cp: { type: 'string' },
      wprime: { type: 'string' },
      lthr: { type: 'string' },
      session: { type: 'string' },
      summary: { type: 'boolean', default: false },
      envelope: { type: 'boolean', default: false },
      format: { type: 'string', default: 'csv' },
    },
  });
  if (positionals.length === 0) throw new UsageError('Name the activity file to analyze.');
  if (positionals.length > 1)
    throw new UsageError(`analyze takes one file; got ${positionals.length}: ${positionals.join(', ')}.`);
  if (values.format !== 'csv' && values.format !== 'json')
    throw new UsageError(`--format must be csv or json, not "${values.format}".`);
  const request: AnalyzeRequest = {
    file: positionals[0]!,
    sessionIndex: values.session === undefined ? null : parseSessionIndex(values.session),
    format: values.format,
    gapPolicy: values.gap === undefined ? null : parseGapFlag(values.gap),
  };

  if (values.summary) {
    if (values.metric !== undefined)
      throw new UsageError('--metric applies to the curve; --summary covers power, heart rate and speed.');
    if (values.envelope) throw new UsageError('--envelope applies to the curve, not to --summary.');
    if ((values.cp === undefined) !== (values.wprime === undefined))
      throw new UsageError("W'bal needs both --cp W and --wprime J (e.g. --cp 250 --wprime 20000).");
    const summary: SummaryRequest = {
      ...request,
      ftpW: positiveNumber('--ftp', values.ftp),
      cpW: positiveNumber('--cp', values.cp),
      wPrimeJ: positiveNumber('--wprime', values.wprime),
      lthrBpm: positiveNumber('--lthr', values.lthr),
    };
    const loaded = await loadActivity(summary);
    if (loaded === null) return 1;
    await printSummary(summary, loaded);
    return 0;
  }

  const given = Object.entries({ ftp: values.ftp, cp: values.cp, wprime: values.wprime, lthr: values.lthr })
    .filter(([, value]) => value !== undefined)
    .map(([name]) => `--${name}`);
  if (given.length > 0)
    throw new UsageError(`${given.join(', ')} appl${given.length === 1 ? 'ies' : 'y'} to --summary only.`);
  const metric = values.metric ?? 'power';
  if (!(CURVE_METRICS as readonly string[]).includes(metric))
    throw new UsageError(`--metric must be one of ${CURVE_METRICS.join(', ')}, not "${metric}".`);
  const curve: CurveRequest = { ...request, metric: metric as CurveMetric, envelope: values.envelope };
  const loaded = await loadActivity(curve);
  if (loaded === null) return 1;
  await printCurve(curve, loaded);
  return 0;
}

interface LoadedActivity {
  result: ReadResult;
  activity: CanonicalActivity;
  sessionIndex: number;
}

/**
 * Reads and decodes the file and picks the session. A missing file or session is a usage mistake
 * (thrown); a file that cannot be read or decoded is reported here and gives null (exit 1).
 */
async function loadActivity(request: AnalyzeRequest): Promise<LoadedActivity | null> {
  const { file } = request;
  let bytes: Uint8Array;
  try {
    if ((await stat(file)).isDirectory())
      throw new UsageError(`${file} is a folder; name one activity file.`);
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`${file} does not exist.`);
    if (error instanceof UsageError || typeof code !== 'string') throw error;
    process.stderr.write(`peakform analyze: could not read ${file}: ${(error as Error).message}\n`);
    return null;
  }
  let result: ReadResult;
  try {
    result = readActivityFile(bytes, file);
  } catch (error) {
    if (!isPeakformError(error)) throw error;
    process.stderr.write(`peakform analyze: ${file}: ${error.message} (${error.code})\n`);
    return null;
  }
  const count = result.activities.length;
  const sessionIndex = request.sessionIndex ?? 0;
  const activity = result.activities[sessionIndex];
  if (activity === undefined) {
    if (count === 0) {
      process.stderr.write(`peakform analyze: ${file} holds no activity.\n`);
      return null;
    }
    throw new UsageError(
      `--session ${sessionIndex} is out of range: ${file} holds ${count} activit${count === 1 ? 'y' : 'ies'} ` +
        `(${describeSessions(result.activities)}); use --session 0${count > 1 ? `..${count - 1}` : ''}.`,
    );
  }
  if (request.sessionIndex === null && count > 1) {
    note(
      `${file} holds ${count} activities (${describeSessions(result.activities)}); analyzing 0, choose with --session N.`,
    );
  }
  return { result, activity, sessionIndex };
}

async function printCurve(request: CurveRequest, { result, activity }: LoadedActivity): Promise<void> {
  const { metric } = request;
  for (const issue of issuesOf(result, activity)) note(`${issue.message} (${issue.code})`);
  if (activity.samples.columns[metric] === undefined) {
    const present = CURVE_METRICS.filter((m) => activity.samples.columns[m] !== undefined);
    throw new UsageError(
      `${request.file} has no ${metric} readings; ` +
        (present.length > 0
          ? `it has ${present.join(', ')}: use --metric ${present.join('|')}.`
          : `it has none of ${CURVE_METRICS.join(', ')}.`),
    );
  }
  const analysis = analyzeActivity(activityStreams(activity), {
    gapPolicy: request.gapPolicy ?? DEFAULT_CURVE_GAP_POLICY,
    curves: [metric],
  });
  const curve = analysis.curves[metric];
  const rows = curve ? (request.envelope ? envelopeRows(curve) : curveRows(curve)) : [];
  const columns = request.envelope
    ? (['duration_s', 'value', 'start_s', 'window_s'] as const)
    : (['duration_s', 'value', 'start_s'] as const);
  if (request.format === 'json') {
    const objects = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, row[i]]))));
    await writeStdout(objects.length === 0 ? '[]\n' : `[\n${objects.join(',\n')}\n]\n`);
  } else {
    await writeStdout(`${[columns.join(','), ...rows.map((row) => row.join(','))].join('\n')}\n`);
  }
}

type Row = number[];

/** One row per duration with a valid window: [duration_s, value, start_s]. */
function curveRows(curve: MeanMaxCurve): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < curve.values.length; i++) {
    const value = curve.values[i]!;
    if (!Number.isNaN(value)) rows.push([i + 1, round(value), curve.startS[i]!]);
  }
  return rows;
}

/** One row per duration d with a window of at least d seconds: [d, best value, start_s, window_s]. */
function envelopeRows(curve: MeanMaxCurve): Row[] {
  const envelope = envelopeWindows(curve.values, curve.startS);
  const rows: Row[] = [];
  for (let i = 0; i < envelope.values.length; i++) {
    if (envelope.windowS[i]! > 0)
      rows.push([i + 1, round(envelope.values[i]!), envelope.startS[i]!, envelope.windowS[i]!]);
  }
  return rows;
}

async function printSummary(
  request: SummaryRequest,
  { result, activity, sessionIndex }: LoadedActivity,
): Promise<void> {
  const policy = request.gapPolicy ?? DEFAULT_SUMMARY_GAP_POLICY;
  const analysis = analyzeActivity(activityStreams(activity), {
    gapPolicy: request.gapPolicy ?? DEFAULT_CURVE_GAP_POLICY,
    summaryGapPolicy: policy,
    curves: [],
    ftpW: request.ftpW ?? undefined,
    cpW: request.cpW ?? undefined,
    wPrimeJ: request.wPrimeJ ?? undefined,
    lthrBpm: request.lthrBpm ?? undefined,
  });
  const s = analysis.summary;
  const issues = issuesOf(result, activity);
  const context = {
    file: request.file,
    format: result.format,
    session: sessionIndex,
    session_count: result.activities.length,
    sport: activity.sport,
    start: isoUtc(activity.startS),
    gap_policy: analysis.summaryGapPolicy,
    ftp_w: request.ftpW,
    cp_w: request.cpW,
    wprime_j: request.wPrimeJ,
    lthr_bpm: request.lthrBpm,
  };
  const fields = summaryFields(s);
  const powerZones = zoneSeconds(s.timeInPowerZones, 'w');
  const heartRateZones = zoneSeconds(s.timeInHeartRateZones, 'bpm');

  if (request.format === 'json') {
    const object = {
      ...context,
      ...Object.fromEntries(fields.map(([name, value]) => [name, jsonNumber(value)])),
      time_in_power_zones: powerZones,
      time_in_heart_rate_zones: heartRateZones,
      issues,
    };
    await writeStdout(`${JSON.stringify(object, null, 2)}\n`);
    return;
  }
  for (const issue of issues) note(`${issue.message} (${issue.code})`);
  const rows: [string, string][] = [
    ...Object.entries(context).map(([name, value]): [string, string] => [
      name,
      value === null ? '' : String(value),
    ]),
    ...fields.map(([name, value]): [string, string] => [name, csvNumber(value)]),
    ...zoneRows('time_in_power_zones', powerZones),
    ...zoneRows('time_in_heart_rate_zones', heartRateZones),
  ];
  await writeStdout(`${['field,value', ...rows.map((r) => r.map(csvCell).join(','))].join('\n')}\n`);
}

/** The summary's scalar fields under their printed (snake_case, unit-suffixed) names, in order. */
function summaryFields(s: ActivityAnalysisSummary): [string, number | null][] {
  return [
    ['grid_s', s.gridS],
    ['power_seconds', s.powerSeconds],
    ['power_missing_s', s.powerMissingS],
    ['avg_power_w', s.avgPowerW],
    ['max_power_w', s.maxPowerW],
    ['np_w', s.npW],
    ['np_gc_w', s.npGcW],
    ['xpower_w', s.xPowerW],
    ['variability_index', s.variabilityIndex],
    ['work_kj', s.workKj],
    ['intensity_factor', s.intensityFactor],
    ['tss', s.tss],
    ['efficiency_factor', s.efficiencyFactor],
    ['wbal_min_j', s.wbalMinJ],
    ['wbal_min_at_s', s.wbalMinAtS],
    ['wbal_integral_min_j', s.wbalIntegralMinJ],
    ['wbal_integral_min_at_s', s.wbalIntegralMinAtS],
    ['wbal_integral_tau_s', s.wbalIntegralTauS],
    ['avg_heart_rate_bpm', s.avgHeartRateBpm],
    ['max_heart_rate_bpm', s.maxHeartRateBpm],
    ['avg_speed_mps', s.avgSpeedMps],
    ['max_speed_mps', s.maxSpeedMps],
  ];
}

type ZoneRow = Record<string, string | number | null>;

function zoneSeconds(zones: ZoneTime[] | null, unit: 'w' | 'bpm'): ZoneRow[] | null {
  return (
    zones?.map((z) => ({
      zone: z.zone,
      [`from_${unit}`]: round(z.from),
      [`to_${unit}`]: z.to === null ? null : round(z.to),
      seconds: z.seconds,
    })) ?? null
  );
}

function zoneRows(field: string, zones: ZoneRow[] | null): [string, string][] {
  return (zones ?? []).map((z) => [`${field}.${z.zone}`, String(z.seconds)]);
}

function issuesOf(result: ReadResult, activity: CanonicalActivity): DataIssue[] {
  return [...result.issues, ...activity.issues];
}

function describeSessions(activities: CanonicalActivity[]): string {
  return activities.map((a, i) => `${i} ${a.sport} ${isoUtc(a.startS)}`).join(', ');
}

function parseSessionIndex(text: string): number {
  if (!/^\d{1,6}$/.test(text))
    throw new UsageError(`--session must be a session number (0, 1, …), not "${text}".`);
  return Number(text);
}

function parseGapFlag(text: string): GapPolicy {
  try {
    return parseGapPolicy(text);
  } catch (error) {
    if (isPeakformError(error)) throw new UsageError(`--gap: ${error.message}.`);
    throw error;
  }
}

function positiveNumber(flag: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag} must be a positive number, not "${text}".`);
  return value;
}

function round(value: number): number {
  return Number(value.toFixed(DECIMALS));
}

function jsonNumber(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : round(value);
}

function csvNumber(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '' : String(round(value));
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function note(message: string): void {
  process.stderr.write(`peakform analyze: note: ${message}\n`);
}

/** Writes to stdout; a reader that stops early (`peakform analyze … | head`) is not an error. */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? resolve() : reject(error));
    process.stdout.once('error', onError);
    process.stdout.write(text, (error) => {
      // On failure the listener stays to receive the 'error' event that follows the callback.
      if (!error) {
        process.stdout.off('error', onError);
        resolve();
      }
    });
  });
}
