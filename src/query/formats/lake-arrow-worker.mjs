// The entry of a lake Arrow worker thread: plain JavaScript that registers tsx, so the TypeScript
// sources run in the worker as they do in the main thread (CLI, server and tests alike).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { answerLakeArrowRequest } = await import('./lake-arrow-answer.ts');
parentPort.on('message', (request) => answerLakeArrowRequest(parentPort, request));
