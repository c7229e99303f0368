/** Progress on stderr for long runs: a line every few seconds, nothing for short ones. */
import type { FileScan } from '../core/read/scan-files.js';
import { formatBytes } from '../core/read/scan.js';

export class Progress {
  private readonly started = Date.now();
  private last = Date.now();
  private printed = false;

  constructor(
    private readonly totalFiles: number,
    private readonly write: (line: string) => void,
    private readonly intervalMs = 5000,
    private readonly enabled = true,
  ) {}

  update(scan: FileScan): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.printed = true;
    this.write(this.line(scan));
  }

  /** A closing line, only when progress was shown (so short runs stay quiet). */
  done(scan: FileScan): void {
    if (this.printed) this.write(`${this.line(scan)} — done`);
  }

  private line(scan: FileScan): string {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rate = scan.bytes / seconds;
    return `log-audit: file ${Math.min(scan.stats.files, this.totalFiles)}/${this.totalFiles}, ${formatBytes(scan.bytes)} read (${formatBytes(rate)}/s), ${scan.stats.lines.toLocaleString('en-US')} lines, ${scan.stats.events.toLocaleString('en-US')} events, ${scan.stats.bad} bad`;
  }
}
