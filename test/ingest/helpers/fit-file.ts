import { Encoder, Profile } from '@garmin/fitsdk';

export interface FitRecordInput {
  /** UTC epoch seconds. */
  timeS: number;
  power?: number;
  heartRate?: number;
  cadence?: number;
  speedMps?: number;
  distanceM?: number;
  altitudeM?: number;
  latitude?: number;
  longitude?: number;
  /** Developer field values by developer field key. */
  developerFields?: Record<number, number>;
}

export interface FitFileInput {
  records: FitRecordInput[];
  /** FIT sport / sub_sport names; no session message when omitted. */
  session?: { sport: string; subSport?: string; startS?: number; elapsedS?: number; timerS?: number } | null;
  /** Developer fields, by key: name and units (uint16 values). */
  developerFields?: Record<number, { name: string; units: string }>;
}

const SEMICIRCLES_PER_DEGREE = 2 ** 31 / 180;
const date = (s: number): Date => new Date(s * 1000);

/** A small FIT activity file built with Garmin's encoder, for tests that need exact contents. */
export function buildFitFile(input: FitFileInput): Uint8Array {
  const devEntries = Object.entries(input.developerFields ?? {});
  const developerDataIdMesg = {
    developerDataIndex: 0,
    applicationId: Array(16).fill(7),
    applicationVersion: 1,
  };
  const descriptions = devEntries.map(([key, field]) => ({
    key: Number(key),
    mesg: {
      developerDataIndex: 0,
      fieldDefinitionNumber: Number(key),
      fitBaseTypeId: 132,
      fieldName: field.name,
      units: field.units,
    },
  }));
  const encoder = new Encoder({
    fieldDescriptions: Object.fromEntries(
      descriptions.map(({ key, mesg }) => [key, { developerDataIdMesg, fieldDescriptionMesg: mesg }]),
    ),
  });
  const firstS = input.records[0]?.timeS ?? 1_700_000_000;
  const lastS = input.records[input.records.length - 1]?.timeS ?? firstS;
  encoder.writeMesg({
    mesgNum: Profile.MesgNum.FILE_ID!,
    type: 'activity',
    manufacturer: 'development',
    product: 1,
    serialNumber: 12345,
    timeCreated: date(firstS),
  } as never);
  if (descriptions.length > 0) {
    encoder.writeMesg({ mesgNum: Profile.MesgNum.DEVELOPER_DATA_ID!, ...developerDataIdMesg } as never);
    for (const { mesg } of descriptions)
      encoder.writeMesg({ mesgNum: Profile.MesgNum.FIELD_DESCRIPTION!, ...mesg } as never);
  }
  for (const r of input.records) {
    const mesg: Record<string, unknown> = { mesgNum: Profile.MesgNum.RECORD, timestamp: date(r.timeS) };
    if (r.power !== undefined) mesg.power = r.power;
    if (r.heartRate !== undefined) mesg.heartRate = r.heartRate;
    if (r.cadence !== undefined) mesg.cadence = r.cadence;
    if (r.speedMps !== undefined) mesg.enhancedSpeed = r.speedMps;
    if (r.distanceM !== undefined) mesg.distance = r.distanceM;
    if (r.altitudeM !== undefined) mesg.enhancedAltitude = r.altitudeM;
    if (r.latitude !== undefined) mesg.positionLat = Math.round(r.latitude * SEMICIRCLES_PER_DEGREE);
    if (r.longitude !== undefined) mesg.positionLong = Math.round(r.longitude * SEMICIRCLES_PER_DEGREE);
    if (r.developerFields) mesg.developerFields = r.developerFields;
    encoder.writeMesg(mesg as never);
  }
  if (input.session) {
    const startS = input.session.startS ?? firstS;
    const elapsedS = input.session.elapsedS ?? lastS - firstS + 1;
    encoder.writeMesg({
      mesgNum: Profile.MesgNum.SESSION!,
      timestamp: date(startS + elapsedS),
      startTime: date(startS),
      totalElapsedTime: elapsedS,
      totalTimerTime: input.session.timerS ?? elapsedS,
      sport: input.session.sport,
      subSport: input.session.subSport ?? 'generic',
    } as never);
  }
  return encoder.close();
}
