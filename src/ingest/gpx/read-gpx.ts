import type { DeviceInfo, ReadResult } from '../../domain/activity.ts';
import { UnreadableFileError } from '../../domain/errors.ts';
import type { DataIssue } from '../../domain/issue.ts';
import type { MetricName } from '../../domain/metrics.ts';
import { isSportCode } from '../../domain/sport.ts';
import { buildActivities } from '../build-activity.ts';
import { convertRunningCadence } from '../convert-running-cadence.ts';
import { decodeText } from '../decode-text.ts';
import { parseIsoTime } from '../parse-iso-time.ts';
import { toSnakeCase } from '../to-snake-case.ts';
import { TraceBuilder } from '../trace-builder.ts';
import { parseXmlDocument } from '../xml/parse-xml-document.ts';
import { xmlChild, xmlList, xmlNumber, xmlText } from '../xml/xml-values.ts';

const ARRAY_TAGS = new Set(['trk', 'trkseg', 'trkpt']);

/**
 * Extension elements by local name (Garmin TrackPointExtension `gpxtpx:hr/cad/atemp`, the
 * `<power>` of Strava and others, Cluetrust `gpxdata:*`). Other numeric ones go to `extra`.
 */
const EXTENSION_METRICS: Record<string, MetricName> = {
  hr: 'heart_rate',
  heartrate: 'heart_rate',
  cad: 'cadence',
  cadence: 'cadence',
  atemp: 'temperature',
  temp: 'temperature',
  temperature: 'temperature',
  power: 'power',
  powerinwatts: 'power',
  watts: 'power',
  speed: 'speed',
  distance: 'distance',
};

/** `<trk><type>` values seen in exports (Garmin, Strava, Komoot), as snake_case → OST code. */
const GPX_TYPES: Record<string, string> = {
  cycling: 'cycling',
  biking: 'cycling',
  ride: 'cycling',
  road_biking: 'cycling.road',
  mountain_biking: 'cycling.mountain',
  gravel_cycling: 'cycling.gravel',
  virtual_ride: 'cycling+stationary+virtual',
  running: 'running',
  run: 'running',
  trail_running: 'running.trail',
  walking: 'walking',
  walk: 'walking',
  hiking: 'hiking',
  hike: 'hiking',
  swimming: 'swimming',
  rowing: 'rowing',
};

/**
 * Reads a GPX track as one activity: every timed `trkpt` of every `trk`/`trkseg`, with position,
 * elevation and the common extensions. GPX has no laps and no local-time offset beyond what the
 * timestamps say.
 */
export function readGpx(bytes: Uint8Array): ReadResult {
  const parsed = parseXmlDocument(decodeText(bytes), {
    rootTag: 'gpx',
    arrayTags: ARRAY_TAGS,
    recordTag: 'trkpt',
  });
  const gpx = xmlChild(parsed?.root, 'gpx');
  if (!parsed || gpx === undefined) {
    throw new UnreadableFileError(
      'This GPX file is not well-formed XML. Export the activity again, or upload the FIT original.',
      {
        format: 'gpx',
      },
    );
  }
  const tracks = xmlList(xmlChild(gpx, 'trk'));
  const points = tracks.flatMap((trk) =>
    xmlList(xmlChild(trk, 'trkseg')).flatMap((seg) => xmlList(xmlChild(seg, 'trkpt'))),
  );
  const builder = new TraceBuilder(points.length);
  let utcOffsetS: number | null = null;
  let untimed = 0;
  for (const point of points) {
    const time = parseIsoTime(xmlText(xmlChild(point, 'time')) ?? '');
    if (!time) {
      untimed++;
      continue;
    }
    if (builder.rowCount === 0 && time.offsetS !== null && !time.isZulu) utcOffsetS = time.offsetS;
    builder.addRow(time.epochS);
    builder.set('latitude', xmlNumber(xmlChild(point, '@_lat')));
    builder.set('longitude', xmlNumber(xmlChild(point, '@_lon')));
    builder.set('altitude', xmlNumber(xmlChild(point, 'ele')));
    readExtensions(xmlChild(point, 'extensions'), builder, 0);
  }
  if (builder.rowCount === 0) {
    throw new UnreadableFileError(
      'This GPX file has no track points with a time, so it is a route rather than a recorded activity.',
      { format: 'gpx', trackPoints: points.length },
    );
  }

  const issues: DataIssue[] = [];
  const sport = readSport(tracks, issues);
  if (untimed > 0) {
    issues.push({
      code: 'corrupt',
      message: `${untimed} track point(s) had no valid time and were skipped.`,
      details: { count: untimed },
    });
  }
  const fieldLimit = builder.fieldLimitIssue();
  if (fieldLimit) issues.push(fieldLimit);
  const trace = builder.build();
  convertRunningCadence(sport, trace);
  const activities = buildActivities({
    sport,
    trace,
    laps: [],
    utcOffsetS,
    timerS: null,
    device: readCreator(gpx),
    deviceSummary: {},
    issues,
  });
  if (activities.length === 0)
    throw new UnreadableFileError('This GPX file holds no usable track points.', { format: 'gpx' });
  const fileIssues: DataIssue[] = parsed.truncated
    ? [{ code: 'truncated', message: 'The GPX file is cut off; the track points before the cut were kept.' }]
    : [];
  return { format: 'gpx', activities, issues: fileIssues };
}

/** Numeric leaves of `<extensions>`, a few levels deep (TrackPointExtension nests one level). */
function readExtensions(node: unknown, builder: TraceBuilder, depth: number): void {
  if (node === null || typeof node !== 'object' || depth > 3) return;
  for (const [name, value] of Object.entries(node)) {
    if (name.startsWith('@_')) continue;
    if (typeof value === 'object' && value !== null && xmlText(value) === null) {
      readExtensions(value, builder, depth + 1);
      continue;
    }
    const number = xmlNumber(value);
    if (Number.isNaN(number)) continue;
    const metric = EXTENSION_METRICS[name.toLowerCase()];
    if (metric) builder.set(metric, number);
    else builder.setExtra(toSnakeCase(name), number);
  }
}

function readSport(tracks: unknown[], issues: DataIssue[]): string {
  const type = tracks.map((trk) => xmlText(xmlChild(trk, 'type'))?.trim()).find((t) => t);
  if (type) {
    const known = GPX_TYPES[toSnakeCase(type)];
    if (known) return known;
    if (isSportCode(type)) return type;
  }
  issues.push({
    code: 'unknown_sport',
    message: type
      ? `The GPX track type "${type}" is not a known sport; it was stored as "generic".`
      : 'The GPX file does not say which sport this is; it was stored as "generic".',
    details: { gpxType: type ?? null },
  });
  return 'generic';
}

function readCreator(gpx: unknown): DeviceInfo | null {
  const creator = xmlText(xmlChild(gpx, '@_creator'));
  return creator ? { manufacturer: null, product: creator, serialNumber: null } : null;
}
