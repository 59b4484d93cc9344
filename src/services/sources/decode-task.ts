import { type DecodeRequest, type DecodeResult, decodeAndDerive } from './decode-and-derive.ts';

/**
 * One task in a worker: decode and derive, never throw. Anything unexpected becomes a failed
 * result with a stable code and a message without a stack trace or a path.
 */
export function runDecodeTask(request: DecodeRequest): DecodeResult {
  try {
    return decodeAndDerive(request);
  } catch (error) {
    const reason = error instanceof Error ? error.name : 'error';
    return {
      ok: false,
      code: 'ERR_INGEST_DECODE_FAILED',
      message: `The file could not be processed (${reason}). It may be damaged; export it again from the device or service.`,
    };
  }
}
