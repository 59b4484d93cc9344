import type { CanonicalActivity, DeviceInfo, Lap, ReadResult } from '../../domain/activity.ts';
import { UnreadableFileError } from '../../domain/errors.ts';
import type { DataIssue } from '../../domain/issue.ts';
import { buildActivities } from '../build-activity.ts';
import { convertRunningCadence } from '../convert-running-cadence.ts';
import { decodeText } from '../decode-text.ts';
import { parseIsoTime } from '../parse-iso-time.ts';
import { TraceBuilder } from '../trace-builder.ts';
import { parseXmlDocument } from '../xml/parse-xml-document.ts';
import { xmlChild, xmlList, xmlNumber, xmlText } from '../xml/xml-values.ts';

const ARRAY_TAGS = new Set(['Activity', 'Lap', 'Track', 'Trackpoint', 'MultiSportSession', 'NextSport']);

/** The TCX schema knows three sports. */
const TCX_SPORTS: Record<string, string> = { Running: 'running', Biking: 'cycling' };

/**
 * Reads a Garmin TrainingCenterDatabase file: one activity per `Activity` element (multisport
 * sessions included), laps from `Lap` elements, samples from trackpoints and their `TPX`
 * extension (speed, watts, run cadence). Lap-boundary trackpoints that TCX writers repeat are
 * merged by the 1 Hz rule.
 */
export function readTcx(bytes: Uint8Array): ReadResult {
  const parsed = parseXmlDocument(decodeText(bytes), {
    rootTag: 'TrainingCenterDatabase',
    arrayTags: ARRAY_TAGS,
    recordTag: 'Trackpoint',
  });
  const database = xmlChild(parsed?.root, 'TrainingCenterDatabase');
  if (!parsed || database === undefined) {
    throw new UnreadableFileError(
      'This TCX file is not well-formed XML. Export the activity again, or upload the FIT original.',
      {
        format: 'tcx',
      },
    );
  }
  const activitiesNode = xmlChild(database, 'Activities');
  const activityNodes = [
    ...xmlList(xmlChild(activitiesNode, 'Activity')),
    ...xmlList(xmlChild(activitiesNode, 'MultiSportSession')).flatMap((session) => [
      ...xmlList(xmlChild(xmlChild(session, 'FirstSport'), 'Activity')),
      ...xmlList(xmlChild(session, 'NextSport')).flatMap((next) => xmlList(xmlChild(next, 'Activity'))),
    ]),
  ];
  const activities: CanonicalActivity[] = [];
  for (const node of activityNodes) {
    activities.push(...readTcxActivity(node));
  }
  if (activities.length === 0) {
    throw new UnreadableFileError(
      'This TCX file holds no activity with trackpoints or laps (courses and workouts are not activities).',
      { format: 'tcx' },
    );
  }
  const issues: DataIssue[] = parsed.truncated
    ? [{ code: 'truncated', message: 'The TCX file is cut off; the trackpoints before the cut were kept.' }]
    : [];
  return { format: 'tcx', activities, issues };
}

