import { z } from 'zod';
import { SourceSchema } from './wire.ts';

/**
 * Wire shapes of import jobs (a Peakform addition beside WIRE.md §3.3's upload): files staged on
 * the server and ingested in the background through the bulk path, with progress to poll.
 */

/**
 * A job's life: `queued` (waiting for a slot; one job per athlete runs at a time) → `running` →
 * `succeeded` (every file was tried: each is processed, duplicate or failed), `failed` (the job
 * itself could not go on, e.g. a full disk: `error` says why; committed batches stay) or
 * `cancelled` (by DELETE, between batches; committed batches stay).
 */
export const IMPORT_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type ImportState = (typeof IMPORT_STATES)[number];

/** A file's outcome: not reached yet, stored, stored before, unreadable, or left out when the job ended early. */
export const IMPORT_FILE_STATES = ['pending', 'processed', 'duplicate', 'failed', 'skipped'] as const;
export type ImportFileState = (typeof IMPORT_FILE_STATES)[number];

export const ImportIdParamsSchema = z.object({
  id: z.string().regex(/^imp_[0-9a-f]{1,40}$/, 'an import id looks like imp_…'),
});

export const ImportListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

const instant = () => z.string().describe('UTC instant, ISO 8601 with Z.');

/** Why a file failed, as the problem the upload of that file alone would carry in its source. */
export const ImportFileProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
  })
  .meta({ id: 'ImportFileProblem' });

export const ImportFileSchema = z
  .object({
    index: z.number().int().describe('Position in the upload, from 0.'),
    filename: z.string().nullable(),
    size_bytes: z.number().int(),
    state: z.enum(IMPORT_FILE_STATES),
    source: SourceSchema.nullable().describe(
      'What the upload route answers for this file (null while pending or when skipped).',
    ),
    problem: ImportFileProblemSchema.nullable().describe('Why the file failed (null unless failed).'),
  })
  .meta({ id: 'ImportFile' });

export const ImportJobSchema = z
  .object({
    id: z.string(),
    state: z.enum(IMPORT_STATES),
    cancel_requested: z
      .boolean()
      .describe('DELETE was called; a running job stops at the end of its current batch.'),
    tags: z.array(z.string()),
    created_at: instant(),
    started_at: instant().nullable(),
    finished_at: instant().nullable(),
    queue_position: z
      .number()
      .int()
      .nullable()
      .describe('While queued: jobs ahead of this one on the server (0: next); else null.'),
    files_total: z.number().int(),
    files_done: z.number().int().describe('Processed, duplicate or failed so far.'),
    files_duplicate: z.number().int(),
    files_failed: z.number().int(),
    bytes_total: z.number().int(),
    bytes_done: z.number().int(),
    samples: z.number().int().describe('Samples (rows) written so far.'),
    activities: z.number().int().describe('Activities written so far.'),
    elapsed_s: z.number().describe('Seconds spent running (restarts excluded).'),
    samples_per_s: z.number().nullable().describe('samples / elapsed_s; null before the first batch.'),
    eta_s: z
      .number()
      .nullable()
      .describe('Seconds left at the rate so far, by bytes; null before the first batch and once finished.'),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe('Why a failed job stopped.'),
    files: z.array(ImportFileSchema).describe('One entry per file, in upload order.'),
  })
  .meta({ id: 'ImportJob' });
export type ImportJob = z.infer<typeof ImportJobSchema>;
export type ImportFile = z.infer<typeof ImportFileSchema>;
