import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ROUTE_LIST, type RouteSpec } from '../contract/index.ts';

/**
 * `/llms.txt` and `/llms-full.txt` (llmstxt.org): the API for coding agents, generated from the
 * route table (every route with method, path, scope, summary and parameters, the parameters read
 * from the OpenAPI document the same table builds) and the guides in docs/guides. llms.txt is the
 * index (one line per route, links to the guides); llms-full.txt inlines descriptions, parameters,
 * errors and the guides' text.
 */

const GUIDES_DIR = join(import.meta.dirname, '../../docs/guides');

export interface Guide {
  file: string;
  title: string;
  summary: string;
  text: string;
}

/** The guides, ordered by file name; a missing folder gives none. */
export function readGuides(dir = GUIDES_DIR): Guide[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort();
  } catch {
    return [];
  }
  return files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const title = /^# (.+)$/m.exec(text)?.[1]?.trim() ?? file;
    const summary =
      text
        .split('\n')
        .find((line) => line.trim() && !line.startsWith('#') && !line.startsWith('```'))
        ?.trim() ?? '';
    return { file, title, summary, text };
  });
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema?: { type?: unknown; enum?: unknown[] };
}

type OpenApi = { paths: Record<string, Record<string, { parameters?: Parameter[] }>> };

function parametersOf(document: OpenApi, route: RouteSpec): Parameter[] {
  return document.paths[route.path]?.[route.method.toLowerCase()]?.parameters ?? [];
}

function returns(route: RouteSpec): string {
  const r = route.response;
  if (r.kind === 'table') return `table \`${r.table.name}\` (Parquet, Arrow, CSV or JSON)`;
  if (r.kind === 'ndjson') return 'NDJSON';
  if (r.kind === 'empty') return '204 No Content';
  return 'JSON';
}

function routeLine(route: RouteSpec, document: OpenApi): string {
  const params = parametersOf(document, route)
    .map((p) => `${p.name}${p.required ? '' : '?'}`)
    .join(', ');
  const scope = route.scope ? `scope ${route.scope}` : 'public';
  return `- ${route.method} ${route.path} — ${route.summary} (\`${route.operationId}\`; ${scope}; ${returns(route)}${params ? `; params: ${params}` : ''})`;
}

const HEADER = (baseUrl: string, version: string) => `# Peakform

> Open sports-data platform (version ${version}): activity files (FIT, TCX, GPX, CSV) from any wearable into a per-athlete Parquet lake, served over an HTTP API that is wire-compatible with SweatStack. Analytics (mean-max curves, CP/W′ models, training load, metabolic profile) over JSON or Arrow/Parquet tables.

Base URL: ${baseUrl}. Every route takes \`Authorization: Bearer <token>\` (a personal API key or an OAuth access token, PKCE for public clients) unless marked public. Errors are RFC 9457 problems (\`application/problem+json\`) with a stable \`code\` (ERR_<AREA>_<WHAT>), a \`detail\` that says how to fix it and a \`request_id\`. Table routes answer Parquet by default and Arrow, CSV or JSON by \`Accept\` or \`?format=\`. List parameters repeat the key (\`sport=cycling&sport=running\`); \`durations\` is one comma list.

- OpenAPI 3.1: ${baseUrl}/openapi.json
- Interactive docs: ${baseUrl}/docs
- TypeScript SDK: \`@peakform/sdk\` (one method per operationId below; Arrow tables; retries; OAuth helpers)
- MCP server: \`peakform mcp\` (stdio; PEAKFORM_URL, PEAKFORM_TOKEN)
`;

export function buildLlmsTxt(options: {
  baseUrl: string;
  version: string;
  document: unknown;
  guides: readonly Guide[];
}): string {
  const document = options.document as OpenApi;
  const byTag = new Map<string, RouteSpec[]>();
  for (const route of ROUTE_LIST) byTag.set(route.tag, [...(byTag.get(route.tag) ?? []), route]);
  const sections = [...byTag].map(
    ([tag, routes]) => `## API: ${tag}\n\n${routes.map((r) => routeLine(r, document)).join('\n')}\n`,
  );
  const guides = options.guides.length
    ? `## Guides\n\n${options.guides
        .map((g) => `- [${g.title}](${options.baseUrl}/llms-full.txt#${g.file}): ${g.summary}`)
        .join('\n')}\n`
    : '';
  return [
    HEADER(options.baseUrl, options.version),
    guides,
    ...sections,
    '## Optional\n\n- [Everything in one file](/llms-full.txt): every route with its parameters and errors, and the guides in full\n',
  ]
    .filter(Boolean)
    .join('\n');
}

export function buildLlmsFullTxt(options: {
  baseUrl: string;
  version: string;
  document: unknown;
  guides: readonly Guide[];
}): string {
  const document = options.document as OpenApi;
  const routes = ROUTE_LIST.map((route) => {
    const params = parametersOf(document, route).map((p) => {
      const type = p.schema?.enum ? `one of ${p.schema.enum.join(', ')}` : String(p.schema?.type ?? 'string');
      return `  - \`${p.name}\` (${p.in}, ${p.required ? 'required' : 'optional'}, ${type})${p.description ? `: ${p.description}` : ''}`;
    });
    const body =
      route.bodyType === 'multipart'
        ? 'multipart/form-data'
        : route.body
          ? route.bodyType === 'form'
            ? 'form or JSON'
            : 'JSON'
          : undefined;
    return [
      `### ${route.method} ${route.path}`,
      '',
      `${route.summary}. Operation \`${route.operationId}\`; ${route.scope ? `scope \`${route.scope}\`` : 'public'}; returns ${returns(route)}${body ? `; body ${body}` : ''}.`,
      ...(route.description ? ['', route.description] : []),
      ...(params.length ? ['', 'Parameters:', ...params] : []),
      ...(route.response.kind === 'table'
        ? [
            '',
            `Columns: ${route.response.table.columns.map((c) => `${c.name} (${c.type}${c.unit ? `, ${c.unit}` : ''})`).join(', ')}`,
          ]
        : []),
      '',
      `Errors: ${route.errors.join(', ')}`,
      '',
    ].join('\n');
  });
  const guides = options.guides.map((g) => `<!-- ${g.file} -->\n${g.text.replace(/^#/gm, '##')}\n`);
  return [
    HEADER(options.baseUrl, options.version),
    '## API reference\n',
    ...routes,
    ...(guides.length ? ['# Guides\n', ...guides] : []),
  ].join('\n');
}

/** Serves both files; the base URL in them is the request's own origin. */
export function registerLlmsTxt(app: FastifyInstance, options: { version: string; document: unknown }): void {
  const guides = readGuides();
  const origin = (request: { protocol: string; host: string }) => `${request.protocol}://${request.host}`;
  app.get('/llms.txt', { schema: { hide: true } }, async (request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return buildLlmsTxt({ ...options, baseUrl: origin(request), guides });
  });
  app.get('/llms-full.txt', { schema: { hide: true } }, async (request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return buildLlmsFullTxt({ ...options, baseUrl: origin(request), guides });
  });
}
