/** Scans local export files (the CLI's input): each file is read, a broken one is reported and skipped. */
import type { AccessEvent } from '../access-event.js';
import { stat } from 'node:fs/promises';
import type { RangeMerger } from '../detect/auditor.js';
import type { RepeatedAccess } from '../repeated-access.js';
import type { GunzipAhead } from './gunzip-ahead.js';
import { isGzipFile, openInputFile, READ_AHEAD_CHUNK_BYTES, type GunzipThread } from './input-files.js';
import type { ScanWorkers } from './parallel-scan.js';
import { emptyStats, ProblemLog, scanStream, type BatchStats } from './scan.js';

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
   * Scan uncompressed files of at least `minBytes` on worker threads too, merging each range's groups
   * and overflow into `auditor` (a gzip stream cannot be cut into ranges: it is read on one thread).
   * `workers` is called only when a file is large enough, so small runs never start threads. A
   * worker that fails loses no lines (its ranges are scanned again on the main thread);
   * `onWorkerFailure` is told of it, once per distinct failure and file.
   */
  parallel?: { workers: () => ScanWorkers | Promise<ScanWorkers>; auditor: RangeMerger; minBytes: number; onWorkerFailure?: (file: string, message: string) => void };
  /** Large gzip files are gunzipped on a thread of their own (see OpenOptions). */
  gunzipThread?: GunzipThread;
  /** Called after every chunk of lines with what has been read so far. */
  onProgress?: (scan: FileScan, file: string) => void;
  maxLineBytes?: number;
  now?: () => number;
  fastPath?: boolean;
}

/** Whether `file` is scanned on worker threads: uncompressed, and of `minBytes` or more. */
async function scannedInParallel(file: string, minBytes: number): Promise<boolean> {
  return !isGzipFile(file) && (await stat(file)).size >= minBytes;
}

/**
 * Whether any of `files` will be scanned on worker threads, so a caller can start them early. A file
 * that cannot be read counts as not: scanFiles reports it when its turn comes.
 */
export async function hasParallelFile(files: readonly string[], minBytes: number): Promise<boolean> {
  for (const file of files) if (await scannedInParallel(file, minBytes).catch(() => false)) return true;
  return false;
}

/**
 * The gunzip thread of the first of `files`, started now when that file is gzip and large enough for
 * one, so that it boots while the caller does other work (it passes the thread on as
 * `gunzipThread.started` and closes it at the end). Only the first file's: a later one's thread would
 * sit on its slots for the whole scan before it. Undefined otherwise, or when the file cannot be
 * read (scanFiles reports it when its turn comes).
 */
export async function startGunzipEarly(files: readonly string[], gunzipThread: GunzipThread): Promise<GunzipAhead | undefined> {
  const first = files[0];
  if (first === undefined) return undefined;
  try {
    if (!isGzipFile(first) || (await stat(first)).size < gunzipThread.minBytes) return undefined;
  } catch {
    return undefined;
  }
  const { GunzipAhead } = await import('./gunzip-ahead.js');
  return new GunzipAhead(first, gunzipThread.script, READ_AHEAD_CHUNK_BYTES);
}

export async function scanFiles(files: readonly string[], options: ScanFilesOptions): Promise<FileScan> {
  const scan: FileScan = { stats: emptyStats(), problems: new ProblemLog(), bytes: 0 };
  for (const file of files) {
    try {
      const parallel = options.parallel && (await scannedInParallel(file, options.parallel.minBytes)) ? options.parallel : undefined;
      const onBytes = (n: number) => {
        scan.bytes += n;
        options.onProgress?.(scan, file);
      };
      const common = {
        stats: scan.stats,
        problems: scan.problems,
        onEvent: options.onEvent,
        ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(options.fastPath !== undefined ? { fastPath: options.fastPath } : {}),
      };
      // Loaded with the first large file: node:worker_threads costs a short run ~10 ms of start-up.
      if (parallel) {
        const onWorkerFailure = parallel.onWorkerFailure;
        await (await import('./parallel-scan.js')).scanFileParallel(file, {
          ...common,
          ...(options.onRepeated ? { onRepeated: options.onRepeated } : {}),
          ...(onWorkerFailure ? { onWorkerFailure: (message: string) => onWorkerFailure(file, message) } : {}),
          onBytes,
          workers: await parallel.workers(),
          auditor: parallel.auditor,
        });
      }
      // scanStream is done with a chunk before it asks for the next: two buffers are read into in turn.
      else await scanStream(file, await openInputFile(file, { onBytes, reuse: 'transient', ...(options.gunzipThread ? { gunzipThread: options.gunzipThread } : {}) }), { ...common, ...(options.onRepeated ? { onRepeated: options.onRepeated } : {}) });
    } catch (error) {
      // A local file we cannot read is a problem of that file, not of the run.
      scan.stats.fileErrors++;
      scan.problems.add({ category: 'file', file, message: `could not be read: ${(error as Error).message}` });
    }
  }
  return scan;
}
