// The entry of an ingest worker thread: plain JavaScript that registers tsx, so the TypeScript
// sources run in the worker as they do in the main thread (CLI, server and tests alike). The
// worker itself is decode-worker-built.ts, the built CLI's entry.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker-built.ts');
