import type { FastifyRequest } from 'fastify';
import { PeakformError } from '../../domain/errors.ts';
import { MAX_PAGE_BYTES, MAX_PAGE_FILES } from '../../domain/wire-pages.ts';
import type { Engine, IncomingPageFile, Page } from '../../engine/engine.ts';
import type { Handlers } from '../handler-types.ts';
import { assertOwnerToken } from './owner-token.ts';
import { type PublicUrl, publicBase } from './user-handlers.ts';

type PageOperation =
  | 'ensureApplicationPage'
  | 'createPage'
  | 'getPage'
  | 'deployPage'
  | 'rollbackPage'
  | 'deletePage';

/** What a refused deploy may still send before the connection is dropped instead of read. */
const MAX_DRAIN_BYTES = 4 * MAX_PAGE_BYTES;

/** Pages (WIRE.md §3.13): managed by the application's owner in person, like the application. */
export function createPageHandlers(
  engine: Engine,
  options: { publicUrl?: PublicUrl },
): Pick<Handlers, PageOperation> {
  const { pages } = engine;
  // The OAuth issuer once the server knows it: the page's redirect URI must be on the issuer's origin.
  const base = (request: FastifyRequest) => engine.identity.issuer ?? publicBase(request, options.publicUrl);
  return {
    ensureApplicationPage: async ({ athleteId, params, body, request }) => {
      assertOwnerToken(request.token);
      return wirePage(await pages.ensure(athleteId, params.id, body.slug, base(request)), base(request));
    },
    createPage: async ({ athleteId, body, request }) => {
      assertOwnerToken(request.token);
      return wirePage(
        await pages.ensure(athleteId, body.application_id, body.slug, base(request)),
        base(request),
      );
    },
    getPage: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      return wirePage(await pages.get(athleteId, params.slug), base(request));
    },
    deployPage: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      // The page is the caller's before its body is read: another owner learns nothing from a 4xx.
      await pages.get(athleteId, params.slug);
      if (!request.isMultipart()) {
        throw new PeakformError(
          'ERR_UPLOAD_NOT_MULTIPART',
          'Deploy a site as multipart/form-data: one part named `files` per file, its filename the path inside the site (curl -F "files=@index.html;filename=index.html" …).',
        );
      }
      const parts = request.parts({
        // Filenames are paths inside the site: keep them whole (busboy keeps the base name otherwise).
        preservePath: true,
        limits: { files: MAX_PAGE_FILES, fileSize: MAX_PAGE_BYTES, fields: 20, parts: MAX_PAGE_FILES + 20 },
      });
      try {
        return wirePage(await pages.deploy(athleteId, params.slug, fileParts(parts)), base(request));
      } catch (error) {
        // Read what the client still sends (within a bound) so that it receives the problem rather than a reset.
        await drain(request);
        throw pageLimitError(error);
      }
    },
    rollbackPage: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      return wirePage(await pages.rollback(athleteId, params.slug), base(request));
    },
    deletePage: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      await pages.delete(athleteId, params.slug, base(request));
      return undefined;
    },
  };
}

type Parts = ReturnType<FastifyRequest['parts']>;

/** The file parts of a deploy, each with its filename as the path; other fields are ignored. */
async function* fileParts(parts: Parts): AsyncGenerator<IncomingPageFile> {
  try {
    for await (const part of parts) {
      if (part.type === 'file') yield { path: part.filename, chunks: part.file };
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('FST_')) throw error;
    if (error instanceof PeakformError) throw error;
    throw new PeakformError(
      'ERR_UPLOAD_MALFORMED',
      `The multipart body could not be read (${(error as Error).message}). Send multipart/form-data with a boundary and complete parts.`,
    );
  }
}

/** Reads and drops the rest of a refused request's body, up to a bound; past it, the connection is dropped. */
async function drain(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  if (raw.readableEnded || raw.destroyed) return;
  raw.unpipe();
  let bytes = 0;
  await new Promise<void>((resolve) => {
    raw.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (bytes > MAX_DRAIN_BYTES) {
        raw.destroy();
        resolve();
      }
    });
    raw.once('end', resolve);
    raw.once('close', resolve);
    raw.once('error', () => resolve());
    raw.resume();
  });
}

/** Busboy's limits as the page's own codes. */
function pageLimitError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new PeakformError(
      'ERR_PAGE_TOO_LARGE',
      'A file is larger than the 10 MB (10,485,760 bytes) a whole site may hold. Compress or drop large assets.',
    );
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT')
    return new PeakformError(
      'ERR_PAGE_TOO_MANY_FILES',
      `A deploy holds at most ${MAX_PAGE_FILES} files. Bundle the site’s assets into fewer files.`,
    );
  return error;
}

/** `PageResponse` (WIRE.md §2.9) with Peakform's fields: version, rollback target, files, size. */
export function wirePage(page: Page, publicUrl: string) {
  const url = `${publicUrl.replace(/\/+$/, '')}/pages/${page.slug}/`;
  return {
    slug: page.slug,
    published: page.currentVersion !== null,
    application: {
      id: page.application.id,
      name: page.application.name,
      is_private: page.application.isPrivate,
    },
    url,
    redirect_uri: url,
    version: page.currentVersion,
    previous_version: page.previousVersion,
    deployed_at: page.deployedAt?.toISOString() ?? null,
    size_bytes: page.sizeBytes,
    files: page.files,
  };
}
