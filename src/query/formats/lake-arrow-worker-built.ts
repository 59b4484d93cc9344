// The entry of a lake Arrow worker thread in the built CLI (dist/cli/lake-arrow-worker.js); the
// sources use lake-arrow-worker.mjs, which runs this through tsx.
import { parentPort } from 'node:worker_threads';
import { answerLakeArrowRequest } from './lake-arrow-answer.ts';

const port = parentPort!;
port.on('message', (request) => answerLakeArrowRequest(port, request));
