import { PeakformError } from '../../domain/errors.ts';
import { MAX_PAGE_BYTES, MAX_PAGE_FILES, MAX_PAGE_PATH_LENGTH } from '../../domain/wire-pages.ts';
import { type PageFile, PageFiles } from '../../store/page-files.ts';
import { PageRepository, type PageRow } from '../../store/page-repository.ts';
import type { Store } from '../../store/store.ts';
import type { Application, ApplicationService, Owner } from '../identity/application-service.ts';

/** A page as its owner sees it. */
export interface Page {
  slug: string;
  application: Application;
  currentVersion: number | null;
  previousVersion: number | null;
  deployedAt: Date | null;
  sizeBytes: number;
  files: string[];
}

/** One file of a deploy as it arrives: its relative path and its bytes, read once. */
export interface IncomingPageFile {
  path: string;
  chunks: AsyncIterable<Uint8Array>;
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;
/** Names that read as the server's own, or invite confusion, in `/pages/<slug>/` and in a URL. */
export const RESERVED_SLUGS = new Set([
  'admin',
  'api',
  'app',
  'apps',
  'assets',
  'account',
  'auth',
  'docs',
  'help',
  'login',
  'logout',
  'new',
  'oauth',
  'page',
  'pages',
  'peakform',
  'portal',
  'root',
  'settings',
  'signin',
  'signup',
  'static',
  'status',
  'support',
  'sweatstack',
  'system',
  'www',
]);
/** Control characters (C0 and DEL): never part of a file name worth serving. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Pages: one static site per application, served at `/pages/<slug>/` (WIRE.md §3.13). Only the
 * application's owner creates, deploys, rolls back or deletes its page. A deploy is written to a
 * fresh folder and flushed; one catalog transaction then serves it and keeps the version it
 * replaces for rollback, so a deploy that fails or dies half-way leaves the old version served.
 * The application gains the page's URL as a redirect URI, so the page signs users in with PKCE.
 */
export class PageService {
  private readonly repository: PageRepository;
  private readonly files: PageFiles;
  /** Every page by slug (one process owns the catalog), for serving without a query. */
  private readonly pages: Map<string, PageRow>;

  private constructor(
    store: Store,
    private readonly applications: ApplicationService,
    rows: PageRow[],
  ) {
    this.repository = new PageRepository(store);
    this.files = new PageFiles(store.lake.dataDir);
    this.pages = new Map(rows.map((row) => [row.slug, row]));
  }

  static async open(store: Store, applications: ApplicationService): Promise<PageService> {
    const rows = await new PageRepository(store).listPages();
    const service = new PageService(store, applications, rows);
    // What a deploy that died left behind, and folders of versions no longer kept.
    await service.files.recover(new Map(rows.map((row) => [row.slug, new Set(keptVersions(row))])));
    return service;
  }

  /** The slug of an application's page, if it has one. */
  slugOf(applicationId: string): string | undefined {
    for (const page of this.pages.values()) if (page.applicationId === applicationId) return page.slug;
    return undefined;
  }

  /**
   * The application's page under this slug: created (and its redirect URI registered) when the
   * application has none, answered as is when it has this one. 409 when the slug is another
   * application's or the application's page has another slug.
   */
  async ensure(owner: Owner, applicationId: string, slug: string, publicUrl: string): Promise<Page> {
    const application = await this.applications.get(owner, applicationId);
    assertSlug(slug);
    const result = await this.repository.insertPage(slug, applicationId);
    if (!result.created) {
      const existing = result.existing!;
      if (existing.slug !== slug || existing.applicationId !== applicationId) {
        throw new PeakformError(
          'ERR_PAGE_SLUG_TAKEN',
          existing.applicationId === applicationId
            ? `Application ${applicationId} already has the page "${existing.slug}"; an application has one page. Deploy to it, or delete it first (DELETE /api/v1/pages/${existing.slug}).`
            : `The slug "${slug}" is taken by another application's page. Choose another slug.`,
          409,
          { slug },
        );
      }
    } else {
      this.pages.set(slug, { slug, applicationId, currentVersion: null, previousVersion: null });
    }
    const redirectUri = pageRedirectUri(publicUrl, slug);
    if (!application.redirectUris.includes(redirectUri)) {
      try {
        await this.applications.update(owner, applicationId, {
          name: application.name,
          redirectUris: [...application.redirectUris, redirectUri],
        });
      } catch (error) {
        // A page that cannot sign anyone in (e.g. the app is at its redirect URI limit) is not made.
        if (result.created) {
          await this.repository.deletePage(slug);
          this.pages.delete(slug);
        }
        throw error;
      }
    }
    return this.get(owner, slug);
  }

