import { setFlagsFromString } from 'node:v8';

/**
 * The old generation a worker's heap starts with (MB). A decode worker's typed arrays for one file
 * (columns, grids, prefix sums, curves: tens of MB for a long ride) are garbage once it is written,
 * and under V8's default starting limit it ran a full mark-compact for every file or more (49 in
 * 30 ingests of the 6 h ride); from 256 MB it ran 7, for ≈ 12–15 % less CPU per ingest and
 * ≈ +20–40 MiB of peak RSS. A lake-Arrow worker's record batches churn the same way (power for a
 * year: 0.51 → 0.43 s of CPU). The limit still follows the live heap after each collection.
 */
const INITIAL_OLD_SPACE_MB = 256;
let configured = false;

/**
 * Sizes the heaps of the worker threads started from now on. V8 reads the flag when an isolate
 * is created: the decode and lake-Arrow workers, started after the engine opens, take it; the
 * main isolate keeps its own. `PEAKFORM_DEFAULT_WORKER_HEAP=1` keeps V8's default (a host short of
 * memory, or a comparison).
 */
export function configureWorkerHeaps(): void {
  if (configured || process.env.PEAKFORM_DEFAULT_WORKER_HEAP === '1') return;
  configured = true;
  setFlagsFromString(`--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`);
}
