import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { DAILY_SOURCES } from '../../domain/daily-measures.ts';
import { PeakformError } from '../../domain/errors.ts';
import type { SourceRecord } from '../../domain/wire.ts';
import { ActivityListQuerySchema, ThresholdsSchema } from '../../domain/wire.ts';
import { DELIVERY_STATUSES, WEBHOOK_SCHEMES } from '../../domain/wire-webhooks.ts';
import type { Engine } from '../../engine/engine.ts';
import type { IngestProgressFigures } from '../ingest-progress.ts';

/**
 * The operations a CLI command runs against an engine: in its own process when the data dir is
 * free, or inside a running `peakform serve` through the admin socket (DuckDB lets one process
 * hold a data dir). Each operation is one entry of `ADMIN_OPS`: a zod schema of its request
 * (what arrives on the socket is validated by it) and the function that runs it. Results must be
 * JSON-serialisable: they travel as JSON over the socket and, in-process, are passed through JSON
 * too, so that a command prints the same either way.
 *
 * To add an operation: one entry here (schema with `op: z.literal('<area>.<verb>')`, and `run`),
 * then call `runAdmin(dataFlag, { op: '<area>.<verb>', … })` from the command.
 */

/** Hooks that only an in-process run calls (a remote run has no progress bar). */
export interface AdminHooks {
  progress?: { start(total: number): void; tick(label: string): void };
  /** After each committed batch of a bulk ingest: its results (from `firstIndex`) and the totals. */
  ingestBatch?: (sources: SourceRecord[], firstIndex: number, progress: IngestProgressFigures) => void;
}

const athleteId = z.string();
/** Files are named by absolute path: the server reads them (same machine, same user). */
const absolutePath = z.string().refine(isAbsolute, 'an absolute path');

/** One operation: the fields of its request (unknown fields are refused) and what runs it. */
function op<Shape extends z.ZodRawShape, R>(
  shape: Shape,
  run: (
    engine: Engine,
    request: z.infer<z.ZodObject<Shape, z.core.$strict>>,
    hooks: AdminHooks,
  ) => Promise<R>,
) {
  return { schema: z.strictObject(shape), run };
}

/** Webhooks of an app (issue 10), for `peakform webhook …`; the operator manages every app. */
const WEBHOOK_OPS = {
  'webhooks.list': op({ op: z.literal('webhooks.list'), clientId: z.string() }, (engine, r) =>
    engine.webhooks.listEndpoints(null, r.clientId),
  ),
  'webhooks.add': op(
    {
      op: z.literal('webhooks.add'),
      clientId: z.string(),
      url: z.string(),
      scheme: z.enum(WEBHOOK_SCHEMES).optional(),
    },
    (engine, r) => engine.webhooks.addEndpoint(null, r.clientId, { url: r.url, scheme: r.scheme }),
  ),
  'webhooks.remove': op(
    { op: z.literal('webhooks.remove'), clientId: z.string(), endpointId: z.string() },
    async (engine, r) => {
      await engine.webhooks.removeEndpoint(null, r.clientId, r.endpointId);
      return { removed: r.endpointId };
    },
  ),
  'webhooks.enable': op(
    { op: z.literal('webhooks.enable'), clientId: z.string(), endpointId: z.string() },
    (engine, r) => engine.webhooks.enableEndpoint(null, r.clientId, r.endpointId),
  ),
  'webhooks.rotate': op(
    { op: z.literal('webhooks.rotate'), clientId: z.string(), overlapS: z.number().int().min(0).optional() },
    async (engine, r) => {
      const rotated = await engine.webhooks.rotateSecret(null, r.clientId, r.overlapS);
      return {
        webhook_secret: rotated.secret,
        previous_secret_expires_at: rotated.previousExpiresAt?.toISOString() ?? null,
      };
    },
  ),
  'webhooks.deliveries': op(
    {
      op: z.literal('webhooks.deliveries'),
      clientId: z.string(),
      endpointId: z.string().optional(),
      status: z.enum(DELIVERY_STATUSES).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    },
    (engine, r) =>
      engine.webhooks.deliveries(null, r.clientId, {
        endpointId: r.endpointId,
        status: r.status,
        limit: r.limit,
      }),
  ),
  'webhooks.replay': op(
    {
      op: z.literal('webhooks.replay'),
      clientId: z.string(),
      endpointId: z.string(),
      eventId: z.string().optional(),
      start: z.string().optional(),
      end: z.string().optional(),
    },
    async (engine, r) => {
      const ids = await engine.webhooks.replay(null, r.clientId, r.endpointId, r);
      return { replayed: ids.length, delivery_ids: ids };
    },
  ),
  'webhooks.events': op(
    {
      op: z.literal('webhooks.events'),
      clientId: z.string(),
      after: z
        .string()
        .regex(/^\d{1,18}$/)
        .optional(),
      limit: z.number().int().min(1).max(10_000).optional(),
    },
    async (engine, r) => {
      await engine.webhooks.assertOwner(null, r.clientId);
      return (await engine.webhooks.events(r.clientId, { after: r.after, limit: r.limit })).map((e) => ({
        ...e,
        seq: String(e.seq),
      }));
    },
  ),
};

