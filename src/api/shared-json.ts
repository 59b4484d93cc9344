import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { type $ZodType, safeEncode } from 'zod/v4/core';

/**
 * A JSON array response whose items a cache shares: frozen records, never changed while cached
 * (the activity catalog view's). Each item is encoded by the route's item schema and stringified
 * once; a response joins the bytes. The body is the one the route's serializer makes of the same
 * array (`JSON.stringify` of the encoded array is the items' strings joined with commas).
 */
export class SharedJsonArray<T> {
  constructor(readonly items: readonly T[]) {}
}

const encodedItems = new WeakMap<object, Buffer>();
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

export function sharedJsonArrayBody(
  items: readonly object[],
  itemSchema: $ZodType,
  route: { method: string; url: string },
): Buffer {
  const parts: Buffer[] = [OPEN];
  for (const [i, item] of items.entries()) {
    let bytes = encodedItems.get(item);
    if (!bytes) {
      const result = safeEncode(itemSchema, item);
      if (result.error)
        throw new ResponseSerializationError(route.method, route.url, { cause: result.error });
      bytes = Buffer.from(JSON.stringify(result.data));
      // Only what cannot change is remembered.
      if (Object.isFrozen(item)) encodedItems.set(item, bytes);
    }
    if (i > 0) parts.push(COMMA);
    parts.push(bytes);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}
