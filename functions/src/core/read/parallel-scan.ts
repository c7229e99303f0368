/**
 * Scans one large local export on several cores. The file is cut into byte ranges, each read and
 * scanned by one thread — a scan worker, or the main thread itself — into access groups
 * (scan-range.ts). The main thread merges the ranges' results in file order, each as soon as it and
 * every range before it are done — line numbers shifted, groups and the postgres.log halves joined
 * here in line order, overflow, counts, problems — so the outcome equals a serial scan's.
 *
 * Threads share nothing but the file: each reads its own ranges, so the main thread does no reading
 * or cutting for the others (an earlier design read the file on the main thread and handed 4 MiB
 * blocks to workers: on 2 cores it ran slower than one thread). Ranges shrink towards the end of the
 * file so the threads finish together. Workers are told of the targets the auditor closes
 * (ClosedTargets), so a flood to a capped target is counted where it is read. Memory stays bounded
 * whatever the shard size: a range ends early once it holds MAX_RANGE_GROUPS groups (what is left
 * is scanned once the part before it is merged), and at most four ranges per thread are out at once.
 */
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { AccessEvent } from '../access-event.js';
import { CompleteEntryIds } from '../detect/access-group.js';
import type { RangeMerger } from '../detect/auditor.js';
import type { ClosedTargetsUpdate } from '../detect/closed-targets.js';
import { StatementChunks } from '../parse/cloudsql-pgaudit.js';
import { PostgresSessions } from '../parse/postgres-log.js';
import { DEFAULT_MAX_LINE_BYTES } from './lines.js';
import { FUTURE_TOLERANCE_MS, joiningSink, type BatchStats, type ProblemLog } from './scan.js';
import { scanRange, shiftLines, type RangeResult, type RangeTask } from './scan-range.js';

/** A pool of scan workers running `script` (the bundled scan-worker.js). */
export class ScanWorkers {
  private readonly workers: Worker[];
  /** Answers awaited, by range id, with the worker each was sent to. */
  private readonly waiting = new Map<number, { index: number; resolve: (r: RangeResult) => void; reject: (e: Error) => void }>();
  /** Ranges sent to each worker and not yet answered. */
  private readonly out: number[];
  /** Workers that failed or were stopped: given no more ranges (the main thread scans the rest). */
  private readonly gone: boolean[];
  private id = 0;

  constructor(script: string | URL, readonly size: number) {
    this.out = new Array<number>(size).fill(0);
    this.gone = new Array<boolean>(size).fill(false);
    this.workers = Array.from({ length: size }, (_, index) => {
      // Not the parent's flags (--input-type, --eval…), which a worker file refuses. A small young
      // generation keeps two threads' heaps well under 256 MB, at no cost in speed: against 32 MiB,
      // the 1 GiB flow shard took 794–801 vs 784–806 ms and peaked at 121 vs 128–130 MiB; the
      // million-line flood 1.38–1.94 vs 1.37–1.48 s at 168–185 vs 191–206 MiB.
      const worker = new Worker(script, { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 8 } });
      worker.on('message', (message: { id: number; result?: RangeResult; error?: string }) => {
        const waiter = this.waiting.get(message.id);
        if (!waiter) return;
        this.waiting.delete(message.id);
        this.out[index]!--;
        if (message.result) waiter.resolve(message.result);
        else waiter.reject(new Error(`scan worker failed: ${message.error}`));
      });
      const fail = (error: Error) => {
        this.gone[index] = true;
        for (const [id, waiter] of this.waiting) {
          if (waiter.index !== index) continue;
          this.waiting.delete(id);
          waiter.reject(error);
        }
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`scan worker exited (code ${code})`)));
      return worker;
    });
  }

  /** A worker with fewer than `most` ranges out, the least busy first; undefined when none is. */
  free(most: number): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < this.size; i++) if (!this.gone[i] && this.out[i]! < most && (best === undefined || this.out[i]! < this.out[best]!)) best = i;
    return best;
  }

  /** Sends a range to worker `index`. */
  run(index: number, task: RangeTask): Promise<RangeResult> {
    const id = this.id++;
    this.out[index]!++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { index, resolve, reject });
      this.workers[index]!.postMessage({ ...task, id });
    });
  }

  /** Tells every worker of targets closed in scan `scan`, before any range sent after this. */
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
  /** Receives each range's groups and overflow, in file order (the batch's auditor) … */
  auditor: RangeMerger;
  /** … and the joined postgres.log events. */
  onEvent: (event: AccessEvent) => void;
  /** Sees the bytes of each range once it is scanned (progress). */
  onBytes?: (n: number) => void;
  maxLineBytes?: number;
  now?: () => number;
  fastPath?: boolean;
  /** Bytes per range; by default ranges shrink from MAX_RANGE_BYTES towards the end (tests set small ones). */
  rangeBytes?: number;
  /** Groups a range may hold before it ends early (default MAX_RANGE_GROUPS; tests set small ones). */
  maxRangeGroups?: number;
}

