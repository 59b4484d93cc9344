import type { SourceFormat } from '../domain/activity.ts';

/** Enough of a text file to see its root element or header row. */
const SNIFF_BYTES = 64 * 1024;
const SNIFF_DECODER = new TextDecoder('utf-8', { fatal: false });

/**
 * The format of a file by its content: a FIT header (`.FIT` at bytes 8..11), an XML root
 * (`TrainingCenterDatabase` → TCX, `gpx` → GPX) or a delimited text header row (CSV). The
 * extension only decides for text without a delimiter (a one-column CSV); a wrong extension on
 * recognizable content does not matter. Null when nothing matches.
 */
export function detectFormat(bytes: Uint8Array, fileName?: string): SourceFormat | null {
  if (
    bytes.length >= 12 &&
    bytes[8] === 0x2e &&
    bytes[9] === 0x46 &&
    bytes[10] === 0x49 &&
    bytes[11] === 0x54
  ) {
    return 'fit';
  }
  const head = bytes.subarray(0, SNIFF_BYTES);
  if (!looksLikeText(head)) return null;
  const text = SNIFF_DECODER.decode(head).replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (start.startsWith('<')) {
    const root = xmlRootName(start);
    if (root === 'TrainingCenterDatabase') return 'tcx';
    if (root === 'gpx') return 'gpx';
    return null;
  }
  const firstLine = start.split(/\r\n|\n|\r/, 1)[0] ?? '';
  if (/[,;\t]/.test(firstLine) || /^"?timestamp"?\s*$/i.test(firstLine)) return 'csv';
  return extensionOf(fileName) === 'csv' && firstLine !== '' ? 'csv' : null;
}

/** Lower-case extension of a file name, without the dot. */
export function extensionOf(fileName: string | undefined): string | null {
  const match = fileName ? /\.([A-Za-z0-9]+)$/.exec(fileName) : null;
  return match ? match[1]!.toLowerCase() : null;
}

const TEXT = 0;
const CONTROL = 1;
const NUL = 2;
/** Each byte's class, so the scan below costs one lookup and one test per byte of text. */
const BYTE_CLASS = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte === 0 ? NUL : byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte === 0x7f ? CONTROL : TEXT,
);

/** No NUL byte and almost no other control bytes: binary garbage fails this quickly. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const kind = BYTE_CLASS[head[i]!]!;
    if (kind === TEXT) continue;
    if (kind === NUL) return false;
    control++;
  }
  return control <= head.length / 100;
}

/** Local name of the first element after the prolog (declaration, comments, DOCTYPE). */
function xmlRootName(text: string): string | null {
  let rest = text;
  for (let guard = 0; guard < 100; guard++) {
    rest = rest.trimStart();
    const close = rest.startsWith('<?')
      ? '?>'
      : rest.startsWith('<!--')
        ? '-->'
        : rest.startsWith('<!')
          ? '>'
          : null;
    if (close === null) break;
    const end = rest.indexOf(close);
    if (end < 0) return null;
    rest = rest.slice(end + close.length);
  }
  const match = /^<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(rest);
  return match ? match[2]! : null;
}
