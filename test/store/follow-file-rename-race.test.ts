import { type FileHandle, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followFile } from '../../src/store/follow-file.ts';
import { makeTempDir } from '../helpers/test-server.ts';

describe('followFile and a writer that renames its file into place', () => {
  it('opens the file when the writer finished between a failed open and its catch', async () => {
    // A small export is written under a temporary name and renamed into place
    // (Store.copyToParquet). Under load the rename can land after an open failed and before its
    // failure is handled; the follower then saw a finished writer and answered "not written",
    // a 500 on the Parquet routes. The open below replays that order exactly.
    const path = join(await makeTempDir('peakform-follow-race-'), 'export.parquet');
    const bytes = Buffer.alloc(2_000, 7);
    let finish!: () => void;
    const written = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let raced = false;
    const openFile = async (p: string): Promise<FileHandle> => {
      try {
        return await open(p, 'r');
      } catch (error) {
        if (!raced) {
          raced = true;
          await writeFile(`${path}.tmp`, bytes);
          await rename(`${path}.tmp`, path);
          finish();
          await written;
        }
        throw error;
      }
    };
    const parts: Uint8Array[] = [];
    for await (const chunk of followFile(path, written, openFile)) parts.push(chunk);
    expect(raced).toBe(true);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  });
});
