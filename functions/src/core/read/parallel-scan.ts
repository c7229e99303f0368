/**
 * Scans one large export on several cores. The main thread reads and gunzips, splits lines
 * (handling BOM, CRLF and oversized lines exactly as scanStream does), packs them into blocks of
 * about 2 MiB and hands the blocks to worker threads, which decide the lines and aggregate them
 * into access groups. Results are merged in block order — groups, counts, problems, and the
 * postgres.log halves joined here — so the outcome equals a serial scan's. At most two blocks per
 * worker are in flight: memory stays bounded whatever the shard size.
 */
import { Worker } from 'node:worker_threads';
import type { AccessEvent } from '../access-event.js';
import type { AccessGroup } from '../detect/access-group.js';
import { PostgresSessions } from '../parse/postgres-log.js';
import { DEFAULT_MAX_LINE_BYTES } from './lines.js';
import { scanBlock, type BlockResult, type BlockTask } from './scan-block.js';
import { brokenCompression, emptyStats, FUTURE_TOLERANCE_MS, isContentError, joiningSink, oversizeLine, ProblemLog, type BatchStats } from './scan.js';

/** A pool of scan workers running `script` (the bundled scan-worker.js). */
export class ScanWorkers {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (r: BlockResult) => void; reject: (e: Error) => void }>();
  /** Blocks sent to each worker and not yet answered. */
  private readonly queued: number[];
  private id = 0;

  constructor(script: string | URL, readonly size: number) {
    this.queued = new Array<number>(size).fill(0);
    this.workers = Array.from({ length: size }, (_, index) => {
      // Not the parent's flags (--input-type, --eval…), which a worker file refuses.
      const worker = new Worker(script, { execArgv: [] });
      worker.on('message', (message: { id: number; result?: BlockResult; error?: string }) => {
        const waiter = this.waiting.get(message.id);
        if (!waiter) return;
        this.queued[index]!--;
        this.waiting.delete(message.id);
        if (message.result) waiter.resolve(message.result);
        else waiter.reject(new Error(`scan worker failed: ${message.error}`));
      });
      worker.on('error', (error) => {
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
        this.queued.fill(0);
      });
      return worker;
    });
  }

  /** Blocks sent and not yet answered, over all workers. */
  get pending(): number {
    return this.queued.reduce((a, b) => a + b, 0);
  }

  /** Sends a block to the worker with the fewest blocks queued. */
  run(task: BlockTask): Promise<BlockResult> {
    const id = this.id++;
    let index = 0;
    for (let i = 1; i < this.queued.length; i++) if (this.queued[i]! < this.queued[index]!) index = i;
    this.queued[index]!++;
    const worker = this.workers[index]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...task, id }, [task.buf.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export interface ParallelScanOptions {
  workers: ScanWorkers;
  stats: BatchStats;
  problems: ProblemLog;
  /** Receives whole groups (the auditor's mergeGroup) … */
  onGroup: (group: AccessGroup) => void;
  /** … and the joined postgres.log events. */
  onEvent: (event: AccessEvent) => void;
  maxLineBytes?: number;
  now?: () => number;
  fastPath?: boolean;
}

const BLOCK_BYTES = 4 * 1024 * 1024;
/** Results scanned on the main thread that may wait, unmerged, behind a block still at a worker. */
const MAX_WAITING_RESULTS = 8;

/**
 * Cuts the decoded stream into blocks of whole lines without splitting lines on the main thread:
 * a block ends at the last newline of its bytes; the rest starts the next block. A line longer
 * than `maxLineBytes` never reaches a block: it is counted here and its bytes are discarded.
 */
async function* blocks(chunks: AsyncIterable<Buffer>, maxLineBytes: number, onOversize: (line: number, bytes: number) => void): AsyncGenerator<{ buf: Buffer; firstLine: number; lines: number }> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 1;
  let first = true;
  let skipping = 0; // bytes of an oversized line being discarded
  const countLines = (buf: Buffer) => {
    let n = 0;
    for (let at = buf.indexOf(0x0a); at >= 0; at = buf.indexOf(0x0a, at + 1)) n++;
    return n;
  };
  for await (const input of chunks) {
    let chunk = input;
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    if (skipping > 0) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        skipping += chunk.length;
        continue;
      }
      onOversize(line++, skipping + nl);
      skipping = 0;
      chunk = chunk.subarray(nl + 1);
    }
    parts.push(chunk);
    size += chunk.length;
    if (size < BLOCK_BYTES) continue;
    const lastNl = chunk.lastIndexOf(0x0a);
    if (lastNl < 0) {
      // No line end in the newest chunk: the open line may be oversized.
      const open = parts.length > 1 ? lastLineLength(parts) : size;
      if (open > maxLineBytes) {
        const whole = Buffer.concat(parts, size);
        const cut = whole.lastIndexOf(0x0a) + 1;
        if (cut > 0) {
          const buf = whole.subarray(0, cut);
          const lines = countLines(buf);
          yield { buf, firstLine: line, lines };
          line += lines;
        }
        skipping = size - cut;
        parts = [];
        size = 0;
      }
      continue;
    }
    const whole = Buffer.concat(parts, size);
    const cut = size - (chunk.length - lastNl - 1);
    const buf = whole.subarray(0, cut);
    const lines = countLines(buf);
    // The rest is copied out, so the block owns its memory and can be transferred.
    parts = cut < size ? [Buffer.from(whole.subarray(cut))] : [];
    size -= cut;
    yield { buf, firstLine: line, lines };
    line += lines;
  }
  if (skipping > 0) onOversize(line++, skipping);
  else if (size > 0) {
    const buf = Buffer.concat(parts, size);
    yield { buf, firstLine: line, lines: countLines(buf) + (buf[buf.length - 1] === 0x0a ? 0 : 1) };
  }
}

