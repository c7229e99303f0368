/**
 * Scans one large export on several cores. The main thread reads and gunzips and cuts the bytes into
 * blocks of whole lines (handling BOM, CRLF and oversized lines exactly as scanStream does) — the
 * lines inside a large chunk as a view of it, handed over without a copy — and gives the blocks to
 * worker threads, or scans them itself while each worker has two queued (workers count finished
 * blocks in shared memory, so a free worker is seen even while the main thread is busy). Blocks are
 * decided line by line and aggregated into access groups. Results are merged in block order, as
 * soon as they are ready — groups and the postgres.log halves joined here in line order, overflow,
 * counts, problems — so the outcome equals a serial scan's. Workers are told of the targets
 * the auditor closes (ClosedTargets), so a flood to a capped target is counted on the worker. At
 * most two blocks per worker and a few small results wait at once, and a chunk's memory is read
 * into again once its block is scanned (BufferPool): memory stays bounded whatever the shard size.
 */
import { Worker } from 'node:worker_threads';
import type { AccessEvent } from '../access-event.js';
import { CompleteEntryIds } from '../detect/access-group.js';
import type { BlockMerger } from '../detect/auditor.js';
import type { ClosedTargetsUpdate } from '../detect/closed-targets.js';
import { PostgresSessions } from '../parse/postgres-log.js';
import { DEFAULT_MAX_LINE_BYTES, splitLines } from './lines.js';
import { scanBlock, type BlockResult, type BlockTask } from './scan-block.js';
import { brokenCompression, emptyStats, FUTURE_TOLERANCE_MS, isContentError, joiningSink, oversizeLine, ProblemLog, type BatchStats } from './scan.js';

