import type { Engine } from '../../engine/engine.ts';
import type { Handlers } from '../handler-types.ts';

type TestOperation =
  | 'listTests'
  | 'createTest'
  | 'getTest'
  | 'replaceTest'
  | 'deleteTest'
  | 'listTraces'
  | 'createTrace'
  | 'getTrace'
  | 'replaceTrace'
  | 'deleteTrace'
  | 'setActivityAppMetadata'
  | 'deleteActivityAppMetadata'
  | 'setTestAppMetadata'
  | 'deleteTestAppMetadata'
  | 'setTraceAppMetadata'
  | 'deleteTraceAppMetadata'
  | 'getProfileAppMetadata'
  | 'setProfileAppMetadata'
  | 'deleteProfileAppMetadata';

/**
 * Tests, traces and app metadata (WIRE.md §3.4–§3.6). Every record read here carries the calling
 * application's own `app_metadata` (none for personal keys); a test remembers the application
 * whose token created it (`created_by`, the token's audience).
 */
export function createTestHandlers(engine: Engine): Pick<Handlers, TestOperation> {
  const { tests, traces, appMetadata } = engine;
  const clientOf = (token: { audience?: string }) => token.audience ?? null;
  const stored = { message: 'Stored.' };
  return {
    listTests: async ({ athleteId, query, request }) =>
      appMetadata.attach(athleteId, request.token, await tests.list(athleteId, query)),
    createTest: async ({ athleteId, body, request }) =>
      appMetadata.attach(
        athleteId,
        request.token,
        await tests.create(athleteId, body, clientOf(request.token)),
      ),
    getTest: async ({ athleteId, params, query, request }) =>
      appMetadata.attach(athleteId, request.token, await tests.get(athleteId, params.id, query.traces)),
    replaceTest: async ({ athleteId, params, body, request }) => {
      await tests.replace(athleteId, params.id, body, clientOf(request.token));
      return { message: `Test ${params.id} replaced.` };
    },
    deleteTest: async ({ athleteId, params, request }) => {
      await tests.delete(athleteId, params.id, clientOf(request.token));
      return { message: `Test ${params.id} deleted.` };
    },
    listTraces: async ({ athleteId, query, request }) =>
      appMetadata.attach(athleteId, request.token, await traces.list(athleteId, query)),
    createTrace: async ({ athleteId, body, request }) =>
      appMetadata.attach(athleteId, request.token, await traces.create(athleteId, body)),
    getTrace: async ({ athleteId, params, request }) =>
      appMetadata.attach(athleteId, request.token, await traces.get(athleteId, params.id)),
    replaceTrace: async ({ athleteId, params, body }) => {
      await traces.replace(athleteId, params.id, body);
      return { message: `Trace ${params.id} replaced.` };
    },
    deleteTrace: async ({ athleteId, params }) => {
      await traces.delete(athleteId, params.id);
      return undefined;
    },
    setActivityAppMetadata: async ({ athleteId, params, body, request }) => {
      await appMetadata.set(athleteId, request.token, 'activity', params.id, body);
      return stored;
    },
    deleteActivityAppMetadata: async ({ athleteId, params, request }) => {
      await appMetadata.delete(athleteId, request.token, 'activity', params.id);
      return undefined;
    },
    setTestAppMetadata: async ({ athleteId, params, body, request }) => {
      await appMetadata.set(athleteId, request.token, 'test', params.id, body);
      return stored;
    },
    deleteTestAppMetadata: async ({ athleteId, params, request }) => {
      await appMetadata.delete(athleteId, request.token, 'test', params.id);
      return undefined;
    },
    setTraceAppMetadata: async ({ athleteId, params, body, request }) => {
      await appMetadata.set(athleteId, request.token, 'trace', params.id, body);
      return stored;
    },
    deleteTraceAppMetadata: async ({ athleteId, params, request }) => {
      await appMetadata.delete(athleteId, request.token, 'trace', params.id);
      return undefined;
    },
    getProfileAppMetadata: async ({ athleteId, request }) => appMetadata.getProfile(athleteId, request.token),
    setProfileAppMetadata: async ({ athleteId, body, request }) => {
      await appMetadata.set(athleteId, request.token, 'profile', '', body);
      return stored;
    },
    deleteProfileAppMetadata: async ({ athleteId, request }) => {
      await appMetadata.delete(athleteId, request.token, 'profile', '');
      return undefined;
    },
  };
}
