import { XMLParser } from 'fast-xml-parser';
import { closeTruncatedXml } from './close-truncated-xml.ts';

/** A parsed element: child elements by local name (namespace prefixes removed), attributes as `@_name`. */
export type XmlNode = { readonly [name: string]: unknown };

export interface XmlDocument {
  root: XmlNode;
  /** True when the text was cut off and only its complete records were parsed. */
  truncated: boolean;
}

/**
 * Parses an XML activity file with fast-xml-parser. Values stay strings (readers parse numbers
 * and times themselves); entities are not expanded, so a hostile DOCTYPE cannot blow up memory.
 * A file that does not end with its root's closing tag was cut off: it is parsed up to its last
 * complete `recordTag`, because the parser accepts some cut-off files silently with a half
 * record at the end. Null when nothing parses.
 */
export function parseXmlDocument(
  text: string,
  options: { rootTag: string; arrayTags: ReadonlySet<string>; recordTag: string },
): XmlDocument | null {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && options.arrayTags.has(name),
  });
  const rootClose = new RegExp(`</(?:[\\w.-]+:)?${options.rootTag}\\s*>`);
  const truncated = !rootClose.test(text.slice(-4096));
  const complete = truncated ? closeTruncatedXml(text, options.recordTag) : text;
  if (complete === null) return null;
  try {
    return { root: parser.parse(complete) as XmlNode, truncated };
  } catch {
    return null;
  }
}