/** A pool of scan workers running `script` (the bundled scan-worker.js). */
export class ScanWorkers {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (r: BlockResult) => void; reject: (e: Error) => void }>();
  /** Blocks sent to each worker. */
  private readonly sent: number[];
  /**
   * Blocks each worker has finished, counted by the worker itself in shared memory: read while the
   * main thread is busy, before the finished blocks' messages have been delivered to it.
   */
  private readonly finished: Int32Array;
  private id = 0;

  constructor(script: string | URL, readonly size: number) {
    this.sent = new Array<number>(size).fill(0);
    this.finished = new Int32Array(new SharedArrayBuffer(4 * size));
    this.workers = Array.from({ length: size }, (_, index) => {
      // Not the parent's flags (--input-type, --eval…), which a worker file refuses. A small young
      // generation keeps two threads' heaps well under 256 MB (and measured no slower: it stays in cache).
      const worker = new Worker(script, { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 8 }, workerData: { finished: this.finished, index } });
      worker.on('message', (message: { id: number; result?: BlockResult; error?: string }) => {
        const waiter = this.waiting.get(message.id);
        if (!waiter) return;
        this.waiting.delete(message.id);
        if (message.result) waiter.resolve(message.result);
        else waiter.reject(new Error(`scan worker failed: ${message.error}`));
      });
      worker.on('error', (error) => {
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
      });
      return worker;
    });
  }

  private queued(index: number): number {
    return this.sent[index]! - Atomics.load(this.finished, index);
  }

  /** Blocks sent and not yet finished, over all workers (current even while this thread is busy). */
  get pending(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) n += this.queued(i);
    return n;
  }

  /** Sends a block to the worker with the fewest blocks queued. */
  run(task: BlockTask): Promise<BlockResult> {
    const id = this.id++;
    let index = 0;
    for (let i = 1; i < this.size; i++) if (this.queued(i) < this.queued(index)) index = i;
    this.sent[index]!++;
    const worker = this.workers[index]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...task, id }, [task.buf.buffer as ArrayBuffer]);
    });
  }

  /** Tells every worker of targets closed in scan `scan`, before any block sent after this. */
  tell(scan: number, closed: ClosedTargetsUpdate): void {
    for (const worker of this.workers) worker.postMessage({ scan, closed });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export interface ParallelScanOptions {
  workers: ScanWorkers;
  stats: BatchStats;
  problems: ProblemLog;
  /** Receives each block's groups and overflow, in block order (the batch's auditor) … */
  auditor: BlockMerger;
  /** … and the joined postgres.log events. */
  onEvent: (event: AccessEvent) => void;
  /**
   * Receives the memory of each chunk that was a block of its own once that block is scanned (here,
   * or handed back by its worker), for reading into again (a BufferPool's give).
   */
  recycle?: (memory: ArrayBufferLike | undefined) => void;
  maxLineBytes?: number;
  now?: () => number;
  fastPath?: boolean;
}

const BLOCK_BYTES = 4 * 1024 * 1024;
/** Whole lines of at least this many bytes in one chunk become a block of their own, without a copy. */
const OWN_BLOCK_BYTES = 1024 * 1024;
/** Blocks smaller than this (a line joining two chunks, the end of a file) are scanned on the main thread. */
const SMALL_BLOCK_BYTES = 64 * 1024;
/** Results scanned on the main thread that may wait, unmerged, behind a block still at a worker. */
const MAX_WAITING_RESULTS = 8;
/**
 * … and the groups they may hold in all: a block of a flood before its target is capped holds
 * thousands (a few MiB), while a usual one holds tens. Fewer waiting results cost 12–15% on the
 * bench shards, so only such blocks are held to this.
 */
const MAX_WAITING_GROUPS = 10_000;

interface Block {
  buf: Buffer;
  firstLine: number;
  lines: number;
  /** The block is a view of a chunk that owns its memory: it can be transferred without a copy. */
  transferable: boolean;
}

function countLines(buf: Uint8Array): number {
  let n = 0;
  for (let at = buf.indexOf(0x0a); at >= 0; at = buf.indexOf(0x0a, at + 1)) n++;
  return n;
}

/** True when `chunk` is the only view of its memory (not a slice of a pool or of a stream's buffer). */
function ownsMemory(chunk: Buffer): boolean {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && !(chunk.buffer instanceof SharedArrayBuffer);
}

const NEWLINE = Buffer.from('\n');

/**
 * Gathers the runs of whole lines of the decoded stream (splitLines: BOM, lines across chunks and
 * oversized lines handled there) into blocks, in order. A run of at least OWN_BLOCK_BYTES — the
 * lines wholly inside a large chunk — is a block of its own, a view of the chunk (no copy); smaller
 * runs are gathered into blocks of about BLOCK_BYTES. A line longer than `maxLineBytes` across
 * chunks never reaches a block: it is counted here (one inside a block is caught by scanBlock).
 */
async function* blocks(chunks: AsyncIterable<Buffer>, maxLineBytes: number, onOversize: (line: number, bytes: number) => void): AsyncGenerator<Block> {
  /** Whole lines not yet handed out, in order. */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  function* flush(): Generator<Block> {
    if (pendingBytes === 0) return;
    const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    const lines = countLines(buf);
    yield { buf, firstLine: line, lines, transferable: false };
    line += lines;
    pending = [];
    pendingBytes = 0;
  }
  // Workers check UTF-8 themselves, per block.
  for await (const run of splitLines(chunks, maxLineBytes, false)) {
    if (run.oversizeBytes !== undefined) {
      yield* flush();
      onOversize(line++, run.oversizeBytes);
      continue;
    }
    const lines = run.buf.subarray(run.start, run.end);
    if (lines.length >= OWN_BLOCK_BYTES) {
      yield* flush();
      const count = countLines(lines);
      yield { buf: lines, firstLine: line, lines: count, transferable: ownsMemory(run.buf) };
      line += count;
      continue;
    }
    pending.push(lines);
    pendingBytes += lines.length;
    // A line that joined two chunks, or the file's last, comes without its newline: end it, so the
    // next line gathered after it stays a line of its own (a final newline adds no line).
    if (lines[lines.length - 1] !== 0x0a) {
      pending.push(NEWLINE);
      pendingBytes++;
    }
    if (pendingBytes >= BLOCK_BYTES) yield* flush();
  }
  yield* flush();
}

/** The block as a Uint8Array whose memory can be transferred to a worker: itself, or a copy. */
function forTransfer(block: Block): Uint8Array {
  if (block.transferable) return new Uint8Array(block.buf.buffer, block.buf.byteOffset, block.buf.byteLength);
  const copy = new Uint8Array(block.buf.length);
  copy.set(block.buf);
  return copy;
}

/**
 * Block results, merged in block order: each as soon as it and every block before it are done —
 * so a target closed by one block's merge is known to the blocks handed out next, and few results
 * wait — or awaited when too many are outstanding.
 */
class ResultQueue {
  private readonly entries: { result?: BlockResult; error?: unknown; done: Promise<void> }[] = [];
  /** Groups held by the results done and not yet merged. */
  private groups = 0;

  constructor(private readonly merge: (result: BlockResult) => void) {}

  get length(): number {
    return this.entries.length;
  }

  /** Whether too much waits: more results, or more groups in them, than may (see MAX_WAITING_GROUPS). */
  full(maxResults: number, maxGroups: number): boolean {
    return this.entries.length >= maxResults || (this.groups > maxGroups && this.entries.length > 1);
  }

  push(result: BlockResult | Promise<BlockResult>): void {
    if (!(result instanceof Promise)) {
      this.groups += result.groups.length;
      this.entries.push({ result, done: Promise.resolve() });
      return;
    }
    const entry: (typeof this.entries)[number] = { done: Promise.resolve() };
    entry.done = result.then(
      (r) => {
        this.groups += r.groups.length;
        entry.result = r;
      },
      (error: unknown) => void (entry.error = error ?? new Error('scan worker failed')),
    );
    this.entries.push(entry);
  }

  /** Merges the results done at the head of the queue; a failed block's error is thrown. */
  mergeReady(): void {
    for (let head = this.entries[0]; head && (head.result || head.error); head = this.entries[0]) {
      this.entries.shift();
      if (head.error) throw head.error;
      this.mergeOne(head.result!);
    }
  }

  private mergeOne(result: BlockResult): void {
    this.groups -= result.groups.length;
    this.merge(result);
  }

  /** Waits for the first result, then merges what is done. */
  async mergeNext(): Promise<void> {
    await this.entries[0]?.done;
    this.mergeReady();
  }

  /** Waits for every block and merges the results in order, skipping failed blocks. */
  async mergeAll(): Promise<void> {
    for (let head = this.entries.shift(); head; head = this.entries.shift()) {
      await head.done;
      if (head.result) this.mergeOne(head.result);
    }
  }

  /** Waits for every block without merging (before an infrastructure error is rethrown). */
  async settle(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.done));
  }
}