  /** Refuses a slug that is not valid or is taken, before an application is made for it. */
  assertAvailable(slug: string): void {
    assertSlug(slug);
    if (this.pages.has(slug)) {
      throw new PeakformError(
        'ERR_PAGE_SLUG_TAKEN',
        `The slug "${slug}" is taken by another application's page. Choose another slug.`,
        409,
        { slug },
      );
    }
  }

  /** One of the owner's pages; 404 for an unknown slug or another owner's page. */
  async get(owner: Owner, slug: string): Promise<Page> {
    const row = this.pages.get(slug);
    const application = row ? await this.ownedApplication(owner, row) : undefined;
    if (!row || !application) throw notFound(slug);
    const version =
      row.currentVersion === null ? undefined : await this.repository.findVersion(slug, row.currentVersion);
    return {
      slug,
      application,
      currentVersion: row.currentVersion,
      previousVersion: row.previousVersion,
      deployedAt: version ? new Date(version.deployedAtS * 1000) : null,
      sizeBytes: version?.sizeBytes ?? 0,
      files: version ? [...version.files].sort() : [],
    };
  }

  /**
   * Writes the files into a new version and serves it. Every path is checked before its bytes
   * are written; any refusal (a hostile path, a duplicate, too many files or bytes, no file)
   * removes the new folder and leaves the served version as it was.
   */
  async deploy(owner: Owner, slug: string, incoming: AsyncIterable<IncomingPageFile>): Promise<Page> {
    await this.get(owner, slug);
    const version = await this.repository.allocateVersion(slug);
    if (version === undefined) throw notFound(slug);
    const dir = await this.files.startIncoming(slug, version);
    const paths: string[] = [];
    const taken = new Set<string>();
    const folders = new Set<string>();
    let sizeBytes = 0;
    try {
      for await (const file of incoming) {
        const path = checkedPath(file.path);
        if (taken.has(path) || folders.has(path)) {
          throw new PeakformError(
            'ERR_PAGE_PATH_DUPLICATE',
            `The deploy names "${path}" twice. Send each path once.`,
          );
        }
        const parents = path
          .split('/')
          .slice(0, -1)
          .map((_, i, all) => all.slice(0, i + 1).join('/'));
        const clash = parents.find((parent) => taken.has(parent));
        if (clash !== undefined) {
          throw new PeakformError(
            'ERR_PAGE_PATH_DUPLICATE',
            `The deploy has a file "${clash}" and a file inside a folder of that name ("${path}").`,
          );
        }
        if (paths.length >= MAX_PAGE_FILES) throw tooManyFiles();
        taken.add(path);
        for (const parent of parents) folders.add(parent);
        sizeBytes += await this.files.writeFile(dir, path, file.chunks, MAX_PAGE_BYTES - sizeBytes);
        paths.push(path);
      }
      if (paths.length === 0) {
        throw new PeakformError(
          'ERR_PAGE_EMPTY',
          'The deploy holds no file. Send the site’s files as multipart parts named `files`, each with its relative path as filename.',
        );
      }
      await this.files.seal(dir, slug, version);
    } catch (error) {
      await this.files.remove(dir);
      throw error;
    }
    let published: Awaited<ReturnType<PageRepository['publishVersion']>>;
    try {
      published = await this.repository.publishVersion({ slug, version, sizeBytes, files: paths });
    } catch (error) {
      // Not switched to: the sealed folder is nobody's.
      await this.files.removeVersions(slug, [version]);
      throw error;
    }
    if (published === undefined) {
      await this.files.removeVersions(slug, [version]);
      throw notFound(slug);
    }
    this.pages.set(slug, published.page);
    await this.files.removeVersions(slug, published.stale);
    return this.get(owner, slug);
  }

  /** Serves the version kept for rollback again, and keeps the one it replaces (a second rollback undoes the first). */
  async rollback(owner: Owner, slug: string): Promise<Page> {
    const page = await this.get(owner, slug);
    if (page.previousVersion === null) {
      throw new PeakformError(
        'ERR_PAGE_NO_PREVIOUS',
        `The page "${slug}" has no previous version to roll back to; it has been deployed ${page.currentVersion === null ? 'never' : 'once'}.`,
      );
    }
    const swapped = await this.repository.swapVersions(slug);
    if (!swapped) throw notFound(slug);
    this.pages.set(slug, swapped);
    return this.get(owner, slug);
  }

  /** Deletes the page, its files and its redirect URI from the application. */
  async delete(owner: Owner, slug: string, publicUrl: string): Promise<void> {
    const page = await this.get(owner, slug);
    await this.repository.deletePage(slug);
    this.pages.delete(slug);
    await this.files.removePage(slug);
    const redirectUri = pageRedirectUri(publicUrl, slug);
    if (page.application.redirectUris.includes(redirectUri)) {
      await this.applications.update(owner, page.application.id, {
        name: page.application.name,
        redirectUris: page.application.redirectUris.filter((uri) => uri !== redirectUri),
      });
    }
  }

