import type { DataIssue } from '../../domain/issue.ts';
import { toSnakeCase } from '../to-snake-case.ts';

/**
 * FIT sport / sub_sport (names as the Garmin SDK spells them) → Open Sport Taxonomy code. A `*`
 * sub-sport is the sport's default, used for `generic` and for sub-sports not listed.
 */
export const FIT_SPORT_TABLE: readonly (readonly [sport: string, subSport: string, ost: string])[] = [
  ['running', '*', 'running'],
  ['running', 'street', 'running.road'],
  ['running', 'trail', 'running.trail'],
  ['running', 'track', 'running.track'],
  ['running', 'treadmill', 'running+stationary'],
  ['running', 'indoorRunning', 'running+stationary'],
  ['running', 'virtualActivity', 'running+stationary+virtual'],
  ['cycling', '*', 'cycling'],
  ['cycling', 'road', 'cycling.road'],
  ['cycling', 'mountain', 'cycling.mountain'],
  ['cycling', 'downhill', 'cycling.mountain.downhill'],
  ['cycling', 'gravelCycling', 'cycling.gravel'],
  ['cycling', 'cyclocross', 'cycling.cyclocross'],
  ['cycling', 'trackCycling', 'cycling.track'],
  ['cycling', 'recumbent', 'cycling.recumbent'],
  ['cycling', 'handCycling', 'cycling.hand'],
  ['cycling', 'indoorHandCycling', 'cycling.hand+stationary'],
  ['cycling', 'bmx', 'cycling.bmx'],
  ['cycling', 'indoorCycling', 'cycling+stationary'],
  ['cycling', 'spin', 'cycling+stationary'],
  ['cycling', 'virtualActivity', 'cycling+stationary+virtual'],
  ['cycling', 'eBikeMountain', 'cycling.mountain+electric'],
  ['eBiking', '*', 'cycling+electric'],
  ['eBiking', 'eBikeMountain', 'cycling.mountain+electric'],
  ['transition', '*', 'transition'],
  ['swimming', '*', 'swimming'],
  ['swimming', 'lapSwimming', 'swimming.pool'],
  ['swimming', 'openWater', 'swimming.open_water'],
  ['rowing', '*', 'rowing'],
  ['rowing', 'indoorRowing', 'rowing+stationary'],
  ['walking', '*', 'walking'],
  ['walking', 'indoorWalking', 'walking+stationary'],
  ['hiking', '*', 'hiking'],
  ['crossCountrySkiing', '*', 'xc_skiing'],
  ['crossCountrySkiing', 'skateSkiing', 'xc_skiing.skate'],
  ['crossCountrySkiing', 'backcountry', 'xc_skiing.backcountry'],
  ['crossCountrySkiing', 'indoorSkiing', 'xc_skiing+stationary'],
  ['fitnessEquipment', '*', 'fitness_equipment'],
  ['fitnessEquipment', 'indoorCycling', 'cycling+stationary'],
  ['fitnessEquipment', 'treadmill', 'running+stationary'],
  ['fitnessEquipment', 'indoorRowing', 'rowing+stationary'],
  ['fitnessEquipment', 'indoorSkiing', 'xc_skiing+stationary'],
  ['fitnessEquipment', 'elliptical', 'elliptical'],
  ['fitnessEquipment', 'stairClimbing', 'stair_climbing'],
  ['multisport', '*', 'multisport'],
];

const BY_KEY = new Map(FIT_SPORT_TABLE.map(([sport, subSport, ost]) => [`${sport}/${subSport}`, ost]));

export interface MappedSport {
  sport: string;
  issue: DataIssue | null;
}

/**
 * The OST code for a FIT sport pair. A sport the SDK knows but the table does not list keeps its
 * own name in snake_case (`alpineSkiing` → `alpine_skiing`: unknown but well-formed codes are kept,
 * DESIGN.md §2); a missing, `generic` or unnumbered sport becomes `generic` with an issue.
 */
export function mapFitSport(sport: unknown, subSport: unknown): MappedSport {
  if (typeof sport !== 'string' || sport === 'generic') {
    return {
      sport: 'generic',
      issue: {
        code: 'unknown_sport',
        message: 'The file does not say which sport this is; it was stored as "generic".',
        details: { fitSport: sport ?? null, fitSubSport: subSport ?? null },
      },
    };
  }
  const ost = BY_KEY.get(`${sport}/${String(subSport)}`) ?? BY_KEY.get(`${sport}/*`) ?? toSnakeCase(sport);
  return { sport: ost, issue: null };
}