/** Scans started in this thread, numbering their blocks' `scan`. */
let scans = 0;

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
  stats.files++;

  const { auditor, recycle } = options;
  // This scan's name in its blocks, and what the main thread knows when it scans a block itself.
  const scan = scans++;
  const known = { completeEntryIds: new CompleteEntryIds(), closed: auditor.closed };
  // Workers are told of the targets the auditor has closed (ClosedTargets) — those closed before
  // this file, now, and the rest as merging closes them, ahead of the blocks sent after.
  for (const update of auditor.closed.updates) workers.tell(scan, update);
  let told = auditor.closed.updates.length;
  const merge = (result: BlockResult) => {
    for (const key of Object.keys(result.stats) as (keyof BatchStats)[]) stats[key] += result.stats[key];
    problems.merge(result.problems);
    // Groups and joined connections in line order, as a serial scan meets them (which groups a cap
    // keeps depends on it); a block's overflow is of closed targets, which no group of it changes.
    let next = 0;
    for (const { event, join } of result.joins) {
      for (; next < result.groups.length && result.groups[next]!.firstLine < event.ref.line; next++) auditor.mergeGroup(result.groups[next]!);
      sink.join(event, join);
    }
    for (; next < result.groups.length; next++) auditor.mergeGroup(result.groups[next]!);
    for (const overflow of result.overflow) auditor.mergeOverflow(overflow);
    while (told < auditor.closed.updates.length) workers.tell(scan, auditor.closed.updates[told++]!);
  };
  const results = new ResultQueue(merge);
  // An oversized line is counted in line order: as a result queued between the blocks around it.
  const oversize = (line: number, bytes: number) => {
    const result: BlockResult = { stats: emptyStats(), problems: { kept: [], perFile: [] }, groups: [], overflow: [], joins: [] };
    const log = new ProblemLog();
    result.stats.lines++;
    oversizeLine(file, line, bytes, maxLineBytes, result.stats, log);
    result.problems = log.export();
    results.push(result);
  };

  let lastLine = 0;
  try {
    for await (const block of blocks(chunks, maxLineBytes, oversize)) {
      lastLine = block.firstLine + block.lines - 1;
      const task = { firstLine: block.firstLine, file, latestPlausibleMs: now() + FUTURE_TOLERANCE_MS, maxLineBytes, fastPath: options.fastPath ?? true, scan };
      // Workers get a block while they have fewer than two queued; otherwise the main thread, which
      // also reads and cuts blocks, scans it itself, so no core idles whatever their relative speed.
      // Small blocks are not worth a message. Results still merge in block order.
      if (block.buf.length < SMALL_BLOCK_BYTES || workers.pending >= 2 * workers.size) {
        results.push(scanBlock({ ...task, buf: block.buf }, known));
        if (block.transferable) recycle?.(block.buf.buffer);
      } else results.push(workers.run({ ...task, buf: forTransfer(block) }).then(({ memory, ...result }) => (recycle?.(memory), result)));
      // Merge in order. Only blocks queued at workers hold input bytes (at most two each); results
      // scanned here are small, so a few may wait behind a slower worker block instead of idling.
      results.mergeReady();
      while (results.full(2 * workers.size + MAX_WAITING_RESULTS, MAX_WAITING_GROUPS)) await results.mergeNext();
    }
  } catch (error) {
    if (!isContentError(error)) {
      await results.settle();
      throw error;
    }
    brokenCompression(file, lastLine, error, stats, problems);
  } finally {
    // Merge what is still in flight, in order, before the leftover postgres connections.
    await results.mergeAll();
    for (const event of sessions.drain()) emit(event);
  }
}
