// The entry of an ingest worker thread: plain JavaScript that registers tsx, so the TypeScript
// sources run in the worker as they do in the main thread (CLI, server and tests alike).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runDecodeTask } = await import('./decode-task.ts');
parentPort.on('message', async (request) => parentPort.postMessage(await runDecodeTask(request)));
parentPort.postMessage({ ready: true });
