// The entry of an ingest worker thread: plain JavaScript that registers tsx, so the TypeScript
// sources run in the worker as they do in the main thread (CLI, server and tests alike).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runDecodeTask } = await import('./decode-task.ts');
// A close request ends the worker once it is not writing lake files: DuckDB's threads call into
// this thread's JavaScript while it writes, and stopping the thread then aborts the process.
let writing = false;
let closing = false;
parentPort.on('message', async (message) => {
  if (message.close) {
    closing = true;
    if (!writing) process.exit(0);
    return;
  }
  const result = await runDecodeTask(message, () => {
    writing = true;
    parentPort.postMessage({ writing: true });
  });
  writing = false;
  parentPort.postMessage(result);
  if (closing) process.exit(0);
});
parentPort.postMessage({ ready: true });
