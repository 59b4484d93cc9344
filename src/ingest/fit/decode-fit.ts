import { Decoder, Profile, Stream } from '@garmin/fitsdk';

/** A decoded FIT message as plain values (the SDK's own types promise numbers where it gives strings). */
export type FitMessage = Readonly<Record<string, unknown>>;

/** What a developer field means, from its field description message. */
export interface DeveloperFieldInfo {
  name: string;
  units: string;
  scale: number | null;
  offset: number | null;
}

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
}

const RECORD = Profile.MesgNum.RECORD ?? 20;
const FIELD_DESCRIPTION = Profile.MesgNum.FIELD_DESCRIPTION ?? 206;
const HEADER_SIZES = new Set([12, 14]);

/**
 * Decodes FIT bytes with Garmin's SDK. The SDK stops at the first error and returns everything
 * decoded before it, which is the salvage we want for truncated files. When it returns nothing
 * because the header's data size is wrong (some devices write 0 until the file is closed), the
 * bytes after the header are decoded once more without trusting that size.
 */
export function decodeFit(bytes: Uint8Array): DecodedFit {
  const first = decodeStream(bytes, false);
  const headerSize = bytes[0] ?? 0;
  const salvaged =
    first.errors.length > 0 && count(first, 'recordMesgs') === 0 && count(first, 'sessionMesgs') === 0;
  if (salvaged && HEADER_SIZES.has(headerSize) && bytes.length > headerSize + 2) {
    const second = decodeStream(bytes.subarray(headerSize), true);
    if (count(second, 'recordMesgs') > 0)
      return { ...second, integrityOk: first.integrityOk, headerIgnored: true };
  }
  return first;
}

function count(decoded: DecodedFit, key: string): number {
  return decoded.messages[key]?.length ?? 0;
}

function decodeStream(bytes: Uint8Array, dataOnly: boolean): DecodedFit {
  const decoder = new Decoder(Stream.fromBuffer(bytes));
  const integrityOk = !dataOnly && decoder.checkIntegrity();
  const recordDeveloperFields: ReadonlyMap<number, DeveloperFieldInfo>[] = [];
  // Copy-on-write: every record keeps a reference to the table that was current when it was read.
  let current = new Map<number, DeveloperFieldInfo>();
  const { messages, errors } = decoder.read({
    convertDateTimesToDates: false,
    dataOnly,
    mesgListener: (mesgNum, mesg) => {
      if (mesgNum === RECORD) {
        recordDeveloperFields.push(current);
      } else if (mesgNum === FIELD_DESCRIPTION) {
        const fields = mesg as FitMessage;
        const key = fields.key;
        if (typeof key !== 'number') return;
        current = new Map(current);
        current.set(key, {
          name: typeof fields.fieldName === 'string' ? fields.fieldName : `developer_field_${key}`,
          units: typeof fields.units === 'string' ? fields.units : '',
          scale: typeof fields.scale === 'number' && fields.scale !== 0 ? fields.scale : null,
          offset: typeof fields.offset === 'number' ? fields.offset : null,
        });
      }
    },
  });
  return {
    messages: messages as unknown as Record<string, FitMessage[]>,
    recordDeveloperFields,
    errors: errors.map((error) => (error instanceof Error ? error.message : String(error))),
    integrityOk,
    headerIgnored: false,
  };
}
