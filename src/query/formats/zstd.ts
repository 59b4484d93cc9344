import { ZSTDDecoder } from 'zstddec';

const decoder = new ZSTDDecoder();
/** Resolves once the WebAssembly decoder is instantiated; `zstdDecompress` needs it. */
export const zstdReady: Promise<void> = decoder.init();

/** Decompresses one zstd frame that holds `size` bytes; the result is shorter on a corrupt frame. */
export function zstdDecompress(input: Uint8Array, size: number): Uint8Array {
  return decoder.decode(input, size);
}
