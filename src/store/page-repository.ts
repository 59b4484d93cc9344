import type { Store } from './store.ts';

/** One page: which application owns it, the version served and the one kept for rollback. */
export interface PageRow {
  slug: string;
  applicationId: string;
  currentVersion: number | null;
  previousVersion: number | null;
}

export interface PageVersionRow {
  slug: string;
  version: number;
  sizeBytes: number;
  files: string[];
  deployedAtS: number;
}

const SELECT_PAGE = `SELECT slug, application_id AS "applicationId", current_version AS "currentVersion",
  previous_version AS "previousVersion" FROM pages`;

const VARCHAR_LIST = 'CAST(CAST(? AS JSON) AS VARCHAR[])';

/** All SQL of Pages: the pages and their deployed versions. */
export class PageRepository {
  constructor(private readonly store: Store) {}

  listPages(): Promise<PageRow[]> {
    return this.store.all<PageRow>(`${SELECT_PAGE} ORDER BY slug`);
  }

  async findPage(slug: string): Promise<PageRow | undefined> {
    const [row] = await this.store.all<PageRow>(`${SELECT_PAGE} WHERE slug = ?`, [slug]);
    return row;
  }

  async findVersion(slug: string, version: number): Promise<PageVersionRow | undefined> {
    const [row] = await this.store.all<PageVersionRow>(
      `SELECT slug, version, size_bytes::DOUBLE AS "sizeBytes", files, epoch(deployed_at) AS "deployedAtS"
       FROM page_versions WHERE slug = ? AND version = ?`,
      [slug, version],
    );
    return row;
  }

  /** The versions pages serve or keep for rollback, with their file lists. */
  listKeptVersions(): Promise<Pick<PageVersionRow, 'slug' | 'version' | 'files'>[]> {
    return this.store.all(
      `SELECT v.slug, v.version, v.files FROM page_versions v JOIN pages p ON p.slug = v.slug
       AND (p.current_version = v.version OR p.previous_version = v.version) ORDER BY v.slug, v.version`,
    );
  }

  /**
   * Inserts a page unless its slug or its application already has one; answers the row that
   * stands (the new one, or the one in the way) so the caller can tell which.
   */
  insertPage(slug: string, applicationId: string): Promise<{ created: boolean; existing?: PageRow }> {
    return this.store.write(async (tx) => {
      const [existing] = await tx.all<PageRow>(`${SELECT_PAGE} WHERE slug = ? OR application_id = ?`, [
        slug,
        applicationId,
      ]);
      if (existing) return { created: false, existing };
      await tx.run('INSERT INTO pages (slug, application_id, next_version) VALUES (?, ?, 1)', [
        slug,
        applicationId,
      ]);
      return { created: true };
    });
  }

  /** Takes the next version number of a page (never handed out twice). */
  allocateVersion(slug: string): Promise<number | undefined> {
    return this.store.write(async (tx) => {
      const [row] = await tx.all<{ version: number }>(
        'SELECT next_version AS version FROM pages WHERE slug = ?',
        [slug],
      );
      if (!row) return undefined;
      await tx.run('UPDATE pages SET next_version = next_version + 1 WHERE slug = ?', [slug]);
      return row.version;
    });
  }

  /**
   * The atomic switch: records the new version, serves it, keeps the one it replaces for
   * rollback, and forgets every other version, in one transaction. Answers the page as it now
   * stands and the versions no longer kept (their folders may go), or undefined when the page was
   * deleted meanwhile.
   */
  publishVersion(
    version: Omit<PageVersionRow, 'deployedAtS'>,
  ): Promise<{ page: PageRow; stale: number[] } | undefined> {
    return this.store.write(async (tx) => {
      const [page] = await tx.all<PageRow>(`${SELECT_PAGE} WHERE slug = ?`, [version.slug]);
      if (!page) return undefined;
      await tx.run(
        `INSERT INTO page_versions (slug, version, size_bytes, files) VALUES (?, ?, ?, ${VARCHAR_LIST})`,
        [version.slug, version.version, version.sizeBytes, JSON.stringify(version.files)],
      );
      await tx.run('UPDATE pages SET current_version = ?, previous_version = ? WHERE slug = ?', [
        version.version,
        page.currentVersion,
        version.slug,
      ]);
      const stale = await forgetOthers(tx, version.slug, [version.version, page.currentVersion]);
      return {
        page: { ...page, currentVersion: version.version, previousVersion: page.currentVersion },
        stale,
      };
    });
  }

  /** Swaps the served and the kept version; undefined when there is nothing to swap. */
  swapVersions(slug: string): Promise<PageRow | undefined> {
    return this.store.write(async (tx) => {
      const [page] = await tx.all<PageRow>(`${SELECT_PAGE} WHERE slug = ?`, [slug]);
      if (!page || page.previousVersion === null) return undefined;
      await tx.run('UPDATE pages SET current_version = ?, previous_version = ? WHERE slug = ?', [
        page.previousVersion,
        page.currentVersion,
        slug,
      ]);
      return { ...page, currentVersion: page.previousVersion, previousVersion: page.currentVersion };
    });
  }

  /** Deletes a page with its versions. */
  deletePage(slug: string): Promise<void> {
    return this.store.write(async (tx) => {
      await tx.run('DELETE FROM page_versions WHERE slug = ?', [slug]);
      await tx.run('DELETE FROM pages WHERE slug = ?', [slug]);
    });
  }
}

async function forgetOthers(
  tx: Parameters<Parameters<Store['write']>[0]>[0],
  slug: string,
  kept: (number | null)[],
): Promise<number[]> {
  const keep = kept.filter((v): v is number => v !== null);
  const stale = await tx.all<{ version: number }>(
    `SELECT version FROM page_versions WHERE slug = ? AND version NOT IN (${keep.map(() => '?').join(', ')})`,
    [slug, ...keep],
  );
  if (stale.length > 0) {
    await tx.run(
      `DELETE FROM page_versions WHERE slug = ? AND version IN (${stale.map(() => '?').join(', ')})`,
      [slug, ...stale.map((s) => s.version)],
    );
  }
  return stale.map((s) => s.version);
}
