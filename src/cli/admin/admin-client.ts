import { lstat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import type { ErrorCode } from '../../domain/error-catalog.ts';
import { isPeakformError, PeakformError } from '../../domain/errors.ts';
import { resolveDataDir } from '../data-dir.ts';
import { openEngine } from '../open-engine.ts';
import {
  type AdminHooks,
  type AdminOp,
  type AdminRequest,
  type AdminRequestOf,
  type AdminResult,
  executeAdmin,
} from './requests.ts';
import { findSocketPath } from './socket-path.ts';

/**
 * Where a CLI command runs its operations: inside a running server on the same data dir (through
 * its admin socket), else in this process on a freshly opened engine. Results pass through JSON
 * both ways, so a command prints the same wherever it ran.
 */
export interface AdminSession {
  /** True when a running server executes the requests. */
  readonly remote: boolean;
  readonly dataDir: string;
  run<K extends AdminOp>(request: AdminRequestOf<K> & { op: K }, hooks?: AdminHooks): Promise<AdminResult<K>>;
  close(): void;
}

/** Opens a session on the data dir named by `--data` (or its defaults). */
export async function openAdminSession(dataFlag: string | undefined): Promise<AdminSession> {
  const dataDir = resolveDataDir(dataFlag);
  const attempt = await AdminClient.connect(dataDir);
  if (attempt.client) {
    const client = attempt.client;
    return {
      remote: true,
      dataDir,
      run: (request) => client.request(request) as never,
      close: () => client.close(),
    };
  }
  const engine = await openEngine(dataFlag).catch((error: unknown) => {
    throw explainLock(error, dataDir, attempt.reason);
  });
  return {
    remote: false,
    dataDir,
    run: async (request, hooks) => {
      const result = await executeAdmin(engine, roundTrip(request), hooks);
      // A change may have scheduled a re-derivation whose journal row must reach the catalog
      // before this process closes it (the next open resumes the re-derivation).
      await engine.flush();
      return roundTrip(result) as never;
    },
    close: () => engine.close(),
  };
}

/** Runs one request in a session of its own. */
export async function runAdmin<K extends AdminOp>(
  dataFlag: string | undefined,
  request: AdminRequestOf<K> & { op: K },
  hooks?: AdminHooks,
): Promise<AdminResult<K>> {
  const session = await openAdminSession(dataFlag);
  try {
    return await session.run<K>(request, hooks);
  } finally {
    session.close();
  }
}

/** What the socket would have carried: JSON, with `undefined` dropped. */
function roundTrip(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** The data dir is locked and no server answered: say who holds it, not a stack trace. */
function explainLock(error: unknown, dataDir: string, socketReason: string): unknown {
  if (!isPeakformError(error) || error.code !== 'ERR_STORE_LOCKED') return error;
  const pid = error.details?.pid;
  const holder = pid === undefined ? 'another process' : `process ${pid} (${String(error.details?.program)})`;
  return new PeakformError(
    'ERR_STORE_LOCKED',
    `${dataDir} is held by ${holder}, and no Peakform server answered on its admin socket (${socketReason}). If that is \`peakform serve\` still starting, try again; otherwise stop it.`,
    409,
    error.details,
  );
}

/** The client end of the admin socket (see admin-socket.ts for the protocol). */
export class AdminClient {
  private buffer = '';
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly path: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.receive(text));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () =>
      this.fail(
        new PeakformError(
          'ERR_INTERNAL',
          `The server closed its admin socket (${path}) before answering; see its log.`,
          500,
        ),
      ),
    );
  }

  /** Connects when a live server owned by this user listens for `dataDir`; else says why not. */
  static async connect(dataDir: string): Promise<{ client?: AdminClient; reason: string }> {
    const path = await findSocketPath(dataDir);
    const info = await lstat(path).catch(() => undefined);
    if (!info) return { reason: `no ${path}` };
    // Only a socket of this user: a file another user planted must not answer our commands.
    const uid = process.getuid?.();
    if (!info.isSocket() || (uid !== undefined && info.uid !== uid))
      return { reason: `${path} is not a socket of this user` };
    return new Promise((resolve) => {
      const socket = connect(path);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve({ client: new AdminClient(socket, path), reason: 'connected' });
      });
      // ECONNREFUSED (a stale socket left by a server that died), ENOENT (gone meanwhile), or
      // anything else: no live server, so the command opens the data dir itself, and if that
      // is locked it says by whom, with this reason.
      socket.once('error', (error: NodeJS.ErrnoException) => {
        socket.destroy();
        resolve({ reason: `${path}: ${error.code ?? error.message}` });
      });
    });
  }

  request(request: AdminRequest): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.socket.write(`${JSON.stringify({ id, request })}\n`);
    });
  }

  close(): void {
    this.socket.end();
  }

  private receive(text: string): void {
    this.buffer += text;
    for (let newline = this.buffer.indexOf('\n'); newline !== -1; newline = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      const response = JSON.parse(line) as {
        id: number | null;
        ok: boolean;
        result?: unknown;
        error?: { code: string; message: string; status: number };
      };
      const waiter = response.id === null ? undefined : this.waiting.get(response.id);
      if (!waiter) {
        // An answer to no request (the server refused a line): fail everything outstanding.
        if (!response.ok && response.error) this.fail(toError(response.error));
        continue;
      }
      this.waiting.delete(response.id!);
      if (response.ok) waiter.resolve(response.result);
      else waiter.reject(toError(response.error!));
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }
}

function toError(error: { code: string; message: string; status: number }): PeakformError {
  return new PeakformError(error.code as ErrorCode, error.message, error.status);
}
