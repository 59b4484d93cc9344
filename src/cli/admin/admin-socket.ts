import { chmodSync, unlinkSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { isPeakformError } from '../../domain/errors.ts';
import type { Engine } from '../../engine/engine.ts';
import { executeAdmin } from './requests.ts';
import { ADMIN_SOCKET_POINTER, chooseSocketPath } from './socket-path.ts';

/**
 * The admin channel of a running server: a Unix socket through which CLI commands on the same
 * data dir run their operations in the process that holds it (DuckDB allows one process per data
 * dir, and the token service's in-memory keys must see every change).
 *
 * Protocol: newline-delimited JSON. Each line is one request `{"id": …, "request": {"op": …}}`;
 * each answer one line `{"id", "ok": true, "result"}` or `{"id", "ok": false, "error": {code,
 * message, status}}`. Requests of one connection run one after another. A line longer than
 * MAX_LINE_BYTES closes its connection.
 *
 * Trust model: whoever can connect may do anything the CLI can, as with the data dir itself; the
 * socket is created mode 0600 (owner only), so only the data dir's user can connect.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface AdminSocket {
  readonly path: string;
  /** Stops accepting, drops open connections and removes the socket file (synchronous, for signal handlers). */
  close(): void;
}

export interface AdminSocketOptions {
  /** Where errors that are not a PeakformError go (their text never reaches the client). */
  logError?: (error: unknown) => void;
}

export async function openAdminSocket(
  engine: Engine,
  dataDir: string,
  options: AdminSocketOptions = {},
): Promise<AdminSocket> {
  const logError =
    options.logError ??
    ((error: unknown) =>
      process.stderr.write(
        `peakform admin channel: ${error instanceof Error ? error.stack : String(error)}\n`,
      ));
  const { path, inDataDir } = await chooseSocketPath(dataDir);
  const pointer = join(dataDir, ADMIN_SOCKET_POINTER);
  // This process holds the data dir's DuckDB lock, so no other server of this data dir is alive:
  // a socket file already there is left by one that died, and is stale.
  await rm(path, { force: true });
  await rm(pointer, { force: true });

  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    serveConnection(socket, engine, logError);
  });
  await listenPrivately(server, path);
  if (!inDataDir) await writeFile(pointer, `${path}\n`, { mode: 0o600 });

  let closed = false;
  const removeFiles = () => {
    for (const file of inDataDir ? [path] : [path, pointer]) {
      try {
        unlinkSync(file);
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', removeFiles);
  return {
    path,
    close() {
      if (closed) return;
      closed = true;
      server.close();
      for (const socket of connections) socket.destroy();
      removeFiles();
      process.removeListener('exit', removeFiles);
    },
  };
}

/**
 * Listens with umask 0177 so that the socket is born mode 0600 (a Unix socket's bind happens
 * inside `listen`, synchronously), then chmods it too, in case the platform ignored the umask.
 */
async function listenPrivately(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Worker threads cannot set the umask; the chmod below then does it alone.
    const previous = isMainThread ? process.umask(0o177) : undefined;
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
  chmodSync(path, 0o600);
}

function serveConnection(socket: Socket, engine: Engine, logError: (error: unknown) => void): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let queue: Promise<void> = Promise.resolve();
  socket.on('error', () => {
    // The client went away; nothing to answer.
  });
  socket.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      const line = Buffer.concat([...pending, chunk.subarray(start, newline)]);
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
      if (line.length > MAX_LINE_BYTES) return tooLong(socket);
      queue = queue.then(() => answer(socket, line.toString('utf8'), engine, logError));
    }
    pending.push(chunk.subarray(start));
    pendingBytes += chunk.length - start;
    if (pendingBytes > MAX_LINE_BYTES) tooLong(socket);
  });
}

/** A line past the bound: say so and close, without reading the rest. */
function tooLong(socket: Socket): void {
  socket.removeAllListeners('data');
  socket.pause();
  const error = {
    code: 'ERR_REQUEST_TOO_LARGE',
    message: `An admin request line is at most ${MAX_LINE_BYTES} bytes.`,
    status: 413,
  };
  socket.end(`${JSON.stringify({ id: null, ok: false, error })}\n`, () => socket.destroy());
}

async function answer(socket: Socket, line: string, engine: Engine, logError: (error: unknown) => void) {
  if (line.trim() === '') return;
  let id: unknown = null;
  let response: string;
  try {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      throw new RequestError('An admin request is one line of JSON: {"id": …, "request": {"op": …}}.');
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      throw new RequestError('An admin request is a JSON object: {"id": …, "request": {"op": …}}.');
    const candidate = (message as { id?: unknown }).id;
    if (typeof candidate === 'string' || typeof candidate === 'number') id = candidate;
    const result = await executeAdmin(engine, (message as { request?: unknown }).request);
    response = JSON.stringify({ id, ok: true, result: result ?? null });
  } catch (error) {
    response = JSON.stringify({ id, ok: false, error: describeError(error, logError) });
  }
  if (!socket.destroyed && socket.writable) socket.write(`${response}\n`);
}

class RequestError extends Error {}

/** A PeakformError travels as it is; anything else is our bug: logged here, an internal error there. */
function describeError(error: unknown, logError: (error: unknown) => void) {
  if (isPeakformError(error)) return { code: error.code, message: error.message, status: error.status };
  if (error instanceof RequestError)
    return { code: 'ERR_REQUEST_INVALID', message: error.message, status: 400 };
  logError(error);
  return {
    code: 'ERR_INTERNAL',
    message: 'The server failed to run this request; its log says why.',
    status: 500,
  };
}
