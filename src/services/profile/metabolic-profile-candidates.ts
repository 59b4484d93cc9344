import {
  MARKER_METRICS,
  type MarkerMetric,
  type MarkerName,
  type ProfileMap,
  SCALAR_MARKERS,
  type ScalarMarker,
  THRESHOLD_MARKERS,
} from '../../domain/metabolic-profile.ts';
import type { Thresholds } from '../../domain/wire.ts';
import { compileListThresholds } from '../../query/catalog-sql.ts';
import {
  compileBodyMassDailies,
  compileListDeclaredMarkers,
  type DeclaredMarkerRow,
} from '../../query/metabolic-profile-sql.ts';
import type { Store } from '../../store/store.ts';
import { type MeasuredTest, readMeasuredTests } from './metabolic-profile-measured.ts';
import { ANY_SPORT, type ThresholdEntry } from './resolve-thresholds.ts';

/** A value of a marker that some record gives (everything but models, which are fitted per request). */
export interface ProfileCandidate {
  name: MarkerName | 'body_mass';
  /** The profile map it belongs to, and its key there (`lt2` in power; `lt2_lactate` in metabolic). */
  map: ProfileMap | 'body';
  key: string;
  /** The Marker field of a threshold marker; null for scalars. */
  metric: MarkerMetric | null;
  /** The sport it applies to (and its sub-sports); ANY_SPORT for body mass. */
  sport: string;
  value: number;
  unit: string;
  provenance: 'measured' | 'declared' | 'external' | 'modeled';
  date: string;
  pinned: boolean;
  record: {
    type: 'test' | 'model' | 'marker' | 'thresholds' | 'daily';
    id: string | null;
    sport: string | null;
    date: string | null;
  };
  /** Modeled values: the fit's quality and window. */
  fit?: FitQuality;
}

export interface FitQuality {
  model: string;
  rmse: number | null;
  r2: number | null;
  window_s: [number, number];
  start: string;
  end: string;
  activity_count: number;
  binding_durations_s: number[];
}

/** Power markers that can anchor the zones and be the FTP at ingest, in order of preference. */
export const POWER_ANCHORS = ['ftp', 'second_threshold', 'lt2', 'mlss', 'vt2', 'critical_power'] as const;
export const SPEED_ANCHORS = ['second_threshold', 'lt2', 'mlss', 'vt2', 'critical_speed'] as const;
export const HEART_RATE_ANCHORS = ['lthr', 'second_threshold', 'lt2', 'mlss', 'vt2'] as const;
export const FIRST_THRESHOLDS = ['first_threshold', 'lt1', 'vt1'] as const;

/** Where a marker of a metric lives in the profile. */
export function placeOf(
  name: MarkerName,
  metric: MarkerMetric | null,
): { map: ProfileMap; key: string; unit: string } {
  if ((THRESHOLD_MARKERS as readonly string[]).includes(name)) {
    const m = metric ?? 'power';
    if (m === 'power' || m === 'speed' || m === 'heart_rate')
      return { map: m, key: name, unit: MARKER_METRICS[m] };
    return { map: 'metabolic', key: `${name}_${m}`, unit: MARKER_METRICS[m] };
  }
  const scalar = SCALAR_MARKERS[name as ScalarMarker];
  return { map: scalar.map, key: name, unit: scalar.unit };
}

export function isThresholdMarker(name: string): boolean {
  return (THRESHOLD_MARKERS as readonly string[]).includes(name);
}

function candidate(
  name: MarkerName,
  metric: MarkerMetric | null,
  rest: Omit<ProfileCandidate, 'name' | 'map' | 'key' | 'metric' | 'unit'>,
): ProfileCandidate {
  return { name, metric, ...placeOf(name, metric), ...rest };
}

const SCALAR_TEST_KEYS = Object.keys(SCALAR_MARKERS).filter(
  (k) => !['ftp', 'lthr', 'heart_rate_rest'].includes(k),
) as ScalarMarker[];

/** Measured candidates of one test's results (WIRE.md §2.3: threshold markers and scalars). */
export function candidatesOfTest(test: MeasuredTest): ProfileCandidate[] {
  const base = {
    sport: test.sport,
    provenance: 'measured' as const,
    date: test.date,
    pinned: false,
    record: { type: 'test' as const, id: test.id, sport: test.sport, date: test.date },
  };
  const out: ProfileCandidate[] = [];
  for (const name of THRESHOLD_MARKERS) {
    const marker = test.results[name];
    if (!marker || typeof marker !== 'object') continue;
    for (const metric of Object.keys(MARKER_METRICS) as MarkerMetric[]) {
      const value = (marker as Record<string, unknown>)[metric];
      if (typeof value === 'number' && value > 0) out.push(candidate(name, metric, { ...base, value }));
    }
  }
  for (const name of SCALAR_TEST_KEYS) {
    const value = test.results[name];
    if (typeof value === 'number' && value > 0) out.push(candidate(name, null, { ...base, value }));
  }
  return out;
}

function candidatesOfDeclared(row: DeclaredMarkerRow): ProfileCandidate {
  return candidate(
    row.name as MarkerName,
    isThresholdMarker(row.name) ? (row.metric as MarkerMetric) : null,
    {
      sport: row.sport,
      value: row.value,
      provenance: row.provenance,
      date: row.effective_from,
      pinned: row.pinned,
      record: { type: 'marker', id: row.id, sport: row.sport, date: row.effective_from },
    },
  );
}