export const ADMIN_OPS = {
  'tokens.create': op(
    {
      op: z.literal('tokens.create'),
      athleteId,
      name: z.string().optional(),
      scopes: z.array(z.string()).optional(),
      expiresInS: z.number().optional(),
      /** An application token for this client id, as a completed authorization would give. */
      clientId: z.string().optional(),
    },
    async (engine, r) => {
      if (r.clientId !== undefined && !(await engine.identity.applications.exists(r.clientId))) {
        throw new PeakformError(
          'ERR_APPLICATION_NOT_FOUND',
          `No application ${r.clientId}. List them with \`peakform app list\`.`,
          404,
        );
      }
      return engine.tokens.create(r.athleteId, {
        name: r.name,
        scopes: r.scopes,
        expiresInS: r.expiresInS,
        clientId: r.clientId,
      });
    },
  ),
  'tokens.list': op({ op: z.literal('tokens.list'), athleteId }, (engine, r) =>
    engine.tokens.list(r.athleteId),
  ),
  'tokens.revoke': op(
    { op: z.literal('tokens.revoke'), athleteId, tokenId: z.string() },
    async (engine, r) => {
      await engine.tokens.revoke(r.athleteId, r.tokenId);
      return { revoked: r.tokenId };
    },
  ),
  'thresholds.set': op(
    { op: z.literal('thresholds.set'), athleteId, thresholds: ThresholdsSchema },
    (engine, r) => engine.profile.setThresholds(r.athleteId, r.thresholds),
  ),
  'thresholds.list': op({ op: z.literal('thresholds.list'), athleteId }, (engine, r) =>
    engine.profile.listThresholds(r.athleteId),
  ),
  'sources.recompute': op(
    { op: z.literal('sources.recompute'), athleteId: athleteId.optional() },
    async (engine, r, { progress }) => {
      progress?.start(await engine.sources.count(r.athleteId));
      return engine.sources.recompute(r.athleteId, (source) => progress?.tick(source.filename ?? source.id));
    },
  ),
  /** One file per request, so that the CLI prints each result as it comes. */
  'sources.ingest': op(
    {
      op: z.literal('sources.ingest'),
      athleteId,
      path: absolutePath,
      fileName: z.string(),
      tags: z.array(z.string()).optional(),
    },
    async (engine, r) =>
      engine.sources.ingest(r.athleteId, await readRequestFile(r.path), {
        fileName: r.fileName,
        tags: r.tags,
      }),
  ),
  /**
   * Many files of one athlete through the bulk path (a folder): one result per file, in order. In
   * process, `ingestBatch` hears each batch as it commits.
   */
  'sources.ingestMany': op(
    {
      op: z.literal('sources.ingestMany'),
      athleteId,
      files: z.array(z.strictObject({ path: absolutePath, fileName: z.string() })),
      tags: z.array(z.string()).optional(),
    },
    (engine, r, { ingestBatch }) =>
      engine.sources.ingestMany(
        r.athleteId,
        r.files.map((f) => ({ fileName: f.fileName, read: () => readRequestFile(f.path) })),
        { ...(r.tags ? { tags: r.tags } : {}), ...(ingestBatch ? { onBatch: ingestBatch } : {}) },
      ),
  ),
  'activities.list': op(
    { op: z.literal('activities.list'), athleteId, query: ActivityListQuerySchema },
    (engine, r) => engine.activities.list(r.athleteId, r.query),
  ),
  'dailies.import': op(
    {
      op: z.literal('dailies.import'),
      athleteId,
      path: absolutePath,
      source: z.enum(DAILY_SOURCES),
    },
    async (engine, r) =>
      engine.dailies.importCsv(r.athleteId, (await readRequestFile(r.path)).toString('utf8'), r.source),
  ),
  'users.create': op(
    {
      op: z.literal('users.create'),
      email: z.string(),
      password: z.string(),
      athleteId: athleteId.optional(),
      firstName: z.string().optional(),
      lastName: z.string().optional(),
    },
    async (engine, r) => {
      const account = await engine.identity.accounts.signUp({
        email: r.email,
        password: r.password,
        athleteId: r.athleteId,
        firstName: r.firstName,
        lastName: r.lastName,
      });
      return { id: account.id, email: account.email, display_name: account.displayName };
    },
  ),
  'apps.create': op(
    {
      op: z.literal('apps.create'),
      name: z.string(),
      owner: athleteId.optional(),
      description: z.string().optional(),
      redirectUris: z.array(z.string()),
      confidential: z.boolean(),
      /** Webhook endpoints (signed `sweatstack`); the app's webhook secret is made either way. */
      webhookUrls: z.array(z.string()).optional(),
    },
    async (engine, r) => {
      const { application, secret } = await engine.identity.applications.create(r.owner ?? null, {
        name: r.name,
        description: r.description,
        redirectUris: r.redirectUris,
        confidential: r.confidential,
      });
      const endpoints = await engine.webhooks.setEndpointUrls(null, application.id, r.webhookUrls ?? []);
      return {
        client_id: application.id,
        name: application.name,
        confidential: application.isConfidential,
        redirect_uris: application.redirectUris,
        ...(secret ? { client_secret: secret.secret, secret_id: secret.id } : {}),
        webhook_endpoints: endpoints.map((e) => e.url),
        webhook_secret: await engine.webhooks.secret(null, application.id),
      };
    },
  ),
  'apps.list': op({ op: z.literal('apps.list'), owner: athleteId.optional() }, async (engine, r) =>
    (await engine.identity.applications.list(r.owner ?? null)).map((app) => ({
      client_id: app.id,
      name: app.name,
      confidential: app.isConfidential,
      owner: app.ownerId || null,
      redirect_uris: app.redirectUris,
    })),
  ),
  'apps.delete': op({ op: z.literal('apps.delete'), clientId: z.string() }, async (engine, r) => {
    await engine.identity.deleteApplication(null, r.clientId);
    await engine.webhooks.forgetApplication(r.clientId);
    await engine.pages.forgetApplication(r.clientId);
    return { deleted: r.clientId };
  }),
  'apps.secrets.add': op(
    { op: z.literal('apps.secrets.add'), clientId: z.string(), label: z.string().optional() },
    async (engine, r) => {
      const secret = await engine.identity.applications.addSecret(null, r.clientId, r.label);
      return { id: secret.id, label: secret.label, client_secret: secret.secret };
    },
  ),
  'apps.secrets.list': op({ op: z.literal('apps.secrets.list'), clientId: z.string() }, (engine, r) =>
    engine.identity.applications.listSecrets(null, r.clientId),
  ),
  'apps.secrets.delete': op(
    { op: z.literal('apps.secrets.delete'), clientId: z.string(), secretId: z.string() },
    async (engine, r) => {
      await engine.identity.applications.deleteSecret(null, r.clientId, r.secretId);
      return { deleted: r.secretId };
    },
  ),
  ...WEBHOOK_OPS,
  'keys.list': op({ op: z.literal('keys.list') }, (engine) => engine.tokens.listSigningKeys()),
  'keys.rotate': op({ op: z.literal('keys.rotate') }, async (engine) => ({
    kid: await engine.tokens.rotateSigningKey(),
  })),
  'teams.create': op(
    {
      op: z.literal('teams.create'),
      name: z.string(),
      owner: athleteId,
      description: z.string().optional(),
    },
    async (engine, r) => {
      const team = await engine.teams.create(r.owner, { name: r.name, description: r.description });
      return { id: team.id, name: team.name, description: team.description, owner: r.owner };
    },
  ),
  'teams.addMember': op(
    {
      op: z.literal('teams.addMember'),
      teamId: z.string(),
      userId: athleteId,
      role: z.enum(['owner', 'member']),
    },
    async (engine, r) => {
      // The operator adds anyone (null actor); the user must exist.
      await engine.teams.addMember(r.teamId, r.userId, r.role, null, (id) =>
        engine.delegation.userExists(id),
      );
      return { team_id: r.teamId, user_id: r.userId, role: r.role };
    },
  ),
  'teams.removeMember': op(
    { op: z.literal('teams.removeMember'), teamId: z.string(), userId: athleteId },
    async (engine, r) => {
      // The operator removes anyone but the last owner (null actor).
      await engine.teams.removeMember(r.teamId, r.userId, null);
      return { team_id: r.teamId, user_id: r.userId };
    },
  ),
  'store.backup': op(
    {
      op: z.literal('store.backup'),
      target: z.string().refine(isAbsolute, 'an absolute path (the server may run in another folder)'),
    },
    async (engine, r) => engine.backup(r.target),
  ),
  'teams.list': op({ op: z.literal('teams.list'), userId: athleteId }, async (engine, r) =>
    engine.teams.teamsOf(r.userId).map(({ team, role }) => ({
      id: team.id,
      name: team.name,
      description: team.description,
      role,
    })),
  ),
  check: op({ op: z.literal('check') }, async (engine) => ({
    problems: await engine.checkConsistency(),
  })),
};

