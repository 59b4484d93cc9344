import type { MessagePort } from 'node:worker_threads';
import { encodeLakeFiles, type LakeArrowRequest } from './lake-arrow-task.ts';

/** A worker's answer to one request: the messages' bytes (transferred, not copied) or the error. */
export async function answerLakeArrowRequest(port: MessagePort, request: LakeArrowRequest): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await encodeLakeFiles(request);
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.postMessage({ bytes }, [bytes.buffer as ArrayBuffer]);
}
