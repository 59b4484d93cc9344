import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { followFile } from '../../src/store/follow-file.ts';
import { makeTempDir } from '../helpers/test-server.ts';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A writer that creates `path` late and appends `pieces` one by one, pausing between them. */
async function slowWriter(path: string, pieces: Buffer[], failAfter?: number): Promise<void> {
  await sleep(30);
  await writeFile(path, '');
  for (const [i, piece] of pieces.entries()) {
    if (i === failAfter) throw new Error('the writer failed');
    await appendFile(path, piece);
    await sleep(15);
  }
}

const pieces = Array.from({ length: 6 }, (_, i) => Buffer.alloc(300_000 + i * 1_000, i + 1));

describe('followFile', () => {
  it('yields a growing file’s bytes as they land, the first before the writer is done', async () => {
    const path = join(await makeTempDir('peakform-follow-'), 'growing.bin');
    let writerDone = false;
    const written = slowWriter(path, pieces).then(() => {
      writerDone = true;
    });
    const parts: Uint8Array[] = [];
    let firstBeforeDone: boolean | undefined;
    for await (const chunk of followFile(path, written)) {
      firstBeforeDone ??= !writerDone;
      parts.push(chunk);
    }
    expect(firstBeforeDone).toBe(true);
    expect(Buffer.concat(parts).equals(Buffer.concat(pieces))).toBe(true);
    expect(Buffer.concat(parts).equals(await readFile(path))).toBe(true);
  });

  it('reads a file written at once, more than one chunk long', async () => {
    const path = join(await makeTempDir('peakform-follow-'), 'whole.bin');
    const bytes = Buffer.alloc(3_500_000, 9);
    await writeFile(path, bytes);
    expect((await collect(followFile(path, Promise.resolve()))).equals(bytes)).toBe(true);
  });

  it('throws the writer’s error, before or after the file appears', async () => {
    const dir = await makeTempDir('peakform-follow-');
    await expect(
      collect(followFile(join(dir, 'late.bin'), slowWriter(join(dir, 'late.bin'), pieces, 3))),
    ).rejects.toThrow('the writer failed');
    await expect(
      collect(followFile(join(dir, 'never.bin'), Promise.reject(new Error('no COPY')))),
    ).rejects.toThrow('no COPY');
    await expect(collect(followFile(join(dir, 'missing.bin'), Promise.resolve()))).rejects.toThrow(
      /was not written/,
    );
  });
});
