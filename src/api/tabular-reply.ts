import type { FastifyRequest } from 'fastify';
import { PeakformError } from '../domain/errors.ts';
import { TABULAR_MEDIA_TYPES, type TabularFormat } from '../domain/wire.ts';

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
