import { z } from 'zod';
import { ARROW_TYPE_NAMES } from '../domain/column-types.ts';
import { ERROR_CATALOG } from '../domain/error-catalog.ts';
import { ProblemSchema } from '../domain/wire.ts';
import { codeSamples, samplesMarkdown } from './examples.ts';
import { ROUTES } from './index.ts';
import type { RouteSpec, TableSpec } from './route.ts';

const TABLE_MEDIA_TYPES = [
  'application/vnd.apache.parquet',
  'application/vnd.apache.arrow.stream',
  'text/csv',
  'application/json',
];

type JsonSchema = Record<string, unknown>;

/**
 * The OpenAPI 3.1 document, generated from the route table: named component schemas (every
 * schema with a `meta({ id })`), operation ids, required scopes, the declared errors with their
 * catalog entries, and the columns with Arrow types of every tabular response.
 */
export function buildOpenApiDocument(options: { version: string }): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const generated = z.toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      reused: 'inline',
      metadata: z.globalRegistry,
    });
    // Named schemas (`meta({ id })`) come out as $defs; they become components, referenced by name.
    const converted = JSON.parse(
      JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/'),
    ) as JsonSchema & { $defs?: Record<string, JsonSchema>; id?: string };
    for (const [id, definition] of Object.entries(converted.$defs ?? {})) components[id] ??= definition;
    const { $defs: _defs, $schema: _schema, ...rest } = converted;
    if (typeof rest.id === 'string') {
      // The schema itself is named: it becomes a component and the operation refers to it.
      const { id, ...definition } = rest;
      components[id] ??= definition;
      return { $ref: `#/components/schemas/${id}` };
    }
    return rest;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of Object.values(ROUTES) as RouteSpec[]) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route, toSchema, components);
  }
  components.Problem = toSchema(ProblemSchema, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Peakform API',
      version: options.version,
      description:
        'One API over activity data from every wearable, wire-compatible with SweatStack. Authenticate with `Authorization: Bearer <token>` (a personal API key: `peakform token create`). Tabular routes answer Parquet by default, Arrow IPC stream, CSV or JSON by `Accept` or `?format=`. Errors are application/problem+json with a stable `code` (see `x-error-catalog`).',
    },
    servers: [{ url: '/' }],
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    paths,
    'x-error-catalog': ERROR_CATALOG,
  };
}

function operation(
  route: RouteSpec,
  toSchema: (schema: z.ZodType, io: 'input' | 'output') => JsonSchema,
  components: Record<string, JsonSchema>,
) {
  const parameters: unknown[] = [];
  const samples = codeSamples(
    route,
    {
      path: route.params ? toSchema(route.params, 'input') : undefined,
      query: route.query ? toSchema(route.query, 'input') : undefined,
      body: route.body ? toSchema(route.body, 'input') : undefined,
    },
    components,
  );
  for (const [location, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: location,
        required: location === 'path' || (json.required ?? []).includes(name),
        schema: property,
        ...(property.description ? { description: property.description } : {}),
      });
    }
  }
  const responses: Record<string, unknown> = {};
  const response = route.response;
  if (response.kind === 'json') {
    responses[response.status] = {
      description: response.doc,
      ...(response.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, doc]) => [
                name,
                { description: doc, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      content: { 'application/json': { schema: toSchema(response.schema, 'output') } },
    };
  } else if (response.kind === 'table') {
    responses['200'] = {
      description: response.table.doc,
      content: Object.fromEntries(
        TABLE_MEDIA_TYPES.map((type) => [type, { schema: tableSchema(response.table) }]),
      ),
      'x-table': tableColumns(response.table),
    };
  } else if (response.kind === 'ndjson') {
    responses['200'] = {
      description: response.doc,
      content: { 'application/x-ndjson': { schema: toSchema(response.schema, 'output') } },
    };
  } else {
    responses[response.status] = { description: response.doc };
  }
  for (const code of route.errors) {
    const entry = ERROR_CATALOG[code];
    const key = String(entry.status);
    const existing = responses[key] as { description: string } | undefined;
    responses[key] = {
      description: `${existing ? `${existing.description}; ` : ''}${code}: ${entry.meaning}`,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: [route.description, samplesMarkdown(samples)].filter(Boolean).join('\n\n'),
    'x-codeSamples': samples,
    ...(route.scope ? { security: [{ bearer: [] }], 'x-scope': route.scope } : { security: [] }),
    parameters,
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content:
              route.bodyType === 'form'
                ? {
                    'application/x-www-form-urlencoded': { schema: toSchema(route.body, 'input') },
                    'application/json': { schema: toSchema(route.body, 'input') },
                  }
                : { 'application/json': { schema: toSchema(route.body, 'input') } },
          },
        }
      : route.bodyType === 'multipart'
        ? {
            requestBody: {
              required: true,
              content: {
                'multipart/form-data': {
                  schema: {
                    type: 'object',
                    properties: {
                      files: { type: 'array', items: { type: 'string', format: 'binary' } },
                      tags: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            },
          }
        : {}),
    responses,
    'x-errors': route.errors,
  };
}

function tableColumns(table: TableSpec) {
  return {
    name: table.name,
    columns: table.columns.map((c) => ({
      name: c.name,
      arrow_type: ARROW_TYPE_NAMES[c.type],
      ...(c.unit ? { unit: c.unit } : {}),
      nullable: c.nullable,
      required: c.required,
      description: c.doc,
    })),
  };
}

/** The JSON form of a table (an array of row objects), which also documents the columns. */
function tableSchema(table: TableSpec): JsonSchema {
  return {
    type: 'array',
    description: `${table.doc} Columns in order: ${table.columns.map((c) => `${c.name} (${ARROW_TYPE_NAMES[c.type]})`).join(', ')}.`,
    items: {
      type: 'object',
      properties: Object.fromEntries(
        table.columns.map((c) => [c.name, { description: c.doc, 'x-arrow-type': ARROW_TYPE_NAMES[c.type] }]),
      ),
    },
  };
}
