/** Where a bulk ingest stands (the engine's `IngestProgress`, as it crosses the admin channel). */
export interface IngestProgressFigures {
  files: number;
  totalFiles: number;
  samples: number;
  elapsedS: number;
}

/**
 * Progress of `peakform ingest` on stderr: files, samples, rate and ETA. Redrawn in place on a
 * terminal; in a log, one line every `logEveryS` seconds of the run and a last one at the end — a
 * run shorter than that writes nothing, so a quick ingest's output is what it always was.
 */
export class IngestProgressLine {
  private lastLoggedS = 0;
  private lastLoggedFiles = -1;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly logEveryS = 10,
  ) {}

  update(progress: IngestProgressFigures): void {
    const line = formatIngestProgress(progress);
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      return;
    }
    const finished = progress.files >= progress.totalFiles;
    const due = finished ? this.lastLoggedFiles >= 0 : progress.elapsedS - this.lastLoggedS >= this.logEveryS;
    if (!due || progress.files === this.lastLoggedFiles) return;
    this.lastLoggedS = progress.elapsedS;
    this.lastLoggedFiles = progress.files;
    this.out.write(`${line}\n`);
  }

  clear(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[K');
  }
}

/** `120/1245 files · 812 k samples · 41 k samples/s · ETA 2 min 10 s` */
export function formatIngestProgress(p: IngestProgressFigures): string {
  const rate = p.elapsedS > 0 ? p.samples / p.elapsedS : 0;
  const parts = [
    `${p.files}/${p.totalFiles} files`,
    `${compact(p.samples)} samples`,
    `${compact(rate)} samples/s`,
  ];
  if (p.files > 0 && p.files < p.totalFiles) {
    parts.push(`ETA ${duration(((p.totalFiles - p.files) * p.elapsedS) / p.files)}`);
  } else if (p.files >= p.totalFiles) {
    parts.push(`in ${duration(p.elapsedS)}`);
  }
  return parts.join(' · ');
}

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)} k`;
  return String(Math.round(n));
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
