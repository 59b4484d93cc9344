import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The admin socket of a running server, in its data dir. */
export const ADMIN_SOCKET_NAME = 'admin.sock';
/** When the socket lives elsewhere (a long data dir path), this file in the data dir names it. */
export const ADMIN_SOCKET_POINTER = 'admin.sock.path';
/**
 * A Unix socket path must fit `sun_path`: 108 bytes on Linux, 104 on macOS, both with the
 * terminating NUL. 103 bytes fit everywhere.
 */
const MAX_SOCKET_PATH_BYTES = 103;

/**
 * Where a server on `dataDir` listens: `<dataDir>/admin.sock`, or, when that path is too long
 * for a Unix socket, `<tmp>/peakform-<uid>/<hash of the data dir's real path>.sock` in a folder
 * only this user may enter (checked, so that another user cannot plant a socket there). The
 * fallback is recorded in `<dataDir>/admin.sock.path` by the server.
 */
export async function chooseSocketPath(dataDir: string): Promise<{ path: string; inDataDir: boolean }> {
  const direct = join(dataDir, ADMIN_SOCKET_NAME);
  if (Buffer.byteLength(direct) <= MAX_SOCKET_PATH_BYTES) return { path: direct, inDataDir: true };
  const uid = process.getuid?.() ?? 0;
  const base = Buffer.byteLength(tmpdir()) <= 48 ? tmpdir() : '/tmp';
  const folder = join(base, `peakform-${uid}`);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const info = await lstat(folder);
  if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o077) !== 0) {
    throw new Error(`${folder} is not a private folder of this user (owner, mode 0700)`);
  }
  const hash = createHash('sha256')
    .update(await realpath(dataDir))
    .digest('hex')
    .slice(0, 32);
  return { path: join(folder, `${hash}.sock`), inDataDir: false };
}

/** Where a client looks for the server of `dataDir`: the recorded fallback, else `<dataDir>/admin.sock`. */
export async function findSocketPath(dataDir: string): Promise<string> {
  const pointer = await readFile(join(dataDir, ADMIN_SOCKET_POINTER), 'utf8').catch(() => '');
  return pointer.trim() || join(dataDir, ADMIN_SOCKET_NAME);
}
