// The entry of an ingest worker thread (dist/cli/decode-worker.js in the built CLI); the sources
// use decode-worker.mjs, which runs this through tsx.
import { parentPort } from 'node:worker_threads';
import type { DecodeRequest } from './decode-and-derive.ts';
import { runDecodeTask } from './decode-task.ts';

const port = parentPort!;
// A close request ends the worker once it is not writing lake files: DuckDB's threads call into
// this thread's JavaScript while it writes, and stopping the thread then aborts the process.
let writing = false;
let closing = false;
port.on('message', async (message: { close?: true } & DecodeRequest) => {
  if (message.close) {
    closing = true;
    if (!writing) process.exit(0);
    return;
  }
  const result = await runDecodeTask(message, () => {
    writing = true;
    port.postMessage({ writing: true });
  });
  writing = false;
  port.postMessage(result);
  if (closing) process.exit(0);
});
port.postMessage({ ready: true });