/**
 * The largest range. A range costs ~1 ms of its own — opening the file, its grouping's first
 * sighting of each identity, its merge (one thread, 512 MB of flows: 528–551 ms in 4 MiB ranges,
 * 418–436 in 16 MiB, 379–406 in 64 or 256 MiB, 402–408 streamed) — under 2% of a 64 MiB range.
 */
const MAX_RANGE_BYTES = 64 * 1024 * 1024;
/** The smallest range, at the end of a file, where even finishing matters more than ~6% per range. */
const MIN_RANGE_BYTES = 16 * 1024 * 1024;
/** Ranges queued at a worker: one scanning, one next, so it never waits for the main thread. */
const QUEUED_PER_WORKER = 2;
/**
 * Ranges out at once (scanning, or done and waiting for a slower range before them), per thread.
 * Two per thread let a cold or slow worker's range hold up the others: on 2 cores, the worker sat
 * idle for 45 ms of a 0.8 s scan while the main thread's done ranges waited behind it.
 */
const RANGES_OUT_PER_THREAD = 4;
/**
 * Groups a range holds before it ends early: a range of a flood, before its target's cap is known
 * where it is read, holds one group per new source (a few hundred bytes each); a usual one holds a
 * few thousand at most.
 */
const MAX_RANGE_GROUPS = 4_000;

/** Scans started in this thread, numbering their ranges' `scan`. */
let scans = 0;

interface Pending {
  task: RangeTask;
  result?: RangeResult;
  error?: unknown;
  done: Promise<void>;
}

