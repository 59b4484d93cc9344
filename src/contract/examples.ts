import type { RouteSpec } from './route.ts';

/**
 * A worked example of every operation, derived from its declaration: a curl line and the SDK
 * call, with the required parameters and body fields filled from their schemas (enums, defaults,
 * formats). The OpenAPI document carries them as `x-codeSamples` and in each description, so the
 * interactive docs show one for every route.
 */

type JsonSchema = Record<string, unknown>;

export interface CodeSample {
  lang: 'Shell' | 'TypeScript';
  label: string;
  source: string;
}

const TABLE_ACCEPT = 'application/vnd.apache.arrow.stream';

/** Named schemas by id, for `$ref`s to `#/components/schemas/<id>`. */
type Components = Record<string, JsonSchema>;

/** A plausible value for a JSON schema: its example, default, first enum value, or one of its type. */
export function exampleValue(
  schema: JsonSchema | undefined,
  components: Components = {},
  name = '',
  depth = 0,
): unknown {
  if (!schema || depth > 6) return null;
  if (typeof schema.$ref === 'string') {
    return exampleValue(components[schema.$ref.split('/').pop()!], components, name, depth + 1);
  }
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const concrete = (options as JsonSchema[]).find((o) => o.type !== 'null') ?? options[0];
      return exampleValue(concrete as JsonSchema, components, name, depth + 1);
    }
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      return Object.fromEntries(
        Object.entries(properties)
          .filter(([key]) => required.has(key))
          .map(([key, value]) => [key, exampleValue(value, components, key, depth + 1)]),
      );
    }
    case 'array':
      return [exampleValue(schema.items as JsonSchema, components, name, depth + 1)];
    case 'integer':
      return typeof schema.minimum === 'number' && schema.minimum > 1 ? schema.minimum : 1;
    case 'number':
      return typeof schema.minimum === 'number' && schema.minimum > 0 ? schema.minimum : 1.5;
    case 'boolean':
      return true;
    case 'string':
      return exampleString(schema, name);
    default:
      return null;
  }
}

function exampleString(schema: JsonSchema, name: string): string {
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : '';
  if (schema.format === 'date-time' || pattern.includes('[Tt ]')) return '2026-11-30T07:00:00+01:00';
  if (
    schema.format === 'date' ||
    pattern.includes('\\d{4}-\\d{2}-\\d{2}$') ||
    /date$|^start$|^end$/.test(name)
  ) {
    return '2026-11-30';
  }
  if (name === 'sport') return 'cycling';
  if (schema.format === 'uri' || /url$|uri$/.test(name)) return 'https://app.example/callback';
  if (schema.format === 'email' || name === 'email') return 'ada@example.org';
  return name ? `<${name}>` : '<value>';
}

/** The curl line and the SDK call of one operation. */
export function codeSamples(
  route: RouteSpec,
  parts: { path: JsonSchema | undefined; query: JsonSchema | undefined; body: JsonSchema | undefined },
  components: Components = {},
): CodeSample[] {
  const pathParams = Object.keys((parts.path?.properties ?? {}) as object);
  const query = exampleValue(parts.query, components) as Record<string, unknown> | null;
  const body = parts.body ? exampleValue(parts.body, components) : undefined;
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => `<${name}>`);
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const url = `$PEAKFORM_URL${path}${search.size > 0 ? `?${search}` : ''}`;
  const curl = ['curl'];
  if (route.method !== 'GET') curl.push(`-X ${route.method}`);
  if (route.scope) curl.push('-H "Authorization: Bearer $PEAKFORM_TOKEN"');
  if (route.response.kind === 'table') curl.push(`-H "Accept: ${TABLE_ACCEPT}"`);
  const upload = route.path.includes('/pages/') ? 'index.html' : 'ride.fit';
  if (route.bodyType === 'multipart') curl.push(`-F files=@${upload}`);
  else if (body !== undefined) curl.push(`-H "Content-Type: application/json" -d '${JSON.stringify(body)}'`);
  curl.push(`"${url}"`);
  if (route.response.kind === 'table') curl.push('-o table.arrow');

  const input: Record<string, unknown> = {};
  for (const name of pathParams) input[name] = `<${name}>`;
  Object.assign(input, query ?? {});
  if (route.bodyType === 'multipart') input.files = `[{ name: "${upload}", bytes }]`;
  else if (body !== undefined) input.body = body;
  const args = Object.keys(input).length > 0 ? sdkLiteral(input) : '';
  const result = route.response.kind === 'table' ? 'table' : route.response.kind === 'empty' ? '' : 'result';
  const call = `await client.${route.operationId}(${args});`;
  return [
    { lang: 'Shell', label: 'curl', source: curl.join(' ') },
    { lang: 'TypeScript', label: '@peakform/sdk', source: result ? `const ${result} = ${call}` : call },
  ];
}

/** An object literal as code, with the multipart `files` placeholder left unquoted. */
function sdkLiteral(value: Record<string, unknown>): string {
  return `{ ${Object.entries(value)
    .map(
      ([key, v]) =>
        `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${key === 'files' ? v : JSON.stringify(v)}`,
    )
    .join(', ')} }`;
}

/** The samples as markdown, for the operation's description in the interactive docs. */
export function samplesMarkdown(samples: readonly CodeSample[]): string {
  return `**Example**\n\n${samples
    .map((s) => `\`\`\`${s.lang === 'Shell' ? 'sh' : 'ts'}\n${s.source}\n\`\`\``)
    .join('\n\n')}`;
}
