const UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/** Bytes of a text format as a string (UTF-8; a byte-order mark is dropped). */
export function decodeText(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}