export type AdminOp = keyof typeof ADMIN_OPS;
export type AdminRequestOf<K extends AdminOp> = z.input<(typeof ADMIN_OPS)[K]['schema']>;
/** One request per operation, discriminated by `op`. */
export type AdminRequest = { [K in AdminOp]: AdminRequestOf<K> }[AdminOp];
export type AdminResult<K extends AdminOp> = Awaited<ReturnType<(typeof ADMIN_OPS)[K]['run']>>;

/** Validates a request (from the socket or from a command); a mistake is `ERR_REQUEST_INVALID`. */
export function parseAdminRequest(value: unknown): AdminRequest {
  const name = (value as { op?: unknown } | null)?.op;
  if (typeof name !== 'string' || !Object.hasOwn(ADMIN_OPS, name)) {
    throw new PeakformError(
      'ERR_REQUEST_INVALID',
      `Unknown admin operation ${JSON.stringify(name ?? null)}; known: ${Object.keys(ADMIN_OPS).join(', ')}.`,
      400,
    );
  }
  const parsed = ADMIN_OPS[name as AdminOp].schema.safeParse(value);
  if (!parsed.success) {
    throw new PeakformError(
      'ERR_REQUEST_INVALID',
      `Invalid ${name} request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ')}.`,
      400,
    );
  }
  return parsed.data as AdminRequest;
}

/** Runs one request against an engine and returns its JSON-serialisable result. */
export async function executeAdmin(
  engine: Engine,
  request: unknown,
  hooks: AdminHooks = {},
): Promise<unknown> {
  const parsed = parseAdminRequest(request);
  const entry = ADMIN_OPS[parsed.op] as {
    run: (engine: Engine, request: AdminRequest, hooks: AdminHooks) => Promise<unknown>;
  };
  return entry.run(engine, parsed, hooks);
}

/** A file named in a request; one that cannot be read is the caller's mistake, said the same way in and out of process. */
async function readRequestFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new PeakformError('ERR_REQUEST_INVALID', `Cannot read ${path} (${reason}).`, 400);
  }
}
