import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { type MarkerCandidate, rankMarkerCandidates } from '../../analytics/metabolic-markers.ts';
import { metabolicZones, type ZoneMap } from '../../analytics/metabolic-zones.ts';
import { PeakformError } from '../../domain/errors.ts';
import {
  type DeclaredMarker,
  type MarkerDeleteQuerySchema,
  type MarkerEntry,
  type MarkerName,
  type MarkerValue,
  type MarkerWrite,
  type MetabolicProfile,
  type MetabolicProfileQuerySchema,
  type RecomputeStatus,
  SCALAR_MARKERS,
  type ScalarMarker,
  ZONE_SYSTEM_NAMES,
} from '../../domain/metabolic-profile.ts';
import { parseSport, sportMatches } from '../../domain/sport.ts';
import { compileEnsureAthlete } from '../../query/catalog-sql.ts';
import {
  compileDeleteDeclaredMarkers,
  compileListDeclaredMarkers,
  compileReplaceDeclaredMarker,
  type DeclaredMarkerRow,
} from '../../query/metabolic-profile-sql.ts';
import type { Store } from '../../store/store.ts';
import type { IntensityDurationModel } from '../longitudinal/longitudinal-service.ts';
import { assertAthleteIdValid } from './athlete-id.ts';
import {
  FIRST_THRESHOLDS,
  type FitQuality,
  HEART_RATE_ANCHORS,
  ingestThresholdEntries,
  isThresholdMarker,
  POWER_ANCHORS,
  type ProfileCandidate,
  placeOf,
  readProfileRecords,
  SPEED_ANCHORS,
} from './metabolic-profile-candidates.ts';
import type { ThresholdRecompute } from './metabolic-profile-recompute.ts';
import { ANY_SPORT, resolveThresholds } from './resolve-thresholds.ts';

type ProfileQuery = z.output<typeof MetabolicProfileQuerySchema>;
type MarkerDeleteQuery = z.output<typeof MarkerDeleteQuerySchema>;
type ModelQuery = { metric: 'power' | 'speed'; model: 'cp2'; sport: string; start: string; end: string };

/** Days of training data a modeled marker is fitted to, ending on the profile's date. */
export const MODEL_WINDOW_DAYS = 90;

const ANCHORS: Record<ZoneMap, readonly string[]> = {
  power: POWER_ANCHORS,
  speed: SPEED_ANCHORS,
  heart_rate: HEART_RATE_ANCHORS,
};

