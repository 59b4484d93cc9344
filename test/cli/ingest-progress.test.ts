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

  it('writes a log line every so often of a long run when stderr is not a terminal, and the last one once', () => {
    const lines: string[] = [];
    const out = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
    const line = new IngestProgressLine(out, 10);
    line.update({ files: 16, totalFiles: 48, samples: 100, elapsedS: 1 });
    line.update({ files: 32, totalFiles: 48, samples: 1200, elapsedS: 12 });
    line.update({ files: 40, totalFiles: 48, samples: 1500, elapsedS: 15 });
    line.update({ files: 48, totalFiles: 48, samples: 1600, elapsedS: 16 });
    line.update({ files: 48, totalFiles: 48, samples: 1600, elapsedS: 16 });
    line.clear();
    expect(lines).toEqual([
      '32/48 files · 1200 samples · 100 samples/s · ETA 6 s\n',
      '48/48 files · 1600 samples · 100 samples/s · in 16 s\n',
    ]);
  });

  it('writes nothing to a log for a run shorter than the interval', () => {
    const lines: string[] = [];
    const out = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
    const line = new IngestProgressLine(out, 10);
    line.update({ files: 1, totalFiles: 2, samples: 50, elapsedS: 1 });
    line.update({ files: 2, totalFiles: 2, samples: 100, elapsedS: 2 });
    expect(lines).toEqual([]);
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
