import { Field, RecordBatchStreamWriter, Schema } from 'apache-arrow';
import { METRICS } from '../../domain/metrics.ts';
import type { ColumnType } from '../../store/column-batch.ts';
import { arrowType } from './arrow-ipc-stream.ts';
import { arrowSchemaMetadata } from './arrow-schema-metadata.ts';
import { csvHeader } from './csv.ts';
import { type LakeArrowPool, LakeFileMissing, lakeArrowPool } from './lake-arrow-pool.ts';
import type { LakeFileOutput, LakeFormat } from './lake-arrow-task.ts';
import type { LakeArrowColumn, LakeArrowFile, LakeArrowSource } from './lake-files.ts';
import type { LakeParquetPart } from './lake-parquet-part.ts';
import { MAGIC, type ParquetRowGroup, parquetFooter, shiftedChunk } from './parquet-write.ts';

/**
 * An Arrow result read straight from the lake's samples files: the output columns, where each
 * comes from, and the files in output order with their row counts (from the catalog).
 */
export interface LakePlan {
  columns: readonly LakeArrowColumn[];
  files: readonly LakePlanFile[];
  /**
   * The file of an activity as the catalog names it now (undefined: the activity is gone). A
   * write that re-derives an activity (a recompute) replaces its files and removes the old ones
   * at commit; a read planned before that asks again rather than fail (`readCurrent`).
   */
  current?: (file: LakeArrowFile) => Promise<LakePlanFile | undefined>;
}

export type LakePlanFile = LakeArrowFile & { rows: number };

/** Times a job is planned again after its files were replaced under it, before it fails. */
const MAX_REPLANS = 3;

/** Files are sent to the workers in groups of about this many rows (one record batch per file). */
const ROWS_PER_JOB = 32_768;
/** …and at most this many files (a catalog without row counts still makes small jobs). */
const FILES_PER_JOB = 16;
/** Parquet jobs are a row group each (joined from their files): DuckDB's row group size. */
const PARQUET_ROWS_PER_JOB = 122_880;
const PARQUET_FILES_PER_JOB = 64;

/**
 * Writes the plan's Arrow IPC stream: the schema message at once, then the record batches that
 * the worker pool decodes from the lake's files, then the end-of-stream marker.
 */
export async function* streamLakeArrow(
  plan: LakePlan,
  pool: LakeArrowPool = lakeArrowPool(),
): AsyncGenerator<Uint8Array> {
  const { schema, endOfStream } = schemaAndEnd(plan.columns);
  yield schema;
  yield* fileMessages(plan, 'arrow', pool) as AsyncGenerator<Uint8Array>;
  yield endOfStream;
}

/**
 * Writes the plan's rows as one Parquet file, the rows, schema and `ARROW:schema` of DuckDB's
 * export of the same query: each job's part as the worker pool makes it (its files' stored pages
 * kept as encoded, runs of files joined into row groups, `joinedParquetPart`), then the footer.
 */
export async function* streamLakeParquet(
  plan: LakePlan,
  pool: LakeArrowPool = lakeArrowPool(),
): AsyncGenerator<Uint8Array> {
  yield MAGIC.slice();
  let at = MAGIC.length;
  const rowGroups: ParquetRowGroup[] = [];
  for await (const output of fileMessages(plan, 'parquet', pool)) {
    const part = output as LakeParquetPart;
    for (const group of part.rowGroups)
      rowGroups.push({ rows: group.rows, chunks: group.chunks.map((chunk) => shiftedChunk(chunk, at)) });
    if (part.bytes.length > 0) yield part.bytes;
    at += part.bytes.length;
  }
  yield parquetFooter(plan.columns, rowGroups, { 'ARROW:schema': arrowSchemaMetadata(plan.columns) });
}

/**
 * Writes the plan's rows as CSV, the text `writeCsv` gives for the same rows: the header line,
 * then each file's lines as the worker pool formats them.
 */
export async function* streamLakeCsv(
  plan: LakePlan,
  pool: LakeArrowPool = lakeArrowPool(),
): AsyncGenerator<Uint8Array> {
  yield Buffer.from(csvHeader(plan.columns.map((c) => c.name)));
  for await (const lines of fileMessages(plan, 'csv', pool) as AsyncGenerator<Uint8Array>)
    if (lines.byteLength > 0) yield lines;
}