export async function scanFileParallel(file: string, options: ParallelScanOptions): Promise<void> {
  const { stats, problems, workers, auditor } = options;
  const now = options.now ?? Date.now;
  const size = (await stat(file)).size;
  const sessions = new PostgresSessions();
  const chunks = new StatementChunks();
  const emit = (event: AccessEvent) => {
    stats.events++;
    options.onEvent(event);
  };
  const sink = joiningSink(sessions, emit, undefined, chunks);
  stats.files++;

  // This scan's name in its ranges, and what the main thread knows when it scans a range itself.
  const scan = scans++;
  const known = { completeEntryIds: new CompleteEntryIds(), closed: auditor.closed };
  // Workers are told of the targets the auditor has closed (ClosedTargets) — those closed before
  // this file, now, and the rest as merging closes them.
  for (const update of auditor.closed.updates) workers.tell(scan, update);
  let told = auditor.closed.updates.length;

  const threads = workers.size + 1;
  const maxGroups = options.maxRangeGroups ?? MAX_RANGE_GROUPS;
  /** Ranges [0, carved) have been handed out. */
  let carved = 0;
  /** The rest of ranges that ended early, by start: each is handed out once the part before it is merged. */
  const rest = new Map<number, RangeTask>();
  /** Ranges out (scanning, or done and waiting to be merged), by start. */
  const out = new Map<number, Pending>();
  /** Ranges before this offset are merged; `lines` is how many lines they held. */
  let mergedTo = 0;
  let lines = 0;

  const limit = RANGES_OUT_PER_THREAD * threads;
  /** The rest of a range that ended early, once it is next; else a new range while few are out. */
  const take = (): RangeTask | undefined => {
    const next = rest.get(mergedTo);
    if (next) {
      rest.delete(mergedTo);
      return next;
    }
    if (carved >= size || out.size >= limit) return undefined;
    const bytes = options.rangeBytes ?? Math.min(MAX_RANGE_BYTES, Math.max(MIN_RANGE_BYTES, Math.ceil((size - carved) / (2 * threads))));
    const end = Math.min(size, carved + bytes);
    const task: RangeTask = { file, start: carved, end, latestPlausibleMs: now() + FUTURE_TOLERANCE_MS, maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, fastPath: options.fastPath ?? true, scan, maxGroups, flowAliases: auditor.flowAliasPairs };
    carved = end;
    return task;
  };
  const done = (task: RangeTask, result: RangeResult) => {
    options.onBytes?.(result.bytes);
    if (result.next < task.end) rest.set(result.next, { ...task, start: result.next });
  };
  const merge = (result: RangeResult) => {
    shiftLines(result, file, lines);
    lines += result.stats.lines;
    for (const key of Object.keys(result.stats) as (keyof BatchStats)[]) stats[key] += result.stats[key];
    problems.merge(result.problems);
    // Groups and joined connections in line order, as a serial scan meets them (which groups a cap
    // keeps depends on it); a range's overflow is of closed targets, which no group of it changes.
    let next = 0;
    for (const { event, join } of result.joins) {
      for (; next < result.groups.length && result.groups[next]!.firstLine < event.ref.line; next++) auditor.mergeGroup(result.groups[next]!);
      sink.join(event, join);
    }
    for (; next < result.groups.length; next++) auditor.mergeGroup(result.groups[next]!);
    for (const overflow of result.overflow) auditor.mergeOverflow(overflow);
    while (told < auditor.closed.updates.length) workers.tell(scan, auditor.closed.updates[told++]!);
  };
  /** Merges the ranges done at the head of the file; a failed range's error is thrown. */
  const mergeReady = () => {
    for (let head = out.get(mergedTo); head && (head.result || head.error); head = out.get(mergedTo)) {
      out.delete(mergedTo);
      if (head.error) throw head.error;
      merge(head.result!);
      mergedTo = head.result!.next;
    }
  };

  try {
    for (;;) {
      mergeReady();
      // This thread takes the next range itself (the first one too: it is warm, and a worker may
      // still be starting), then free workers take the ones after it.
      const taken = take();
      const mine: Pending | undefined = taken && { task: taken, done: Promise.resolve() };
      if (mine) out.set(mine.task.start, mine);
      for (let index = workers.free(QUEUED_PER_WORKER); index !== undefined; index = workers.free(QUEUED_PER_WORKER)) {
        const task = take();
        if (!task) break;
        const pending: Pending = { task, done: Promise.resolve() };
        pending.done = workers.run(index, task).then(
          (result) => {
            done(task, result);
            pending.result = result;
          },
          (error: unknown) => void (pending.error = error ?? new Error('scan worker failed')),
        );
        out.set(task.start, pending);
      }
      if (mine) {
        mine.result = await scanRange(mine.task, known);
        done(mine.task, mine.result);
        continue;
      }
      if (out.size === 0) break;
      // Nothing to take now: wait for a range at a worker (a worker freed, or the head done). Ranges
      // scanned here are done already: waiting on them would never let a worker's answer in.
      const running = [...out.values()].filter((p) => !p.result && !p.error);
      if (running.length === 0) throw new Error(`parallel scan of ${file}: no range running at ${mergedTo} and none to merge`);
      await Promise.race(running.map((p) => p.done));
    }
  } finally {
    // Let every range out end before an error is reported: no worker goes on reading for this scan.
    await Promise.all([...out.values()].map((p) => p.done));
  }
  for (const event of sessions.drain()) emit(event);
  for (const event of chunks.drain()) emit(event);
}
