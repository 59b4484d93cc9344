/** A one-line progress bar for terminals (only drawn when stderr is a TTY). */
export class ProgressBar {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream,
  ) {}

  tick(label: string): void {
    this.done++;
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    const name = label.length > 40 ? `…${label.slice(-39)}` : label;
    this.out.write(
      `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${this.done}/${this.total} ${name}\x1b[K`,
    );
  }

  clear(): void {
    this.out.write('\r\x1b[K');
  }
}