/** Writes the plan's rows as a JSON array of row objects, the text `writeJsonRows` gives. */
export async function* streamLakeJson(
  plan: LakePlan,
  pool: LakeArrowPool = lakeArrowPool(),
): AsyncGenerator<Uint8Array> {
  yield Buffer.from('[');
  let first = true;
  for await (const rows of fileMessages(plan, 'json', pool) as AsyncGenerator<Uint8Array>) {
    if (rows.byteLength === 0) continue;
    if (!first) yield Buffer.from(',');
    yield rows;
    first = false;
  }
  yield Buffer.from(']');
}

/**
 * What the worker pool makes of the plan's files, one message per file in order: several files
 * per job, at most two jobs per worker in flight, so memory holds a few files' output whatever
 * the result size, and the consumer's pace sets the workers'.
 */
async function* fileMessages(
  plan: LakePlan,
  format: LakeFormat,
  pool: LakeArrowPool,
): AsyncGenerator<LakeFileOutput> {
  const jobs =
    format === 'parquet'
      ? groupFiles(plan.files, PARQUET_ROWS_PER_JOB, PARQUET_FILES_PER_JOB)
      : groupFiles(plan.files, ROWS_PER_JOB, FILES_PER_JOB);
  const window = 2 * pool.size;
  const inFlight: Promise<LakeFileOutput[]>[] = [];
  let next = 0;
  const submit = () => {
    while (inFlight.length < window && next < jobs.length) {
      const job = readCurrent(plan, jobs[next++]!, format, pool);
      // Handled now: a later job may fail while an earlier one is awaited (the error surfaces
      // when its turn comes, or is dropped with the stream).
      job.catch(() => undefined);
      inFlight.push(job);
    }
  };
  // A consumer that stops early leaves the jobs in flight running; their results are dropped.
  submit();
  while (inFlight.length > 0) {
    const messages = await inFlight[0]!;
    inFlight.shift();
    submit();
    yield* messages;
  }
}

/**
 * A job's outputs; when one of its files has gone since the plan was made, its files as the
 * catalog names them now (an activity deleted meanwhile is left out), a few times at most.
 */
async function readCurrent(
  plan: LakePlan,
  files: LakeArrowFile[],
  format: LakeFormat,
  pool: LakeArrowPool,
): Promise<LakeFileOutput[]> {
  for (let replans = 0; ; replans++) {
    try {
      return await pool.encode({ columns: plan.columns, files, format });
    } catch (error) {
      if (!(error instanceof LakeFileMissing) || !plan.current || replans === MAX_REPLANS) throw error;
      const current = await Promise.all(files.map((file) => plan.current!(file)));
      files = current.flatMap((file) => {
        if (!file) return [];
        const { rows: _, ...rest } = file;
        return [rest];
      });
    }
  }
}

/**
 * The files in jobs of at most `rowsPerJob` rows (a longer file alone) and `filesPerJob` files.
 * The first job is one file, so the first batch (read before the status is sent) comes soon.
 */
function groupFiles(files: LakePlan['files'], rowsPerJob: number, filesPerJob: number): LakeArrowFile[][] {
  const jobs: LakeArrowFile[][] = [];
  let job: LakeArrowFile[] = [];
  let rows = 0;
  const close = () => {
    jobs.push(job);
    job = [];
    rows = 0;
  };
  for (const { rows: n, ...file } of files) {
    if (job.length > 0 && (rows + n > rowsPerJob || job.length >= filesPerJob)) close();
    job.push(file);
    rows += n;
    if (jobs.length === 0) close();
  }
  if (job.length > 0) close();
  return jobs;
}

/** The schema message and the end-of-stream marker, as apache-arrow's stream writer writes them. */
function schemaAndEnd(columns: readonly LakeArrowColumn[]): { schema: Uint8Array; endOfStream: Uint8Array } {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, new Schema(columns.map((c) => new Field(c.name, arrowType(c.type), true))));
  writer.finish();
  const bytes = writer.toUint8Array(true);
  return { schema: bytes.slice(0, bytes.length - 8), endOfStream: bytes.slice(bytes.length - 8) };
}

/**
 * Where each output column of a samples result comes from: the file's stored columns (the
 * metrics table's), the catalog's per-activity values, 1 s per row for `duration`, and nulls for
 * the wire metrics Peakform does not record.
 */
export function lakeArrowColumns(columns: readonly { name: string; type: ColumnType }[]): LakeArrowColumn[] {
  return columns.map((c) => ({ ...c, source: sourceOf(c.name) }));
}

function sourceOf(name: string): LakeArrowSource {
  switch (name) {
    case 'timestamp':
      return 'stored';
    case 'timestamp_local':
    case 'activity_id':
    case 'sport':
    case 'duration':
      return name;
    default:
      return METRICS.some((m) => m.name === name) ? 'stored' : 'null';
  }
}
