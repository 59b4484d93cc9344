import { Decoder, Profile, Stream } from '@garmin/fitsdk';
import { decodeFitStreamFast } from './decode-fit-fast.ts';
import { DeveloperFieldTracker } from './developer-field-tracker.ts';
import type { DeveloperFieldInfo, FitMessage } from './fit-message.ts';
import type { FitRecords } from './read-fit-records.ts';

export type { DeveloperFieldInfo, FitMessage } from './fit-message.ts';

export interface DecodedFit {
  /** Messages by the SDK's keys (`recordMesgs`, `sessionMesgs`, …). */
  messages: Record<string, FitMessage[]>;
  /**
   * For each record message, in order: the developer fields in effect when it was decoded, by
   * the key the SDK uses in `record.developerFields`. Needed because the SDK numbers keys by a
   * running count that restarts when an app re-declares its fields, so one key can name different
   * fields in different parts of a file (misfits/running-with-developer-fields does this).
   */
  recordDeveloperFields: ReadonlyMap<number, DeveloperFieldInfo>[];
  /** Decoder errors, in order; the messages decoded before each error are kept. */
  errors: string[];
  /** Header and file CRC check of the first file in the stream. */
  integrityOk: boolean;
  /** True when the header's data size was wrong and the bytes after the header were decoded anyway. */
  headerIgnored: boolean;
  /** Which decoder produced the messages: the fast one, or the SDK (asked for, or fallen back to). */
  decodedBy: FitDecoderName;
  /**
   * The record messages as readFitRecords reads them, read straight from the bytes: only with the
   * `recordColumns` option, when the fast decoder could (messages then has no `recordMesgs`).
   */
  records?: FitRecords;
}

/**
 * `fast`: `decode-fit-fast.ts`, which gives the SDK's messages and errors and hands any file it
 * is not sure about to the SDK; `sdk`: `@garmin/fitsdk` only (the reference the fast one is
 * tested against).
 */
export type FitDecoderName = 'fast' | 'sdk';

export interface DecodeFitOptions {
  /**
   * Global message numbers (Profile.MesgNum) the caller reads. The fast decoder may then leave out
   * messages of other kinds (their groups stay empty or absent); every message of these kinds,
   * and the errors, are the same as without the option. Records, field descriptions and developer
   * data ids are always decoded. The SDK (asked for, or fallen back to) decodes everything.
   */
  only?: ReadonlySet<number>;
  /**
   * Record fields (the SDK's names, e.g. `heartRate`) the caller reads. The fast decoder may then
   * leave other fields out of record messages; the fields named, `developerFields`, and the
   * errors are the same as without the option. The SDK decodes every field.
   */
  recordFields?: ReadonlySet<string>;
  /**
   * Record messages straight into `records` (readFitRecords' result) instead of `recordMesgs`,
   * when the fast decoder can do so exactly (record-columns.ts); otherwise, and with the SDK, the
   * records are messages as without the option. Set by readFit, which reads records only so.
   */
  recordColumns?: boolean;
}

type StreamDecoder = (
  bytes: Uint8Array,
  dataOnly: boolean,
) => Omit<DecodedFit, 'headerIgnored' | 'decodedBy'> | null;

const RECORD = Profile.MesgNum.RECORD ?? 20;
const FIELD_DESCRIPTION = Profile.MesgNum.FIELD_DESCRIPTION ?? 206;
const DEVELOPER_DATA_ID = Profile.MesgNum.DEVELOPER_DATA_ID ?? 207;
const HEADER_SIZES = new Set([12, 14]);

/**
 * Decodes FIT bytes: with the fast decoder unless told otherwise, falling back to Garmin's SDK for
 * the whole file when the fast one declines it, so the result never depends on the choice. The
 * SDK stops at the first error and returns everything decoded before it, which is the salvage we
 * want for truncated files. When it returns nothing because the header's data size is wrong (some
 * devices write 0 until the file is closed), the bytes after the header are decoded once more
 * without trusting that size.
 */
export function decodeFit(
  bytes: Uint8Array,
  decoder: FitDecoderName = 'fast',
  options: DecodeFitOptions = {},
): DecodedFit {
  if (decoder === 'fast') {
    const only = options.only
      ? new Set([...options.only, RECORD, FIELD_DESCRIPTION, DEVELOPER_DATA_ID])
      : null;
    const recordFields = options.recordFields ?? null;
    const recordColumns = options.recordColumns ?? false;
    const fast = decodeWith(bytes, (b, dataOnly) =>
      decodeFitStreamFast(b, dataOnly, only, recordFields, recordColumns),
    );
    if (fast !== null) return { ...fast, decodedBy: 'fast' };
  }
  return { ...decodeWith(bytes, decodeStreamWithSdk)!, decodedBy: 'sdk' };
}

function decodeWith(bytes: Uint8Array, decodeStream: StreamDecoder): Omit<DecodedFit, 'decodedBy'> | null {
  const first = decodeStream(bytes, false);
  if (first === null) return null;
  const headerSize = bytes[0] ?? 0;
  const salvaged =
    first.errors.length > 0 && count(first, 'recordMesgs') === 0 && count(first, 'sessionMesgs') === 0;
  if (salvaged && HEADER_SIZES.has(headerSize) && bytes.length > headerSize + 2) {
    const second = decodeStream(bytes.subarray(headerSize), true);
    if (second === null) return null;
    if (count(second, 'recordMesgs') > 0)
      return { ...second, integrityOk: first.integrityOk, headerIgnored: true };
  }
  return { ...first, headerIgnored: false };
}

function count(decoded: Pick<DecodedFit, 'messages' | 'records'>, key: string): number {
  if (key === 'recordMesgs' && decoded.records !== undefined)
    return decoded.records.trace.timeS.length + decoded.records.skippedWithoutTime;
  return decoded.messages[key]?.length ?? 0;
}

function decodeStreamWithSdk(bytes: Uint8Array, dataOnly: boolean): ReturnType<StreamDecoder> {
  const decoder = new Decoder(Stream.fromBuffer(bytes));
  const integrityOk = !dataOnly && decoder.checkIntegrity();
  const tracker = new DeveloperFieldTracker();
  const { messages, errors } = decoder.read({
    convertDateTimesToDates: false,
    dataOnly,
    mesgListener: (mesgNum, mesg) => {
      if (mesgNum === RECORD) tracker.onRecord();
      else if (mesgNum === FIELD_DESCRIPTION) tracker.onFieldDescription(mesg as FitMessage);
    },
  });
  return {
    messages: messages as unknown as Record<string, FitMessage[]>,
    recordDeveloperFields: tracker.perRecord,
    errors: errors.map((error) => (error instanceof Error ? error.message : String(error))),
    integrityOk,
  };
}
