import type { XmlNode } from './parse-xml-document.ts';

/** The child element or attribute `name` of a node, when the node is an element. */
export function xmlChild(node: unknown, name: string): unknown {
  return node !== null && typeof node === 'object' && !Array.isArray(node)
    ? (node as XmlNode)[name]
    : undefined;
}

/** Text content of an element (also when it has attributes), or null. */
export function xmlText(node: unknown): string | null {
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  const text = xmlChild(node, '#text');
  return typeof text === 'string' || typeof text === 'number' ? String(text) : null;
}

/** Numeric content of an element, NaN when absent or not a number. */
export function xmlNumber(node: unknown): number {
  const text = xmlText(node);
  return text === null || text.trim() === '' ? Number.NaN : Number(text);
}

/** Repeated elements as a list (one element, absent, or a list). */
export function xmlList(node: unknown): unknown[] {
  if (node === undefined || node === null) return [];
  return Array.isArray(node) ? node : [node];
}