/** The block as a view that owns its whole ArrayBuffer (transferable); copies only when it does not. */
function ownMemory(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength >= buf.length && buf.buffer.byteLength - buf.length < 1 << 20 && !(buf.buffer instanceof SharedArrayBuffer)) {
    return new Uint8Array(buf.buffer, 0, buf.length);
  }
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  return copy;
}

/** Bytes since the last newline across `parts` (the line still open). */
function lastLineLength(parts: Buffer[]): number {
  let n = 0;
  for (let i = parts.length - 1; i >= 0; i--) {
    const at = parts[i]!.lastIndexOf(0x0a);
    if (at >= 0) return n + parts[i]!.length - at - 1;
    n += parts[i]!.length;
  }
  return n;
}

export async function scanStreamParallel(file: string, chunks: AsyncIterable<Buffer>, options: ParallelScanOptions): Promise<void> {
  const { stats, problems, workers } = options;
  const now = options.now ?? Date.now;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const sessions = new PostgresSessions();
  const emit = (event: AccessEvent) => {
    stats.events++;
    options.onEvent(event);
  };
  const sink = joiningSink(sessions, emit);
  const inFlight: Promise<BlockResult>[] = [];
  stats.files++;

  const merge = (result: BlockResult) => {
    for (const key of Object.keys(result.stats) as (keyof BatchStats)[]) stats[key] += result.stats[key];
    problems.merge(result.problems);
    for (const group of result.groups) options.onGroup(group);
    for (const { event, join } of result.joins) sink.join(event, join);
  };
  // An oversized line is counted in line order: as a result queued between the blocks around it.
  const oversize = (line: number, bytes: number) => {
    const result: BlockResult = { stats: emptyStats(), problems: { kept: [], perFile: [] }, groups: [], joins: [] };
    const log = new ProblemLog();
    result.stats.lines++;
    oversizeLine(file, line, bytes, maxLineBytes, result.stats, log);
    result.problems = log.export();
    inFlight.push(Promise.resolve(result));
  };

  let lastLine = 0;
  try {
    for await (const block of blocks(chunks, maxLineBytes, oversize)) {
      lastLine = block.firstLine + block.lines - 1;
      const task = { firstLine: block.firstLine, file, latestPlausibleMs: now() + FUTURE_TOLERANCE_MS, maxLineBytes, fastPath: options.fastPath ?? true };
      // Workers get a block while they have fewer than two queued; otherwise the main thread, which
      // also reads and cuts blocks, scans it itself, so no core idles whatever their relative speed.
      // Results still merge in block order.
      if (workers.pending >= 2 * workers.size) inFlight.push(Promise.resolve(scanBlock({ ...task, buf: block.buf })));
      else inFlight.push(workers.run({ ...task, buf: ownMemory(block.buf) }));
      // Merge in order. Only blocks queued at workers hold input bytes (at most two each); results
      // scanned here are small, so a few may wait behind a slower worker block instead of idling.
      while (inFlight.length >= 2 * workers.size + MAX_WAITING_RESULTS) merge(await inFlight.shift()!);
    }
  } catch (error) {
    if (!isContentError(error)) {
      await Promise.allSettled(inFlight);
      throw error;
    }
    brokenCompression(file, lastLine, error, stats, problems);
  } finally {
    // Merge what is still in flight, in order, before the leftover postgres connections.
    while (inFlight.length > 0) {
      const result = await inFlight.shift()!.catch((e: unknown) => e as Error);
      if (!(result instanceof Error)) merge(result);
    }
    for (const event of sessions.drain()) emit(event);
  }
}
