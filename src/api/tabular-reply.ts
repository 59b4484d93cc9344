import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { PeakformError } from '../domain/errors.ts';
import { TABULAR_MEDIA_TYPES, type TabularFormat } from '../domain/wire.ts';
import { type LakeArrowPlan, streamLakeArrow } from '../query/formats/lake-arrow-stream.ts';

/** Content types sent: the wire contract's, with a charset for the text formats. */
export const MEDIA_TYPES: Record<TabularFormat, string> = {
  ...TABULAR_MEDIA_TYPES,
  csv: `${TABULAR_MEDIA_TYPES.csv}; charset=utf-8`,
  json: `${TABULAR_MEDIA_TYPES.json}; charset=utf-8`,
};

/**
 * `?format=` wins; else the first acceptable type of the Accept header; Parquet for no Accept or
 * a wildcard, as the official clients expect (they never set Accept and read Parquet).
 */
export function negotiateFormat(request: FastifyRequest, format: TabularFormat | undefined): TabularFormat {
  if (format) return format;
  const accept = request.headers.accept;
  if (!accept) return 'parquet';
  const ranges = accept
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const range of ranges) {
    if (range.type === '*/*' || range.type === 'application/*') return 'parquet';
    const match = (Object.keys(MEDIA_TYPES) as TabularFormat[]).find(
      (f) =>
        MEDIA_TYPES[f].split(';')[0] === range.type ||
        (f === 'parquet' && range.type === 'application/x-parquet'),
    );
    if (match) return match;
  }
  throw new PeakformError(
    'ERR_FORMAT_NOT_ACCEPTABLE',
    `None of the types in Accept (${accept}) can be produced. Ask for ${Object.values(MEDIA_TYPES)
      .map((t) => t.split(';')[0])
      .join(', ')} or pass ?format=arrow|parquet|csv|json.`,
    406,
  );
}

/**
 * The Arrow body of a result read straight from the lake (`TabularResult.lakeArrow`): the schema
 * and the first batch are read before it is returned, so a file that cannot be read is a clean
 * error rather than a truncated 200.
 */
export async function lakeArrowBody(plan: LakeArrowPlan): Promise<Readable> {
  const stream = streamLakeArrow(plan);
  const head: Uint8Array[] = [];
  for (let i = 0; i < 2; i++) {
    const next = await stream.next();
    if (next.done) break;
    head.push(next.value);
  }
  return Readable.from(
    (async function* () {
      yield* head;
      yield* stream;
    })(),
    { objectMode: false },
  );
}
