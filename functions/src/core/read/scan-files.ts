/** Scans local export files (the CLI's input): each file is read, a broken one is reported and skipped. */
import type { AccessEvent } from '../access-event.js';
import { stat } from 'node:fs/promises';
import type { BlockMerger } from '../detect/auditor.js';
import type { RepeatedAccess } from '../repeated-access.js';
import { BufferPool } from './buffer-pool.js';
import { openInputFile } from './input-files.js';
import { scanStreamParallel, type ScanWorkers } from './parallel-scan.js';
import { emptyStats, ProblemLog, scanStream, type BatchStats } from './scan.js';

/** Worker-thread scans read 4 MiB at a time: each chunk's lines go to a worker as one block, uncopied. */
const PARALLEL_CHUNK_BYTES = 4 * 1024 * 1024;

export interface FileScan {
  stats: BatchStats;
  problems: ProblemLog;
  bytes: number;
}

export interface ScanFilesOptions {
  onEvent: (event: AccessEvent) => void;
  /** Receives lines that repeat a known access (see ScanOptions.onRepeated). */
  onRepeated?: (repeat: RepeatedAccess) => void;
  /**
   * Scan files of at least `minBytes` on worker threads, merging each block's groups and overflow
   * into `auditor`. `workers` is called only when a file is large enough, so small runs never start threads.
   */
  parallel?: { workers: () => ScanWorkers; auditor: BlockMerger; minBytes: number };
  /** Called after every chunk of lines with what has been read so far. */
  onProgress?: (scan: FileScan, file: string) => void;
  maxLineBytes?: number;
  now?: () => number;
  fastPath?: boolean;
}

export async function scanFiles(files: readonly string[], options: ScanFilesOptions): Promise<FileScan> {
  const scan: FileScan = { stats: emptyStats(), problems: new ProblemLog(), bytes: 0 };
  for (const file of files) {
    try {
      const parallel = options.parallel && (await stat(file)).size >= options.parallel.minBytes ? options.parallel : undefined;
      const onBytes = (n: number) => {
        scan.bytes += n;
        options.onProgress?.(scan, file);
      };
      // scanStream is done with a chunk before it asks for the next; a parallel scan gives each
      // block's memory back once it is scanned, here or by a worker.
      // (A gzipped file is read as a stream either way; in large chunks for a parallel scan.)
      const pool = parallel ? new BufferPool(PARALLEL_CHUNK_BYTES) : undefined;
      const chunks = await openInputFile(file, pool ? { onBytes, chunkBytes: pool.bytes, reuse: pool } : { onBytes, reuse: 'transient' });
      const common = {
        stats: scan.stats,
        problems: scan.problems,
        onEvent: options.onEvent,
        ...(options.onRepeated ? { onRepeated: options.onRepeated } : {}),
        ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(options.fastPath !== undefined ? { fastPath: options.fastPath } : {}),
      };
      if (parallel && pool) await scanStreamParallel(file, chunks, { ...common, workers: parallel.workers(), auditor: parallel.auditor, recycle: (memory) => pool.give(memory) });
      else await scanStream(file, chunks, common);
    } catch (error) {
      // A local file we cannot read is a problem of that file, not of the run.
      scan.stats.fileErrors++;
      scan.problems.add({ category: 'file', file, message: `could not be read: ${(error as Error).message}` });
    }
  }
  return scan;
}
