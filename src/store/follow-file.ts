import { type FileHandle, open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Bytes read at a time: one chunk in memory whatever the file's size. */
const CHUNK_BYTES = 1 << 20;
/** How often a file that has not grown is looked at again while its writer runs. */
const POLL_MS = 10;

/**
 * The bytes of a file that a writer is still appending to, as they land: everything up to the
 * size last seen (Linux raises a file's size only after the bytes are in it), then more as the
 * file grows, until `written` settles and the rest is read. The file may not exist yet when this
 * starts. For a Parquet file DuckDB is COPYing a query to: its row groups can go out while later
 * ones are computed, so the first byte of a large export does not wait for the whole result.
 * Throws `written`'s error when the writer fails; the bytes yielded before it are then not a
 * whole file, and the caller must not present them as one (an HTTP body is aborted).
 */
export async function* followFile(
  path: string,
  written: Promise<void>,
  /** How the file is opened: a test stands in a failing open here to replay a race. */
  openFile: (path: string) => Promise<FileHandle> = (p) => open(p, 'r'),
): AsyncGenerator<Uint8Array> {
  let outcome: { error: unknown } | null | undefined;
  written.then(
    () => {
      outcome = null;
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  const settledOrTick = () => Promise.race([written.catch(() => undefined), sleep(POLL_MS)]);
  let handle: FileHandle | undefined;
  try {
    for (;;) {
      // Looked at before the open: a writer that renames its file into place may finish between a
      // failed open and its catch, and the file is then there to be opened on the next turn.
      const finished = outcome;
      try {
        handle = await openFile(path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        if (finished) throw finished.error;
        if (finished === null) throw new Error(`${path} was not written`);
        await settledOrTick();
      }
    }
    let offset = 0;
    for (;;) {
      // Read before looking at the outcome: a writer that finished has its last bytes in the size.
      const finished = outcome;
      if (finished) throw finished.error;
      const { size } = await handle.stat();
      while (offset < size) {
        const chunk = new Uint8Array(Math.min(CHUNK_BYTES, size - offset));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
      }
      if (finished === null && offset >= size) return;
      await settledOrTick();
    }
  } finally {
    await handle?.close();
  }
}