const THRESHOLD_FIELDS: [keyof Thresholds, MarkerName, number][] = [
  ['ftp_w', 'ftp', 1],
  ['cp_w', 'critical_power', 1],
  ['w_prime_j', 'w_prime', 1 / 1000],
  ['lthr_bpm', 'lthr', 1],
  ['max_hr_bpm', 'heart_rate_max', 1],
  ['rest_hr_bpm', 'heart_rate_rest', 1],
];

/** Candidates of the effective-dated thresholds (PUT /profile/thresholds): declared, never pinned. */
function candidatesOfThresholds(t: Thresholds): ProfileCandidate[] {
  const base = {
    sport: t.sport,
    provenance: 'declared' as const,
    date: t.effective_from,
    pinned: false,
    record: { type: 'thresholds' as const, id: null, sport: t.sport, date: t.effective_from },
  };
  const out = THRESHOLD_FIELDS.flatMap(([field, name, scale]) => {
    const value = t[field];
    return typeof value === 'number' ? [candidate(name, null, { ...base, value: value * scale })] : [];
  });
  if (typeof t.weight_kg === 'number') out.push(bodyMass(t.weight_kg, base));
  return out;
}

function bodyMass(
  value: number,
  rest: Omit<ProfileCandidate, 'name' | 'map' | 'key' | 'metric' | 'unit' | 'value'>,
): ProfileCandidate {
  return { name: 'body_mass', map: 'body', key: 'body_mass', metric: null, unit: 'kg', value, ...rest };
}

export interface ProfileRecords {
  thresholds: Thresholds[];
  declared: DeclaredMarkerRow[];
  tests: MeasuredTest[];
  candidates: ProfileCandidate[];
}

/** Every record of the athlete that gives a marker or a body mass, as candidates. */
export async function readProfileRecords(store: Store, athleteId: string): Promise<ProfileRecords> {
  const [thresholds, declared, tests, dailies] = await Promise.all([
    store.select<Thresholds>(compileListThresholds(athleteId)),
    store.select<DeclaredMarkerRow>(compileListDeclaredMarkers(athleteId)),
    readMeasuredTests(store, athleteId),
    store.select<{ date: string; value: number; source: string }>(compileBodyMassDailies(athleteId)),
  ]);
  const candidates = [
    ...tests.flatMap(candidatesOfTest),
    ...declared.map(candidatesOfDeclared),
    ...thresholds.flatMap(candidatesOfThresholds),
    ...dailies.map((d) =>
      bodyMass(d.value, {
        sport: ANY_SPORT,
        provenance: d.source === 'manual' ? 'declared' : 'external',
        date: d.date,
        pinned: false,
        record: { type: 'daily', id: null, sport: null, date: d.date },
      }),
    ),
  ];
  return { thresholds, declared, tests, candidates };
}

const PROVENANCE_ORDER = { measured: 0, declared: 1, external: 2, modeled: 3 } as const;

/**
 * The effective-dated entries ingest resolves per activity (`resolveThresholds`): the thresholds
 * table as it is, and one entry per measured or declared marker that ingest uses — the power
 * anchors as FTP (and CP, W′), the heart-rate anchors as LTHR, HRmax, resting HR — and per body
 * mass (any sport). Pinned declarations carry `pinned`. Modeled values never feed ingest: they
 * move with every upload.
 */
export function ingestThresholdEntries(records: ProfileRecords): ThresholdEntry[] {
  const preferred = (c: ProfileCandidate) => {
    const anchors: readonly string[] =
      c.metric === 'heart_rate' || c.map === 'heart_rate' ? HEART_RATE_ANCHORS : POWER_ANCHORS;
    const i = anchors.indexOf(c.name);
    return i < 0 ? anchors.length : i;
  };
  const sorted = records.candidates
    .filter((c) => c.record.type !== 'thresholds' && c.provenance !== 'modeled')
    .sort(
      (a, b) =>
        PROVENANCE_ORDER[a.provenance] - PROVENANCE_ORDER[b.provenance] || preferred(a) - preferred(b),
    );
  const entries: ThresholdEntry[] = [];
  for (const c of sorted) {
    const entry = (field: keyof Thresholds, value: number): ThresholdEntry => ({
      sport: c.sport,
      effective_from: c.date,
      [field]: value,
      ...(c.pinned ? { pinned: true } : {}),
    });
    if (c.name === 'body_mass') entries.push(entry('weight_kg', c.value));
    else if (c.map === 'power') {
      if ((POWER_ANCHORS as readonly string[]).includes(c.name)) entries.push(entry('ftp_w', c.value));
      if (c.name === 'critical_power') entries.push(entry('cp_w', c.value));
      if (c.name === 'w_prime') entries.push(entry('w_prime_j', c.value * 1000));
    } else if (c.map === 'heart_rate') {
      if ((HEART_RATE_ANCHORS as readonly string[]).includes(c.name))
        entries.push(entry('lthr_bpm', c.value));
      if (c.name === 'heart_rate_max') entries.push(entry('max_hr_bpm', c.value));
      if (c.name === 'heart_rate_rest') entries.push(entry('rest_hr_bpm', c.value));
    }
  }
  // Markers before the table: on the same date and sport a marker wins.
  return [...entries, ...records.thresholds];
}