function readTcxActivity(activity: unknown): CanonicalActivity[] {
  const issues: DataIssue[] = [];
  const sportName = xmlText(xmlChild(activity, '@_Sport')) ?? '';
  const sport = TCX_SPORTS[sportName] ?? 'generic';
  if (sport === 'generic') {
    issues.push({
      code: 'unknown_sport',
      message: `The TCX sport "${sportName}" names no specific sport; it was stored as "generic".`,
      details: { tcxSport: sportName },
    });
  }

  const lapNodes = xmlList(xmlChild(activity, 'Lap'));
  const pointsOf = (lap: unknown): unknown[] =>
    xmlList(xmlChild(lap, 'Track')).flatMap((track) => xmlList(xmlChild(track, 'Trackpoint')));
  const capacity = lapNodes.reduce<number>((n, lap) => n + pointsOf(lap).length, 0);
  const builder = new TraceBuilder(capacity);
  const laps: Lap[] = [];
  let utcOffsetS: number | null = null;
  let untimed = 0;
  let timerS: number | null = null;
  const summary: Record<string, number> = {};
  const add = (key: string, value: number): void => {
    if (Number.isFinite(value)) summary[key] = (summary[key] ?? 0) + value;
  };

  for (const lapNode of lapNodes) {
    let lastPointS = Number.NaN;
    for (const point of pointsOf(lapNode)) {
      const time = parseIsoTime(xmlText(xmlChild(point, 'Time')) ?? '');
      if (!time) {
        untimed++;
        continue;
      }
      if (builder.rowCount === 0 && time.offsetS !== null && !time.isZulu) utcOffsetS = time.offsetS;
      lastPointS = time.epochS;
      builder.addRow(time.epochS);
      const position = xmlChild(point, 'Position');
      builder.set('latitude', xmlNumber(xmlChild(position, 'LatitudeDegrees')));
      builder.set('longitude', xmlNumber(xmlChild(position, 'LongitudeDegrees')));
      builder.set('altitude', xmlNumber(xmlChild(point, 'AltitudeMeters')));
      builder.set('distance', xmlNumber(xmlChild(point, 'DistanceMeters')));
      builder.set('heart_rate', xmlNumber(xmlChild(xmlChild(point, 'HeartRateBpm'), 'Value')));
      const tpx = xmlChild(xmlChild(point, 'Extensions'), 'TPX');
      const cadence = xmlNumber(xmlChild(point, 'Cadence'));
      builder.set('cadence', Number.isNaN(cadence) ? xmlNumber(xmlChild(tpx, 'RunCadence')) : cadence);
      builder.set('speed', xmlNumber(xmlChild(tpx, 'Speed')));
      builder.set('power', xmlNumber(xmlChild(tpx, 'Watts')));
    }

    const lapTimerS = xmlNumber(xmlChild(lapNode, 'TotalTimeSeconds'));
    const startS = parseIsoTime(xmlText(xmlChild(lapNode, '@_StartTime')) ?? '')?.epochS ?? Number.NaN;
    if (Number.isFinite(lapTimerS)) timerS = (timerS ?? 0) + lapTimerS;
    add('distanceM', xmlNumber(xmlChild(lapNode, 'DistanceMeters')));
    add('energyKcal', xmlNumber(xmlChild(lapNode, 'Calories')));
    if (!Number.isFinite(startS)) continue;
    const endS = Number.isFinite(lastPointS)
      ? lastPointS
      : startS + (Number.isFinite(lapTimerS) ? lapTimerS : 0);
    laps.push({
      index: laps.length,
      startS,
      endS,
      elapsedS: endS - startS,
      timerS: finiteOrNull(lapTimerS),
      distanceM: finiteOrNull(xmlNumber(xmlChild(lapNode, 'DistanceMeters'))),
      avgPowerW: finiteOrNull(
        xmlNumber(xmlChild(xmlChild(xmlChild(lapNode, 'Extensions'), 'LX'), 'AvgWatts')),
      ),
      avgHeartRateBpm: finiteOrNull(xmlNumber(xmlChild(xmlChild(lapNode, 'AverageHeartRateBpm'), 'Value'))),
      trigger: xmlText(xmlChild(lapNode, 'TriggerMethod')),
    });
  }
  if (timerS !== null) summary.timerS = timerS;
  if (untimed > 0) {
    issues.push({
      code: 'corrupt',
      message: `${untimed} trackpoint(s) had no valid time and were skipped.`,
      details: { count: untimed },
    });
  }

  const trace = builder.build();
  convertRunningCadence(sport, trace);
  return buildActivities({
    sport,
    trace,
    laps,
    utcOffsetS,
    timerS,
    device: readCreator(xmlChild(activity, 'Creator')),
    deviceSummary: summary,
    issues,
    spanS: laps.length > 0 ? { startS: laps[0]!.startS, endS: laps[laps.length - 1]!.endS } : null,
  });
}

function readCreator(creator: unknown): DeviceInfo | null {
  const product = xmlText(xmlChild(creator, 'Name'));
  const serialNumber = xmlText(xmlChild(creator, 'UnitId'));
  return product || serialNumber ? { manufacturer: null, product, serialNumber } : null;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
