import {
  DeclaredMarkerListSchema,
  DeclaredMarkerSchema,
  MarkerDeleteQuerySchema,
  MarkerParamsSchema,
  MarkerWriteSchema,
  MetabolicProfileQuerySchema,
  MetabolicProfileSchema,
  RecomputeStatusSchema,
} from '../domain/metabolic-profile.ts';
import { AUTH_ERRORS, defineRoute } from './route.ts';

/** The zone systems and their anchors, as the docs and README state them (analytics/metabolic-zones.ts). */
const ZONES_DOC = [
  'Zones start at a percentage of an anchor; a value on a bound belongs to the upper zone.',
  '`three_zone` (Seiler): Z1 below the first threshold (LT1/VT1; else power 80 %, speed 85 %, heart rate 90 % of the threshold), Z2 to the threshold, Z3 above.',
  '`five_zone`: power Coggan levels 1–5 (0, 55, 75, 90, 105 % of the threshold); speed 0, 78, 88, 95, 103 % (Friel pace zones as speed); heart rate Coggan 0, 68, 83, 94, 105 % of LTHR.',
  '`seven_zone`: power Coggan 0, 55, 75, 90, 105, 120, 150 %; speed 0, 78, 88, 95, 100, 103, 111 %; heart rate Friel 0, 81, 90, 94, 100, 103, 106 % of LTHR.',
  '`olt_i_scale` (Olympiatoppen I1–I5): heart rate 0, 72, 82, 87, 92 % of HRmax; power I2 from the first threshold (else 80 %), I3 90, I4 100, I5 106 % of the threshold; speed I2 first threshold (else 85 %), 92, 100, 104 %.',
  'The threshold of a map is, by precedence, its second-threshold marker: power ftp, second_threshold, lt2, mlss, vt2, critical_power; speed second_threshold, lt2, mlss, vt2, critical_speed; heart rate lthr, second_threshold, lt2, mlss, vt2.',
].join(' ');

const PRECEDENCE_DOC =
  'Each marker is resolved among its values dated on or before `date`: a pinned declared value first; then the latest measured (a test), declared or external value of the last 90 days; then the modeled value (CP and W′, or CS and D′, fitted with cp2 to the best efforts of the 90 days up to `date`, with the fit’s quality); then older values. The others are listed under `alternatives`.';

export const METABOLIC_PROFILE_ROUTES = {
  getMetabolicProfile: defineRoute({
    operationId: 'getMetabolicProfile',
    method: 'GET',
    path: '/api/v1/profile/metabolic-profile',
    tag: 'profile',
    summary: 'Markers, zones and W/kg for a sport on a date (Peakform route)',
    description: `Power, speed and heart-rate maps (and VO2, VLamax, economy) with the markers of WIRE.md §2.3's TestResults, each with value, unit, provenance (measured, modeled, declared, external), the date it dates from and the record that produced it. ${PRECEDENCE_DOC} ${ZONES_DOC} W/kg (per_kg) uses the body mass in force on the date (the latest body_mass daily on or before it). \`thresholds\` are what ingest applies on that date (modeled values never feed ingest); \`recompute\` is the background re-derivation that follows a change.`,
    scope: 'data:read',
    query: MetabolicProfileQuerySchema,
    response: { kind: 'json', status: 200, schema: MetabolicProfileSchema, doc: 'The profile.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID'],
  }),
  listProfileMarkers: defineRoute({
    operationId: 'listProfileMarkers',
    method: 'GET',
    path: '/api/v1/profile/metabolic-profile/markers',
    tag: 'profile',
    summary: 'Declared metabolic-profile markers (Peakform route)',
    scope: 'data:read',
    response: { kind: 'json', status: 200, schema: DeclaredMarkerListSchema, doc: 'Oldest first.' },
    errors: [...AUTH_ERRORS],
  }),
  setProfileMarker: defineRoute({
    operationId: 'setProfileMarker',
    method: 'PUT',
    path: '/api/v1/profile/metabolic-profile/markers/{name}',
    tag: 'profile',
    summary: 'Declare (and pin) a marker for a sport from a date on (Peakform route)',
    description:
      'Replaces the declaration of the same sport, marker, metric and date. Pinned (the default) it wins over tests and models from `effective_from` on; `pinned: false` competes by date. Threshold markers (first_threshold … mlss) need `metric`. Activities from `effective_from` on are re-derived in the background (GET /api/v1/profile/recompute-status).',
    scope: 'data:write',
    params: MarkerParamsSchema,
    body: MarkerWriteSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: DeclaredMarkerSchema, doc: 'The declaration.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_MARKER_METRIC'],
  }),
  deleteProfileMarker: defineRoute({
    operationId: 'deleteProfileMarker',
    method: 'DELETE',
    path: '/api/v1/profile/metabolic-profile/markers/{name}',
    tag: 'profile',
    summary: 'Remove (unpin) declared values of a marker (Peakform route)',
    description:
      'Of the sport; of one metric and one date when given. Tests and models speak again; activities from the earliest removed date on are re-derived in the background.',
    scope: 'data:write',
    params: MarkerParamsSchema,
    query: MarkerDeleteQuerySchema,
    response: { kind: 'empty', status: 204, doc: 'Removed.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_MARKER_NOT_FOUND'],
  }),
  getRecomputeStatus: defineRoute({
    operationId: 'getRecomputeStatus',
    method: 'GET',
    path: '/api/v1/profile/recompute-status',
    tag: 'profile',
    summary: 'Progress of the background re-derivation after a threshold change (Peakform route)',
    description:
      'A new declared marker, test, body-mass daily or PUT /profile/thresholds re-derives the stored metrics (TSS, IF, zones, W′bal, W/kg) of the athlete’s activities from its effective date on, in the background; changes close together are coalesced into one run. Wait for `state: done` with `pending_from: null`.',
    scope: 'data:read',
    response: { kind: 'json', status: 200, schema: RecomputeStatusSchema, doc: 'The status.' },
    errors: [...AUTH_ERRORS],
  }),
} as const;
