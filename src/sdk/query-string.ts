/** A query value before it is written onto the wire; undefined and null leave the key out. */
export type QueryValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly (string | number | boolean)[];

/** Keys whose lists travel as one comma list (`durations=5,60,300`), not as repeated keys. */
const COMMA_LIST_KEYS: ReadonlySet<string> = new Set(['durations']);

/**
 * Writes query parameters the way the wire contract (DESIGN.md §5) reads them: lists as repeated
 * keys (`sport=cycling&sport=running`, `after=500&after=1000`), `durations` as one comma list
 * (`durations=5,60,300`, or the string `all`), booleans as `true`/`false`. Undefined, null and
 * empty lists are left out, so the server applies its default. Returns '' or '?…'.
 */
export function toQueryString(query: Readonly<Record<string, QueryValue>> = {}): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const name = encodeURIComponent(key);
    if (!isList(value)) {
      pairs.push(`${name}=${encodeURIComponent(String(value))}`);
    } else if (COMMA_LIST_KEYS.has(key)) {
      if (value.length > 0)
        pairs.push(`${name}=${value.map((v) => encodeURIComponent(String(v))).join(',')}`);
    } else {
      for (const item of value) pairs.push(`${name}=${encodeURIComponent(String(item))}`);
    }
  }
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

function isList(value: QueryValue): value is readonly (string | number | boolean)[] {
  return Array.isArray(value);
}
