import type { MessagePort } from 'node:worker_threads';
import { encodeLakeFiles, type LakeArrowRequest, type LakeFileOutput } from './lake-arrow-task.ts';

/** A worker's answer to one request: the messages (their buffers transferred, not copied) or the error. */
export async function answerLakeArrowRequest(port: MessagePort, request: LakeArrowRequest): Promise<void> {
  let messages: LakeFileOutput[];
  try {
    messages = await encodeLakeFiles(request);
  } catch (error) {
    // A file the catalog named when the plan was made and a write has since replaced or removed.
    const missing =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? (error as NodeJS.ErrnoException).path : undefined;
    port.postMessage({ error: error instanceof Error ? error.message : String(error), missing });
    return;
  }
  // Each message owns its buffer: transferring one cannot take another's bytes along.
  const buffers = messages.map((m) => (m instanceof Uint8Array ? m : m.bytes).buffer as ArrayBuffer);
  port.postMessage({ messages }, [...new Set(buffers)]);
}
