import type { ReadResult, SourceFormat } from '../domain/activity.ts';
import { UnreadableFileError } from '../domain/errors.ts';
import { readCsv } from './csv/read-csv.ts';
import { detectFormat, extensionOf } from './detect-format.ts';
import { type ReadFitOptions, readFit } from './fit/read-fit.ts';
import { readGpx } from './gpx/read-gpx.ts';
import { MAX_ACTIVITIES_PER_FILE } from './recording-bounds.ts';
import { readTcx } from './tcx/read-tcx.ts';

/** Every format reader has this shape: bytes in, canonical activities out, or UnreadableFileError. */
export type FormatReader = (bytes: Uint8Array) => ReadResult;

export const FORMAT_READERS: Readonly<Record<SourceFormat, FormatReader>> = {
  fit: readFit,
  tcx: readTcx,
  gpx: readGpx,
  csv: readCsv,
};

const ACCEPTED =
  'Accepted formats: FIT (.fit), TCX (.tcx), GPX (.gpx) and CSV (.csv, with a `timestamp` column in ISO 8601 with `Z` or an offset).';

export interface ReadActivityFileOptions {
  /** FIT only: how records are read (readFit's option); for tests and benches, the answer is the same. */
  fit?: ReadFitOptions;
}

/**
 * Reads an activity file of any supported format. The format is found from the content, so a
 * wrong extension does not matter. Returns the activities with their data-quality issues (at most
 * MAX_ACTIVITIES_PER_FILE activities, each spanning at most MAX_ACTIVITY_SPAN_S); throws
 * UnreadableFileError (a user's mistake, HTTP 422) only when nothing usable remains, and for any
 * other failure while decoding, so that every upload ends as a source, processed or failed.
 */
export function readActivityFile(
  bytes: Uint8Array,
  fileName?: string,
  options: ReadActivityFileOptions = {},
): ReadResult {
  let format: SourceFormat | null = null;
  try {
    format = detectFormat(bytes, fileName);
    if (format === null)
      throw new UnreadableFileError(unrecognizedMessage(bytes, fileName), { fileName: fileName ?? null });
    const result =
      format === 'fit' && options.fit ? readFit(bytes, 'fast', options.fit) : FORMAT_READERS[format](bytes);
    return withActivityLimit(result);
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    // Hostile bytes can reach corners of third-party decoders that throw plain errors (or exhaust
    // the stack); the file is what is broken, so the caller gets a 422 with a message free of
    // internals, and the original stays on `cause` for the server log.
    const name = format ? `${format.toUpperCase()} file` : 'file';
    const unreadable = new UnreadableFileError(
      `This ${name} could not be decoded; it is probably damaged. Export it again from the device or service. ${ACCEPTED}`,
      { format, fileName: fileName ?? null },
      'ERR_INGEST_DECODE_FAILED',
    );
    unreadable.cause = error;
    throw unreadable;
  }
}

/** A file never yields more than MAX_ACTIVITIES_PER_FILE activities; the first ones in file order stay. */
function withActivityLimit(result: ReadResult): ReadResult {
  if (result.activities.length <= MAX_ACTIVITIES_PER_FILE) return result;
  return {
    ...result,
    activities: result.activities.slice(0, MAX_ACTIVITIES_PER_FILE),
    issues: [
      ...result.issues,
      {
        code: 'activity_limit',
        message: `The file holds ${result.activities.length} activities; the first ${MAX_ACTIVITIES_PER_FILE} were kept.`,
        details: { activities: result.activities.length, maxActivities: MAX_ACTIVITIES_PER_FILE },
      },
    ],
  };
}

function unrecognizedMessage(bytes: Uint8Array, fileName: string | undefined): string {
  if (bytes.length === 0) return `The file is empty. ${ACCEPTED}`;
  const extension = extensionOf(fileName);
  const claimed =
    extension && ['fit', 'tcx', 'gpx', 'csv'].includes(extension)
      ? ` It is named .${extension}, but its content is not ${extension.toUpperCase()}.`
      : '';
  return `The file is not a recognized activity file.${claimed} ${ACCEPTED}`;
}
