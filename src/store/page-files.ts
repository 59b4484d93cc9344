import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { PeakformError } from '../domain/errors.ts';
import { listFiles } from './lake.ts';

/** A file of a served version, ready to be streamed. */
export interface PageFile {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  /** The path inside the version that was found (an index.html for a folder). */
  relativePath: string;
}

const INCOMING = /\.incoming-[0-9a-f]{8}$/;

/**
 * The folders of deployed sites: `<data>/pages/<slug>/<version>/`. A deploy is written into a
 * fresh `<version>.incoming-<random>` folder, each file flushed to disk, then renamed to its
 * version folder and the folders flushed, before the catalog switches to it. Slugs and versions
 * are validated by the caller; relative paths are checked again here, where they meet the disk.
 */
export class PageFiles {
  constructor(private readonly dataDir: string) {}

  get root(): string {
    return join(this.dataDir, 'pages');
  }

  versionDir(slug: string, version: number): string {
    return join(this.root, slug, String(version));
  }

  /** A fresh folder to write a deploy into. */
  async startIncoming(slug: string, version: number): Promise<string> {
    const dir = `${this.versionDir(slug, version)}.incoming-${randomBytes(4).toString('hex')}`;
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * Streams one file into an incoming folder, refusing it once the deploy's byte budget is spent.
   * Answers the bytes written; the file is flushed to disk before this returns.
   */
  async writeFile(
    incomingDir: string,
    relativePath: string,
    chunks: AsyncIterable<Uint8Array>,
    budgetBytes: number,
  ): Promise<number> {
    const target = join(incomingDir, ...relativePath.split('/'));
    if (!target.startsWith(incomingDir + sep))
      throw new Error(`page path escapes its folder: ${relativePath}`);
    await mkdir(dirname(target), { recursive: true });
    // 'wx': a path that exists (a duplicate, or a folder of that name) is never overwritten.
    const handle = await open(target, 'wx', 0o644);
    let written = 0;
    try {
      for await (const chunk of chunks) {
        written += chunk.byteLength;
        if (written > budgetBytes) throw tooLarge();
        await handle.write(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    return written;
  }

  /** Flushes the incoming folder's tree and renames it to its version folder. */
  async seal(incomingDir: string, slug: string, version: number): Promise<void> {
    await syncTree(incomingDir);
    const final = this.versionDir(slug, version);
    await rename(incomingDir, final);
    await syncDir(dirname(final));
  }

  async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  async removeVersions(slug: string, versions: readonly number[]): Promise<void> {
    await Promise.all(versions.map((v) => this.remove(this.versionDir(slug, v))));
  }

  async removePage(slug: string): Promise<void> {
    await this.remove(join(this.root, slug));
  }

  /**
   * Removes what no catalog row names: folders of deleted pages, versions no longer kept and
   * incoming folders of deploys that died before their switch (the old version stays served).
   */
  async recover(kept: ReadonlyMap<string, ReadonlySet<number>>): Promise<string[]> {
    const removed: string[] = [];
    const slugs = await readdir(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const slug of slugs) {
      const versions = kept.get(slug);
      if (!versions) {
        await this.remove(join(this.root, slug));
        removed.push(slug);
        continue;
      }
      for (const entry of await readdir(join(this.root, slug))) {
        if (!INCOMING.test(entry) && /^\d+$/.test(entry) && versions.has(Number(entry))) continue;
        await this.remove(join(this.root, slug, entry));
        removed.push(`${slug}/${entry}`);
      }
    }
    return removed;
  }

  /** The relative paths of the files in a version folder ('/'-separated). */
  async listVersionFiles(slug: string, version: number): Promise<string[]> {
    const dir = this.versionDir(slug, version);
    return (await listFiles(dir)).map((path) => relative(dir, path).split(sep).join('/'));
  }

  /**
   * The file a request path names inside a version folder, or undefined: a folder answers its
   * index.html, and nothing outside the version folder is ever reached (no `..`, no symbolic link).
   */
  async findFile(slug: string, version: number, relativePath: string): Promise<PageFile | undefined> {
    const base = this.versionDir(slug, version);
    const segments = relativePath.split('/').filter((s) => s !== '');
    if (segments.some((s) => s === '.' || s === '..' || s.includes('\\') || s.includes('\0')))
      return undefined;
    let candidate = join(base, ...segments);
    let relative = segments.join('/');
    let stats = await lstat(candidate).catch(() => undefined);
    if (stats?.isDirectory()) {
      candidate = join(candidate, 'index.html');
      relative = relative ? `${relative}/index.html` : 'index.html';
      stats = await lstat(candidate).catch(() => undefined);
    }
    if (!stats?.isFile()) return undefined;
    // lstat refuses a link as the last segment; realpath catches a linked folder on the way.
    const [realBase, realFile] = await Promise.all([realpath(base), realpath(candidate)]);
    if (!realFile.startsWith(realBase + sep)) return undefined;
    return { path: realFile, sizeBytes: stats.size, mtimeMs: stats.mtimeMs, relativePath: relative };
  }

  /** Whether a relative path names a folder of a version (to redirect `dir` to `dir/`). */
  async isFolder(slug: string, version: number, relativePath: string): Promise<boolean> {
    const segments = relativePath.split('/').filter((s) => s !== '');
    if (segments.some((s) => s === '.' || s === '..')) return false;
    const stats = await lstat(join(this.versionDir(slug, version), ...segments)).catch(() => undefined);
    return stats?.isDirectory() ?? false;
  }
}

function tooLarge(): PeakformError {
  return new PeakformError(
    'ERR_PAGE_TOO_LARGE',
    'The site is larger than 10 MB (10,485,760 bytes) in total. Deploy only the built files; compress or drop large assets.',
  );
}

async function syncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await syncTree(join(dir, entry.name));
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
