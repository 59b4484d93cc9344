import { describe, expect, it } from 'vitest';
import { formatIngestProgress, IngestProgressLine } from '../../src/cli/ingest-progress.ts';

describe('the progress of peakform ingest', () => {
  it('says files, samples, rate and the time left, then the time taken', () => {
    expect(formatIngestProgress({ files: 120, totalFiles: 1245, samples: 812_345, elapsedS: 20 })).toBe(
      '120/1245 files · 812 k samples · 41 k samples/s · ETA 3 min 8 s',
    );
    expect(formatIngestProgress({ files: 3, totalFiles: 3, samples: 9_000, elapsedS: 4000 })).toBe(
      '3/3 files · 9000 samples · 2 samples/s · in 1 h 6 min',
    );
    expect(formatIngestProgress({ files: 0, totalFiles: 10, samples: 0, elapsedS: 0 })).toBe(
      '0/10 files · 0 samples · 0 samples/s',
    );
  });

  it('writes a log line at most every so often when stderr is not a terminal, and the last one once', () => {
    const lines: string[] = [];
    const out = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
    const line = new IngestProgressLine(out, 3600);
    line.update({ files: 16, totalFiles: 48, samples: 100, elapsedS: 1 });
    line.update({ files: 32, totalFiles: 48, samples: 200, elapsedS: 2 });
    line.update({ files: 48, totalFiles: 48, samples: 300, elapsedS: 3 });
    line.update({ files: 48, totalFiles: 48, samples: 300, elapsedS: 3 });
    line.clear();
    expect(lines).toEqual([
      '16/48 files · 100 samples · 100 samples/s · ETA 2 s\n',
      '48/48 files · 300 samples · 100 samples/s · in 3 s\n',
    ]);
  });

  it('redraws one line in place on a terminal and clears it at the end', () => {
    let text = '';
    const out = { isTTY: true, write: (chunk: string) => (text += chunk) } as unknown as NodeJS.WriteStream;
    const line = new IngestProgressLine(out);
    line.update({ files: 1, totalFiles: 2, samples: 10, elapsedS: 1 });
    line.clear();
    expect(text).toBe('\r1/2 files · 10 samples · 10 samples/s · ETA 1 s\x1b[K\r\x1b[K');
  });
});
