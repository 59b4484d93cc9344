import type { ReadResult, SourceFormat } from '../domain/activity.ts';
import { UnreadableFileError } from '../domain/errors.ts';
import { readCsv } from './csv/read-csv.ts';
import { detectFormat, extensionOf } from './detect-format.ts';
import { readFit } from './fit/read-fit.ts';
import { readGpx } from './gpx/read-gpx.ts';
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

/**
 * Reads an activity file of any supported format. The format is found from the content, so a
 * wrong extension does not matter. Returns the activities with their data-quality issues; throws
 * UnreadableFileError (a user's mistake, HTTP 422) only when nothing usable remains.
 */
export function readActivityFile(bytes: Uint8Array, fileName?: string): ReadResult {
  const format = detectFormat(bytes, fileName);
  if (format === null)
    throw new UnreadableFileError(unrecognizedMessage(bytes, fileName), { fileName: fileName ?? null });
  try {
    return FORMAT_READERS[format](bytes);
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    // Hostile bytes can reach corners of third-party decoders that throw plain errors; the file
    // is what is broken, so the caller gets a 422, and the cause is kept for the server log.
    const unreadable = new UnreadableFileError(
      `This ${format.toUpperCase()} file could not be read; it may be damaged. ${ACCEPTED}`,
      { format, fileName: fileName ?? null },
    );
    unreadable.cause = error;
    throw unreadable;
  }
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
