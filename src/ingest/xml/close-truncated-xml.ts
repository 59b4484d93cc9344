/** Namespace prefixes are short; a longer run before `:` is not a prefix (and must not be rescanned). */
const MAX_PREFIX_CHARS = 64;

/**
 * Salvages a cut-off XML file: keeps the text up to the last complete `recordTag` element
 * (e.g. `Trackpoint`, with any namespace prefix) and closes the elements still open there.
 * Returns null when no complete record exists.
 *
 * One forward pass over the kept text, without regular expressions: every character is looked at
 * a bounded number of times, so a hostile file (thousands of tags that never close, unterminated
 * quotes or comments) costs linear time. Markup that is broken (a `<` inside a tag) ends that tag
 * where the next one starts, as an XML parser would reject it anyway.
 */
export function closeTruncatedXml(text: string, recordTag: string): string | null {
  const end = endOfLastClosingTag(text, recordTag);
  if (end < 0) return null;
  const kept = text.slice(0, end);
  const open = new OpenElements();
  let i = kept.indexOf('<');
  while (i >= 0) {
    let next: number;
    const second = kept.charCodeAt(i + 1);
    if (second === BANG || second === QUESTION) {
      next = skipDeclaration(kept, i);
      // An unterminated comment, processing instruction or CDATA section runs to the end.
      if (next < 0) break;
    } else {
      const closing = second === SLASH;
      const nameStart = closing ? i + 2 : i + 1;
      const nameEnd = scanName(kept, nameStart);
      if (nameEnd === nameStart) {
        i = kept.indexOf('<', i + 1);
        continue;
      }
      const tag = scanTagEnd(kept, nameEnd);
      if (tag.complete) {
        const name = kept.slice(nameStart, nameEnd);
        if (closing) open.close(name);
        else if (!tag.selfClosing) open.push(name);
      }
      next = tag.end;
    }
    i = kept.indexOf('<', next);
  }
  return kept + open.closingTags();
}

/** Index just after the last `</recordTag>` (any namespace prefix, optional spaces), or -1. */
function endOfLastClosingTag(text: string, recordTag: string): number {
  for (
    let at = text.lastIndexOf(recordTag);
    at >= 0;
    at = at === 0 ? -1 : text.lastIndexOf(recordTag, at - 1)
  ) {
    let after = at + recordTag.length;
    while (after < text.length && isSpace(text.charCodeAt(after))) after++;
    if (text[after] !== '>') continue;
    let before = at - 1;
    if (text[before] === ':') {
      const limit = Math.max(0, before - MAX_PREFIX_CHARS);
      before--;
      while (before > limit && isNameChar(text.charCodeAt(before)) && text[before] !== ':') before--;
      if (text[before] !== '/') continue;
    }
    if (text[before] === '/' && text[before - 1] === '<') return after + 1;
  }
  return -1;
}

const BANG = 0x21;
const QUESTION = 0x3f;
const SLASH = 0x2f;
const GREATER = 0x3e;
const LESS = 0x3c;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;

/** Index after the comment, CDATA section, processing instruction or declaration at `at`; -1 when it never ends. */
function skipDeclaration(text: string, at: number): number {
  const [terminator, bodyStart] = text.startsWith('<!--', at)
    ? ['-->', at + 4]
    : text.startsWith('<![CDATA[', at)
      ? [']]>', at + 9]
      : text.startsWith('<?', at)
        ? ['?>', at + 2]
        : ['>', at + 2];
  const end = text.indexOf(terminator, bodyStart);
  return end < 0 ? -1 : end + terminator.length;
}

/** End of the element name starting at `from` (XML name characters), `from` when there is none. */
function scanName(text: string, from: number): number {
  if (from >= text.length || !isNameStart(text.charCodeAt(from))) return from;
  let end = from + 1;
  while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
  return end;
}

/**
 * Where the tag whose name ends at `from` ends: after its `>`, honouring quoted attribute values.
 * A `<` before that (never valid inside a tag) makes it incomplete and ends it there.
 */
function scanTagEnd(text: string, from: number): { end: number; complete: boolean; selfClosing: boolean } {
  let quote = 0;
  for (let j = from; j < text.length; j++) {
    const code = text.charCodeAt(j);
    if (code === LESS) return { end: j, complete: false, selfClosing: false };
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) quote = code;
    else if (code === GREATER)
      return { end: j + 1, complete: true, selfClosing: text.charCodeAt(j - 1) === SLASH };
  }
  return { end: text.length, complete: false, selfClosing: false };
}

/** The stack of open elements, with a count per name so closing an unknown name costs O(1). */
class OpenElements {
  readonly #stack: string[] = [];
  readonly #openCount = new Map<string, number>();

  push(name: string): void {
    this.#stack.push(name);
    this.#openCount.set(name, (this.#openCount.get(name) ?? 0) + 1);
  }

  /** Closes the innermost open `name` and everything opened inside it; ignores a name not open. */
  close(name: string): void {
    if (!this.#openCount.get(name)) return;
    for (let popped = this.#stack.pop(); popped !== undefined; popped = this.#stack.pop()) {
      this.#openCount.set(popped, this.#openCount.get(popped)! - 1);
      if (popped === name) return;
    }
  }

  closingTags(): string {
    let tags = '';
    for (let k = this.#stack.length - 1; k >= 0; k--) tags += `</${this.#stack[k]}>`;
    return tags;
  }
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

/** Letters, digits, `_ . : -`: the name characters the files we read use. */
function isNameChar(code: number): boolean {
  return (
    isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x3a || code === 0x2d
  );
}