function utcDate(shiftDays = 0, from?: string): string {
  const base = from ? Date.parse(`${from}T00:00:00Z`) : Date.now();
  return new Date(base + shiftDays * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The athlete's metabolic profile for a sport and date: every marker with its provenance, the
 * zones built on them, W/kg with the body mass in force, and the thresholds ingest applies.
 * Declared markers are kept here; measured ones come from tests (`readMeasuredTests`); modeled
 * ones are fitted to the training data of the 90 days up to the date.
 */
export class MetabolicProfileService {
  constructor(
    private readonly store: Store,
    private readonly fitModel: (athleteId: string, query: ModelQuery) => Promise<IntensityDurationModel>,
    private readonly recompute: ThresholdRecompute,
  ) {}

  /** A threshold source changed from `from` on: re-derive the athlete's activities in the background. */
  changed(athleteId: string, from: string): void {
    this.recompute.schedule(athleteId, from);
  }

  recomputeStatus(athleteId: string): RecomputeStatus {
    return this.recompute.status(athleteId);
  }

  async profile(athleteId: string, query: ProfileQuery): Promise<MetabolicProfile> {
    const sport = query.sport ?? 'cycling';
    const date = query.date ?? utcDate();
    const records = await readProfileRecords(this.store, athleteId);
    const candidates = records.candidates.filter(
      (c) => c.sport === ANY_SPORT || sportMatches(sport, c.sport),
    );
    const start = utcDate(-(MODEL_WINDOW_DAYS - 1), date);
    const fits = [await this.fitModel(athleteId, { metric: 'power', model: 'cp2', sport, start, end: date })];
    // Critical speed only where speed is the sport's intensity (not on a bike).
    if (parseSport(sport).path[0] !== 'cycling')
      fits.push(await this.fitModel(athleteId, { metric: 'speed', model: 'cp2', sport, start, end: date }));
    candidates.push(...fits.flatMap((fit) => modeledCandidates(fit, date)));

    const ranked = (list: ProfileCandidate[]) =>
      rankMarkerCandidates(
        list.map((c): MarkerCandidate<ProfileCandidate> => ({ ...c, payload: c })),
        date,
      ).map((c) => c.payload);
    const mass = ranked(candidates.filter((c) => c.name === 'body_mass'))[0] ?? null;
    const toValue = (c: ProfileCandidate): MarkerValue => ({
      name: c.name as MarkerName,
      value: c.value,
      unit: c.unit,
      provenance: c.provenance,
      date: c.date,
      pinned: c.pinned,
      record: c.record,
      fit: c.fit ?? null,
      per_kg: mass ? perKg(c, mass.value) : null,
    });
    const markersOf = (map: string) => {
      const byKey = new Map<string, ProfileCandidate[]>();
      for (const c of candidates.filter((x) => x.map === map))
        byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
      const markers: Record<string, MarkerEntry> = {};
      for (const [key, list] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const [best, ...rest] = ranked(list);
        if (best) markers[key] = { ...toValue(best), alternatives: rest.map(toValue) };
      }
      return markers;
    };
    const pooled = (map: ZoneMap, names: readonly string[]) => {
      const list = candidates
        .filter((c) => c.map === map && names.includes(c.name))
        .sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
      const best = ranked(list)[0];
      return best ? toValue(best) : null;
    };
    const mapOf = (map: ZoneMap, unit: string) => {
      const markers = markersOf(map);
      const threshold = pooled(map, ANCHORS[map]);
      const first = pooled(map, FIRST_THRESHOLDS);
      const hrMax = map === 'heart_rate' ? (markers.heart_rate_max ?? null) : null;
      const zones: Record<string, unknown> = {};
      for (const system of ZONE_SYSTEM_NAMES) {
        const built = metabolicZones(map, system, {
          threshold: threshold?.value,
          firstThreshold: first?.value,
          heartRateMax: hrMax?.value,
        });
        zones[system] = built && {
          system,
          anchor: built.anchor,
          anchor_value: built.anchorValue,
          anchor_marker: built.anchor === 'threshold' ? threshold!.name : 'heart_rate_max',
          zones: built.zones,
        };
      }
      return { unit, markers, threshold, first_threshold: first, zones } as MetabolicProfile['power'];
    };
    return {
      sport,
      date,
      body_mass: mass && { ...toValue(mass), name: 'body_mass' as const, per_kg: null },
      power: mapOf('power', 'W'),
      speed: mapOf('speed', 'm/s'),
      heart_rate: mapOf('heart_rate', 'bpm'),
      metabolic: { unit: 'mixed', markers: markersOf('metabolic') },
      models: fits.map((fit) => ({
        metric: fit.metric,
        ok: fit.ok,
        reason: fit.reason,
        fit: fit.ok ? fitQuality(fit) : null,
      })),
      thresholds: resolveThresholds(ingestThresholdEntries(records), sport, date),
      recompute: this.recompute.status(athleteId),
    };
  }

  async listMarkers(athleteId: string): Promise<DeclaredMarker[]> {
    const rows = await this.store.select<DeclaredMarkerRow>(compileListDeclaredMarkers(athleteId));
    return rows.map(toDeclared);
  }

  /** Declares (and by default pins) a marker's value for a sport from a date on. */
  async setMarker(athleteId: string, name: MarkerName, body: MarkerWrite): Promise<DeclaredMarker> {
    assertAthleteIdValid(athleteId);
    const metric = markerMetric(name, body.metric);
    const row: DeclaredMarkerRow = {
      id: `mk_${randomBytes(10).toString('hex')}`,
      sport: body.sport,
      name,
      metric,
      effective_from: body.effective_from ?? utcDate(),
      value: body.value,
      provenance: body.provenance,
      pinned: body.pinned,
      note: body.note ?? null,
    };
    await this.store.write(async (tx) => {
      for (const q of [compileEnsureAthlete(athleteId), ...compileReplaceDeclaredMarker(athleteId, row)])
        await tx.run(q.sql, q.params as never);
    });
    this.changed(athleteId, row.effective_from);
    return toDeclared(row);
  }

  /** Removes declarations of a marker (unpins it): of one metric and date, or all of that sport. */
  async deleteMarker(athleteId: string, name: MarkerName, query: MarkerDeleteQuery): Promise<void> {
    const metric = isThresholdMarker(name) ? query.metric : 'value';
    const q = compileDeleteDeclaredMarkers(athleteId, {
      name,
      sport: query.sport,
      metric,
      effectiveFrom: query.effective_from,
    });
    const deleted = await this.store.write((tx) => tx.all(q.sql, q.params as never));
    if (deleted.length === 0) {
      throw new PeakformError(
        'ERR_MARKER_NOT_FOUND',
        `No declared ${name} for ${query.sport}${query.effective_from ? ` on ${query.effective_from}` : ''}.`,
      );
    }
    const dates = deleted.map((r) => String((r as { effective_from: string }).effective_from)).sort();
    this.changed(athleteId, dates[0]!);
  }
}

/** The metric a declaration is stored under: the Marker field for threshold markers, `value` for scalars. */
function markerMetric(name: MarkerName, metric: string | undefined): string {
  if (isThresholdMarker(name)) {
    if (!metric) {
      throw new PeakformError(
        'ERR_MARKER_METRIC',
        `${name} is a threshold marker: say which intensity it is with metric=power|speed|heart_rate|lactate|vo2.`,
      );
    }
    return metric;
  }
  const map = SCALAR_MARKERS[name as ScalarMarker].map;
  if (metric && metric !== map) {
    throw new PeakformError(
      'ERR_MARKER_METRIC',
      `${name} is a ${map} marker (${SCALAR_MARKERS[name as ScalarMarker].unit}); drop metric or send metric=${map}.`,
    );
  }
  return 'value';
}

function toDeclared(row: DeclaredMarkerRow): DeclaredMarker {
  const name = row.name as MarkerName;
  const place = placeOf(name, isThresholdMarker(name) ? (row.metric as never) : null);
  return {
    id: row.id,
    name,
    metric: isThresholdMarker(name) ? row.metric : SCALAR_MARKERS[name as ScalarMarker].map,
    sport: row.sport,
    value: row.value,
    unit: place.unit,
    effective_from: row.effective_from,
    provenance: row.provenance,
    pinned: row.pinned,
    note: row.note,
  };
}

function perKg(c: ProfileCandidate, massKg: number): number | null {
  if (!(massKg > 0)) return null;
  if (c.unit === 'W') return Math.round((c.value / massKg) * 100) / 100;
  if (c.unit === 'mL/min') return Math.round((c.value / massKg) * 10) / 10;
  return null;
}

function fitQuality(fit: IntensityDurationModel): FitQuality {
  return {
    model: fit.model,
    rmse: fit.rmse,
    r2: fit.r2,
    window_s: fit.window_s,
    start: fit.start,
    end: fit.end,
    activity_count: fit.activity_count,
    binding_durations_s: fit.binding_durations_s,
  };
}

/** CP and W′ (power) or CS and D′ (speed) of a successful fit, dated on the profile's date. */
function modeledCandidates(fit: IntensityDurationModel, date: string): ProfileCandidate[] {
  if (!fit.ok) return [];
  const quality = fitQuality(fit);
  const base = {
    sport: fit.sport,
    provenance: 'modeled' as const,
    date,
    pinned: false,
    record: { type: 'model' as const, id: null, sport: fit.sport, date: fit.end },
    fit: quality,
  };
  const make = (name: MarkerName, value: number | undefined): ProfileCandidate[] =>
    value === undefined ? [] : [{ name, metric: null, ...placeOf(name, null), ...base, value }];
  const p = fit.parameters;
  return fit.metric === 'power'
    ? [
        ...make('critical_power', p.cp_w && Math.round(p.cp_w * 10) / 10),
        ...make('w_prime', p.w_prime_j && Math.round(p.w_prime_j) / 1000),
      ]
    : [
        ...make('critical_speed', p.cs_mps && Math.round(p.cs_mps * 1000) / 1000),
        ...make('d_prime', p.d_prime_m && Math.round(p.d_prime_m * 10) / 10),
      ];
}
