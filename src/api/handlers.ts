import type { FastifyRequest } from 'fastify';
import { PeakformError } from '../domain/errors.ts';
import type { SourceRecord } from '../domain/wire.ts';
import type { Engine, StagedUpload } from '../engine/engine.ts';
import type { Handlers } from './handler-types.ts';
import { createApplicationHandlers } from './handlers/application-handlers.ts';
import { createImportHandlers } from './handlers/import-handlers.ts';
import { createPageHandlers } from './handlers/pages-handlers.ts';
import { createProfileHandlers } from './handlers/profile-handlers.ts';
import { createTestHandlers } from './handlers/test-handlers.ts';
import { createUserHandlers } from './handlers/user-handlers.ts';
import { createWebhookHandlers } from './handlers/webhook-handlers.ts';
import { SharedJsonArray } from './shared-json.ts';

export type { Handler, HandlerContext, HandlerResult, Handlers } from './handler-types.ts';

export const MAX_UPLOAD_FILES = 10;

/** One handler per operation of the contract: each is a thin call into the engine's services. */
export function createHandlers(
  engine: Engine,
  options: { version: string; maxConcurrentUploads: number; publicUrl?: string | (() => string) },
): Handlers {
  const { activities, sources, longitudinal, profile } = engine;
  let uploadsInProgress = 0;

  /** Reads a multipart upload (parts named `files`, any name is read; `tags` fields) and ingests each file. */
  async function receiveUpload(request: FastifyRequest, athleteId: string) {
    if (!request.isMultipart()) {
      throw new PeakformError(
        'ERR_UPLOAD_NOT_MULTIPART',
        'Upload files as multipart/form-data, e.g. curl -F files=@ride.fit …/api/v1/activities/upload.',
      );
    }
    const files: { name: string; staged: StagedUpload }[] = [];
    const tags: string[] = [];
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file')
          files.push({ name: part.filename, staged: await sources.stageUpload(part.file) });
        else if (part.fieldname === 'tags' && typeof part.value === 'string' && part.value.trim())
          tags.push(part.value.trim());
      }
    } catch (error) {
      await Promise.all(files.map((file) => file.staged.discard()));
      // Limits come as Fastify's coded errors (413s); anything else is a body the parser could not read.
      if ((error as { code?: string }).code?.startsWith('FST_')) throw error;
      throw new PeakformError(
        'ERR_UPLOAD_MALFORMED',
        `The multipart body could not be read (${(error as Error).message}). Send multipart/form-data with a boundary and complete parts.`,
      );
    }
    if (files.length === 0) {
      throw new PeakformError(
        'ERR_UPLOAD_EMPTY',
        'The upload holds no file part. Attach files with -F files=@ride.fit.',
      );
    }
    let stored: SourceRecord[];
    try {
      // Several files go through the bulk path (decoded in parallel, one catalog commit).
      stored =
        files.length === 1
          ? [await files[0]!.staged.ingest(athleteId, { fileName: files[0]!.name, tags })]
          : await sources.ingestMany(
              athleteId,
              files.map((file) => ({ fileName: file.name, read: () => file.staged.read() })),
              { tags },
            );
    } finally {
      await Promise.all(files.map((file) => file.staged.discard()));
    }
    return { sources: stored };
  }
  return {
    // App metadata is attached for an app's token only; any other caller gets the catalog view's
    // shared records, serialized once each.
    listActivities: async ({ athleteId, query, request }) =>
      request.token.audience === undefined
        ? new SharedJsonArray(await activities.listShared(athleteId, query))
        : engine.appMetadata.attach(athleteId, request.token, await activities.list(athleteId, query)),
    getLatestActivity: async ({ athleteId, query, request }) =>
      engine.appMetadata.attach(athleteId, request.token, await activities.latest(athleteId, query.sport)),
    getActivity: async ({ athleteId, params, request }) =>
      engine.appMetadata.attach(athleteId, request.token, await activities.get(athleteId, params.id)),
    getActivityData: async ({ athleteId, params, query }) =>
      activities.data(athleteId, params.id, {
        metrics: query.metrics,
        segmentationOn: query.segmentation_on,
      }),
    getActivityMeanMax: async ({ athleteId, params, query }) =>
      activities.meanMax(athleteId, params.id, query),
    getActivityAccumulatedWorkDuration: async ({ athleteId, params, query }) =>
      activities.accumulatedWorkDuration(athleteId, params.id, query),
    deleteActivity: async ({ athleteId, params }) => {
      await activities.delete(athleteId, params.id);
      return undefined;
    },
    uploadActivities: async ({ athleteId, request, reply }) => {
      if (uploadsInProgress >= options.maxConcurrentUploads) {
        reply.header('retry-after', '1');
        throw new PeakformError(
          'ERR_UPLOAD_BUSY',
          `The server is processing ${uploadsInProgress} uploads; send this one again in a second.`,
        );
      }
      uploadsInProgress++;
      try {
        return await receiveUpload(request, athleteId);
      } finally {
        uploadsInProgress--;
      }
    },
    getBackfillStatus: async ({ athleteId }) => backfillLines(engine, athleteId),
    getSource: async ({ athleteId, params }) => sources.get(athleteId, params.id),
    getLongitudinalMeanMax: async ({ athleteId, query }) => longitudinal.meanMax(athleteId, query),
    getLongitudinalData: async ({ athleteId, query }) => longitudinal.data(athleteId, query),
    getLongitudinalAccumulatedWorkDuration: async ({ athleteId, query }) =>
      longitudinal.accumulatedWorkDuration(athleteId, query),
    getLongitudinalAggregate: async ({ athleteId, query }) => longitudinal.aggregate(athleteId, query),
    getProfileStatus: async ({ athleteId }) => profile.status(athleteId),
    listProfileSports: async ({ athleteId, query }) => profile.sports(athleteId, query.only_root ?? false),
    listProfileTags: async ({ athleteId }) => profile.tags(athleteId),
    getIntensityDurationModel: async ({ athleteId, query }) =>
      longitudinal.intensityDurationModel(athleteId, query),
    getTrainingLoad: async ({ athleteId, query }) => longitudinal.trainingLoad(athleteId, query),
    listThresholds: async ({ athleteId }) => profile.listThresholds(athleteId),
    setThresholds: async ({ athleteId, body }) => profile.setThresholds(athleteId, body),
    listDailies: async ({ athleteId, params, query }) =>
      engine.dailies.list(athleteId, params.measure, query),
    setDaily: async ({ athleteId, params, body }) =>
      engine.dailies.set(athleteId, params.measure, body.date, body.value),
    deleteDaily: async ({ athleteId, params, query }) => {
      await engine.dailies.delete(athleteId, params.measure, query.date);
      return undefined;
    },
    getHealth: async () => ({ status: 'ok' as const, version: options.version }),
    ...createApplicationHandlers(engine),
    ...createProfileHandlers(engine),
    ...createTestHandlers(engine),
    ...createUserHandlers(engine, { publicUrl: options.publicUrl }),
    ...createWebhookHandlers(engine),
    ...createImportHandlers(engine),
    ...createPageHandlers(engine, { publicUrl: options.publicUrl }),
  };
}

/** Without provider connections there is nothing to backfill: one line with the oldest activity's start. */
async function* backfillLines(engine: Engine, athleteId: string) {
  yield { backfill_loaded_until: await engine.activities.oldestStart(athleteId) };
}