  /** After an application is deleted: its page goes with it. */
  async forgetApplication(applicationId: string): Promise<void> {
    const slug = this.slugOf(applicationId);
    if (slug === undefined) return;
    await this.repository.deletePage(slug);
    this.pages.delete(slug);
    await this.files.removePage(slug);
  }

  /**
   * The served file a request path names (`''` is the site's root), with the version it comes
   * from; undefined when the page, its deploy or the file does not exist.
   */
  async findServedFile(
    slug: string,
    relativePath: string,
  ): Promise<(PageFile & { version: number }) | undefined> {
    const version = this.pages.get(slug)?.currentVersion;
    if (version === null || version === undefined) return undefined;
    const file = await this.files.findFile(slug, version, relativePath);
    return file && { ...file, version };
  }

  /** Whether a path names a folder of the served version (a request for it is redirected to `path/`). */
  async isServedFolder(slug: string, relativePath: string): Promise<boolean> {
    const version = this.pages.get(slug)?.currentVersion;
    if (version === null || version === undefined) return false;
    return this.files.isFolder(slug, version, relativePath);
  }

  /** What disagrees between the catalog's pages and their folders (nothing on a healthy data dir). */
  async checkConsistency(): Promise<string[]> {
    const problems: string[] = [];
    for (const kept of await this.repository.listKeptVersions()) {
      const present = new Set(await this.files.listVersionFiles(kept.slug, kept.version));
      const missing = kept.files.filter((path) => !present.has(path));
      if (missing.length > 0) {
        problems.push(
          `page ${kept.slug} version ${kept.version} misses ${missing.length} file(s): ${missing.slice(0, 3).join(', ')}`,
        );
      }
    }
    return problems;
  }

  private async ownedApplication(owner: Owner, row: PageRow): Promise<Application | undefined> {
    try {
      return await this.applications.get(owner, row.applicationId);
    } catch (error) {
      if (error instanceof PeakformError && error.code === 'ERR_APPLICATION_NOT_FOUND') return undefined;
      throw error;
    }
  }
}

/** The redirect URI a page signs users in with: its own URL. */
export function pageRedirectUri(publicUrl: string, slug: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/pages/${slug}/`;
}

export function assertSlug(slug: string): void {
  if (!SLUG.test(slug) || RESERVED_SLUGS.has(slug)) {
    throw new PeakformError(
      'ERR_PAGE_SLUG_INVALID',
      RESERVED_SLUGS.has(slug)
        ? `The slug "${slug}" is reserved. Choose another, e.g. ${slug}-app.`
        : `The slug "${slug.slice(0, 60)}" is not valid: use 3–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit.`,
      400,
      { slug: slug.slice(0, 60) },
    );
  }
}

/** A part's filename as a relative path inside the site, or a 400 that says what is wrong with it. */
function checkedPath(raw: string): string {
  const why =
    raw.length === 0
      ? 'it is empty'
      : raw.length > MAX_PAGE_PATH_LENGTH
        ? `it is longer than ${MAX_PAGE_PATH_LENGTH} characters`
        : raw.includes('\\')
          ? 'it has a backslash'
          : hasControl(raw)
            ? 'it has a control character'
            : raw.startsWith('/')
              ? 'it is absolute'
              : /^[A-Za-z]:/.test(raw)
                ? 'it names a drive'
                : raw.split('/').some((s) => s === '..' || s === '.')
                  ? 'it has a . or .. segment'
                  : raw.split('/').some((s) => s === '')
                    ? 'it has an empty segment'
                    : undefined;
  if (why !== undefined) {
    throw new PeakformError(
      'ERR_PAGE_PATH_INVALID',
      `The file "${raw.slice(0, 100).replace(/[^\x20-\x7e]/g, '?')}" cannot be deployed: ${why}. Name each file by its path relative to the site folder, e.g. assets/app.js.`,
      400,
    );
  }
  return raw;
}

function tooManyFiles(): PeakformError {
  return new PeakformError(
    'ERR_PAGE_TOO_MANY_FILES',
    `A deploy holds at most ${MAX_PAGE_FILES} files. Bundle the site’s assets into fewer files.`,
  );
}

function keptVersions(row: PageRow): number[] {
  return [row.currentVersion, row.previousVersion].filter((v): v is number => v !== null);
}

function notFound(slug: string): PeakformError {
  return new PeakformError('ERR_PAGE_NOT_FOUND', `No page "${slug.slice(0, 60)}" of yours.`, 404, {
    slug: slug.slice(0, 60),
  });
}
