/** Scans local export files (the CLI's input): each file is read, a broken one is reported and skipped. */
import type { AccessEvent } from '../access-event.js';
import { openInputFile } from './input-files.js';
import { emptyStats, ProblemLog, scanStream, type BatchStats } from './scan.js';

export interface FileScan {
  stats: BatchStats;
  problems: ProblemLog;
  bytes: number;
}

export interface ScanFilesOptions {
  onEvent: (event: AccessEvent) => void;
  /** Called after every chunk of lines with what has been read so far. */
  onProgress?: (scan: FileScan, file: string) => void;
  maxLineBytes?: number;
  now?: () => number;
}

export async function scanFiles(files: readonly string[], options: ScanFilesOptions): Promise<FileScan> {
  const scan: FileScan = { stats: emptyStats(), problems: new ProblemLog(), bytes: 0 };
  for (const file of files) {
    try {
      const chunks = await openInputFile(file, (n) => {
        scan.bytes += n;
        options.onProgress?.(scan, file);
      });
      await scanStream(file, chunks, {
        stats: scan.stats,
        problems: scan.problems,
        onEvent: options.onEvent,
        ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    } catch (error) {
      // A local file we cannot read is a problem of that file, not of the run.
      scan.stats.fileErrors++;
      scan.problems.add({ category: 'file', file, message: `could not be read: ${(error as Error).message}` });
    }
  }
  return scan;
}
