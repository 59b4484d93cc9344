import type { Engine } from '../../engine/engine.ts';
import type { Handlers } from '../handler-types.ts';

type MetabolicProfileOperation =
  | 'getMetabolicProfile'
  | 'listProfileMarkers'
  | 'setProfileMarker'
  | 'deleteProfileMarker'
  | 'getRecomputeStatus';

/** The metabolic profile, declared markers and the background re-derivation's progress. */
export function createProfileHandlers(engine: Engine): Pick<Handlers, MetabolicProfileOperation> {
  const { metabolicProfile } = engine;
  return {
    getMetabolicProfile: async ({ athleteId, query }) => metabolicProfile.profile(athleteId, query),
    listProfileMarkers: async ({ athleteId }) => metabolicProfile.listMarkers(athleteId),
    setProfileMarker: async ({ athleteId, params, body }) =>
      metabolicProfile.setMarker(athleteId, params.name, body),
    deleteProfileMarker: async ({ athleteId, params, query }) => {
      await metabolicProfile.deleteMarker(athleteId, params.name, query);
      return undefined;
    },
    getRecomputeStatus: async ({ athleteId }) => metabolicProfile.recomputeStatus(athleteId),
  };
}
