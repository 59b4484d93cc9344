// The entry of an ingest worker thread in the built CLI (dist/cli/decode-worker.js); the sources
// use decode-worker.mjs, which runs this through tsx.
import { parentPort } from 'node:worker_threads';
import { runDecodeTask } from './decode-task.ts';

const port = parentPort!;
port.on('message', async (request) => port.postMessage(await runDecodeTask(request)));
port.postMessage({ ready: true });
