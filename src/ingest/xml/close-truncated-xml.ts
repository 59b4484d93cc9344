const MARKUP =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<![^>]*>|<(\/?)([A-Za-z_][\w.:-]*)(?:[^>"']|"[^"]*"|'[^']*')*?(\/?)>/g;

/**
 * Salvages a cut-off XML file: keeps the text up to the last complete `recordTag` element
 * (e.g. `Trackpoint`, with any namespace prefix) and closes the elements still open there.
 * Returns null when no complete record exists.
 */
export function closeTruncatedXml(text: string, recordTag: string): string | null {
  const closing = new RegExp(`</(?:[\\w.-]+:)?${recordTag}\\s*>`, 'g');
  let end = -1;
  for (let m = closing.exec(text); m; m = closing.exec(text)) end = m.index + m[0].length;
  if (end < 0) return null;
  const kept = text.slice(0, end);
  const open: string[] = [];
  for (const [, slash, name, selfClosing] of kept.matchAll(MARKUP)) {
    if (!name || selfClosing) continue;
    if (!slash) open.push(name);
    else {
      const at = open.lastIndexOf(name);
      if (at >= 0) open.length = at;
    }
  }
  return (
    kept +
    open
      .reverse()
      .map((name) => `</${name}>`)
      .join('')
  );
}
