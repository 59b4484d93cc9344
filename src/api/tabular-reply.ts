import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PeakformError } from '../domain/errors.ts';
import { TABULAR_MEDIA_TYPES, type TabularFormat } from '../domain/wire.ts';
import type { Engine, TabularResult } from '../engine/engine.ts';
import { writeArrowIpcStream } from '../query/formats/arrow-ipc-stream.ts';
import { writeCsv } from '../query/formats/csv.ts';
import { writeJsonRows } from '../query/formats/json-rows.ts';

/** Content types sent: the wire contract's, with a charset for the text formats. */
export const MEDIA_TYPES: Record<TabularFormat, string> = {
  ...TABULAR_MEDIA_TYPES,
  csv: `${TABULAR_MEDIA_TYPES.csv}; charset=utf-8`,
  json: `${TABULAR_MEDIA_TYPES.json}; charset=utf-8`,
};

/** `?format=` wins; else the first acceptable type of the Accept header; else JSON. */
export function negotiateFormat(request: FastifyRequest, format: TabularFormat | undefined): TabularFormat {
  if (format) return format;
  const accept = request.headers.accept;
  if (!accept) return 'json';
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
    if (range.type === '*/*' || range.type === 'application/*') return 'json';
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
 * Sends a tabular result in the negotiated format: Arrow, CSV and JSON are written batch by batch
 * as the batches arrive; Parquet is written by DuckDB to a temporary file, streamed, then deleted.
 */
export async function sendTabular(
  reply: FastifyReply,
  engine: Engine,
  format: TabularFormat,
  result: TabularResult,
  fileName: string,
): Promise<FastifyReply> {
  if (format === 'parquet') {
    const path = await engine.exportParquet(result);
    const stream = createReadStream(path);
    stream.on('close', () => void rm(path, { force: true }));
    reply.header('content-type', MEDIA_TYPES.parquet);
    reply.header('content-disposition', `attachment; filename="${fileName}.parquet"`);
    return reply.send(stream);
  }
  const body =
    format === 'arrow'
      ? Readable.from(writeArrowIpcStream(result.batches), { objectMode: false })
      : Readable.from(format === 'csv' ? writeCsv(result.batches) : writeJsonRows(result.batches), {
          objectMode: false,
        });
  reply.header('content-type', MEDIA_TYPES[format]);
  if (format !== 'json') reply.header('content-disposition', `attachment; filename="${fileName}.${format}"`);
  return reply.send(body);
}
