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
 * is scanned once the part before it is merged); at most four ranges per thread are out at once;
 * and V8's pretenuring is off once workers start (pretenuring.ts).
 * Once ranges stop paying (RESHIPPED_GROUPS_PER_MIB), a range that shows it is read again here
 * instead of merged, and so is the rest of the file; once no range is out at a worker, the workers'
 * threads end (ScanWorkers.release), and the next scan starts them again.
 * A worker that fails (its thread dies, or its scan of a range throws) loses no lines: its ranges
 * are scanned again on this thread when their turn to merge comes, and the scan goes on without it.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { AccessEvent } from '../access-event.js';
import type { RepeatedAccess } from '../repeated-access.js';
import { CompleteEntryIds, groupKey } from '../detect/access-group.js';
import type { RangeMerger } from '../detect/auditor.js';
import type { ClosedTargetsUpdate } from '../detect/closed-targets.js';
import { StatementChunks } from '../parse/cloudsql-pgaudit.js';
import { PostgresSessions } from '../parse/postgres-log.js';
import { readFileRange } from './input-files.js';
import { bomLength, DEFAULT_MAX_LINE_BYTES } from './lines.js';
import { stopPretenuring } from './pretenuring.js';
import { emptyStats, FUTURE_TOLERANCE_MS, joiningSink, scanStream, type BatchStats, type ProblemLog } from './scan.js';
import { firstLineAt, scanRange, shiftLines, type RangeResult, type RangeTask } from './scan-range.js';

/** A scan worker failed: its thread died (out of memory, a crash) or its scan of a range threw. */
export class ScanWorkerError extends Error {
  override readonly name = 'ScanWorkerError';
}

/**
 * A pool of scan workers running `script` (the bundled scan-worker.js). Its threads can be ended
 * while the pool lives on (release) and are started again for the next scan (start).
 */
export class ScanWorkers {
  /** The threads; undefined where release ended one. */
  private readonly workers: (Worker | undefined)[];
  /** Answers awaited, by range id, with the worker each was sent to. */
  private readonly waiting = new Map<number, { index: number; resolve: (r: RangeResult) => void; reject: (e: Error) => void }>();
  /** Ranges sent to each worker and not yet answered. */
  private readonly out: number[];
  /** Workers that failed or were stopped: given no more ranges (the main thread scans the rest). */
  private readonly gone: boolean[];
  private closed = false;
  private id = 0;

  /** `setFlags` sets V8's flags (a test's recorder, else V8's own): see stopPretenuring. */
  constructor(
    private readonly script: string | URL,
    readonly size: number,
    setFlags?: (flags: string) => void,
  ) {
    // Before any thread starts: a worker's heap then never learns to pretenure what a flood's first range kept.
    stopPretenuring(setFlags);
    this.out = new Array<number>(size).fill(0);
    this.gone = new Array<boolean>(size).fill(false);
    this.workers = Array.from({ length: size }, (_, index) => this.spawn(index));
  }

  private spawn(index: number): Worker {
    // Not the parent's flags (--input-type, --eval…), which a worker file refuses. A small young
    // generation keeps two threads' heaps well under 256 MB, at no cost in speed: against 32 MiB,
    // the 1 GiB flow shard took 794–801 vs 784–806 ms and peaked at 121 vs 128–130 MiB; the
    // million-line flood 1.38–1.94 vs 1.37–1.48 s at 168–185 vs 191–206 MiB.
    const worker = new Worker(this.script, { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    worker.on('message', (message: { id: number; result?: RangeResult; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      this.out[index]!--;
      if (message.result) waiter.resolve(message.result);
      else waiter.reject(new ScanWorkerError(`a scan worker's range failed: ${message.error}`));
    });
    const fail = (error: Error) => {
      // A thread that release ended is no failure.
      if (this.workers[index] !== worker) return;
      this.gone[index] = true;
      for (const [id, waiter] of this.waiting) {
        if (waiter.index !== index) continue;
        this.waiting.delete(id);
        waiter.reject(error);
      }
    };
    worker.on('error', (error) => fail(new ScanWorkerError(`a scan worker failed: ${error.message}`)));
    worker.on('exit', (code) => fail(new ScanWorkerError(`a scan worker exited (code ${code})`)));
    return worker;
  }

  /** Threads running now (not ended by release, not failed). */
  get running(): number {
    return this.workers.filter((worker, i) => worker !== undefined && !this.gone[i]).length;
  }

  /** A worker with fewer than `most` ranges out, the least busy first; undefined when none is. */
  free(most: number): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < this.size; i++) if (this.workers[i] && !this.gone[i] && this.out[i]! < most && (best === undefined || this.out[i]! < this.out[best]!)) best = i;
    return best;
  }

  /** Sends a range to worker `index`. */
  run(index: number, task: RangeTask): Promise<RangeResult> {
    const worker = this.workers[index];
    if (!worker) return Promise.reject(new Error('scan worker released'));
    // A failed worker's thread would never answer.
    if (this.gone[index]) return Promise.reject(new ScanWorkerError('a scan worker failed earlier'));
    const id = this.id++;
    this.out[index]!++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { index, resolve, reject });
      worker.postMessage({ ...task, id });
    });
  }

  /** Tells every worker of targets closed in scan `scan`, before any range sent after this. */
  tell(scan: number, closed: ClosedTargetsUpdate): void {
    for (const worker of this.workers) worker?.postMessage({ scan, closed });
  }

  /** Tells every worker of group keys that need no more entry ids once the range at `start` is merged (CompleteEntryIds.noteKeys). */
  tellComplete(scan: number, keys: readonly string[], start: number): void {
    for (const worker of this.workers) worker?.postMessage({ scan, complete: { keys, start } });
  }

  /** Tells every worker that the main thread reads the rest of scan `scan` itself: their ranges of it end after the chunk under way. */
  stop(scan: number): void {
    for (const worker of this.workers) worker?.postMessage({ scan, stop: true });
  }

  /**
   * Ends the threads, with no range out, once a scan reads the rest of its file on this thread:
   * an idle worker kept its heap (what its ranges left, uncollected while it allocated nothing) for
   * the rest of the run — ~10 MiB of the peak on the Cloud Storage bench row. `start` starts them again.
   */
  async release(): Promise<void> {
    if (this.waiting.size > 0) throw new Error('scan workers released with ranges out');
    const running = this.workers.filter((worker): worker is Worker => worker !== undefined);
    this.workers.fill(undefined);
    await Promise.all(running.map((worker) => worker.terminate()));
  }

  /** Starts again the threads that release ended (not those that failed, nor a closed pool's). */
  start(): void {
    if (this.closed) return;
    for (let i = 0; i < this.size; i++) if (!this.workers[i] && !this.gone[i]) this.workers[i] = this.spawn(i);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w?.terminate()));
  }
}

export interface ParallelScanOptions {
  workers: ScanWorkers;
  stats: BatchStats;
  problems: ProblemLog;
  /** Receives each range's groups and overflow, in file order (the batch's auditor) … */
  auditor: RangeMerger;
  /** … and the joined postgres.log events, and the events of a part read on this thread alone (see RESHIPPED_GROUPS_PER_MIB) … */
  onEvent: (event: AccessEvent) => void;
  /** … whose repeats of known accesses come here when given (else as events). */
  onRepeated?: (repeat: RepeatedAccess) => void;
  /** Sees the bytes of each range once it is scanned (progress). */
  onBytes?: (n: number) => void;
  /** Told once per distinct failure of a scan worker (a ScanWorkerError's message) whose ranges were scanned again here. */
  onWorkerFailure?: (message: string) => void;
  maxLineBytes?: number;
  now?: () => number;
  fastPath?: boolean;
  /** Bytes per range; by default ranges shrink from MAX_RANGE_BYTES towards the end (tests set small ones). */
  rangeBytes?: number;
  /** Groups a range may hold before it ends early (default MAX_RANGE_GROUPS; tests set small ones). */
  maxRangeGroups?: number;
  /** Groups of a range the batch had already, past which it and the rest are read on this thread (default: see RESHIPPED_GROUPS_PER_MIB; tests set small ones). */
  reshippedGroups?: number;
}

export interface ParallelScanResult {
  /** Bytes of the file merged from ranges; the rest (from where ranges stopped paying) was read on this thread alone. */
  rangedBytes: number;
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
 * … but one per thread until this many ranges are merged: whether ranges pay shows only when a
 * range's groups meet the batch's (RESHIPPED_GROUPS_PER_MIB), at the second merge. With four per
 * thread from the start, up to eight ranges of a Cloud Storage shard of 400 principals could be out
 * on 2 cores (each ending early with 4,000 groups, all rebuilt) before that answer came.
 *
 * Reading the first range on this thread straight into the batch instead (nothing comes before it
 * to merge), so that the first merge would answer, was tried and left out. It took ~0.1 s off the
 * Cloud Storage shard but cost the 1 GiB flood 0.4-0.6 s (medians of two sets of 10 and 8
 * alternating pairs, slower in 9 and 7 of them), and put more of its runs at 270-290 MiB: the
 * worker's first range ends early at the group cap and waits, idle, while this thread reads its
 * 64 MiB, and the target's close reaches the workers only at a merge.
 */
const WARM_UP_MERGES = 2;
/**
 * Groups a range holds before it ends early: a range of a flood, before its target's cap is known
 * where it is read, holds one group per new source (a few hundred bytes each); a usual one holds a
 * few thousand at most.
 */
const MAX_RANGE_GROUPS = 4_000;

/**
 * Groups of a range that the batch already had (merged into, not added), per MiB the range read:
 * past this many, ranges are rebuilding the same groups over and over, and merging a group on the
 * main thread (~40 µs) costs more than reading its share of the file there (~7 ms a MiB). A shard
 * of Cloud Storage access by 400 principals from 300 addresses holds ~18,000 groups: each range hit
 * MAX_RANGE_GROUPS after ~6 MB (~380 groups a MiB, all rebuilt) and 1 GiB took 11-16 s on 2 cores
 * against 6-7 s on one; a production flow shard's 64 MiB ranges carry ~780 (~12 a MiB). Past it,
 * no new range is handed out. The range is not merged but read again on this thread, which costs
 * less (on that shard, merging a range of 6 MB and ~4,800 groups took 70-100 ms), and so is
 * each range still out that is past it too; the rest of the file is read here straight into the
 * batch, as a serial scan would.
 */
const RESHIPPED_GROUPS_PER_MIB = 64;
/** … counted only past this many in a range (a small range of a small file proves nothing). */
const RESHIPPED_GROUPS_MIN = 256;

/** Scans started in this thread, numbering their ranges' `scan`. */
let scans = 0;

interface Pending {
  task: RangeTask;
  result?: RangeResult;
  error?: unknown;
  done: Promise<void>;
}

export async function scanFileParallel(file: string, options: ParallelScanOptions): Promise<ParallelScanResult> {
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

  // Threads a previous scan released are started again (a scan that stopped paying ended them).
  workers.start();
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
  /** Set once ranges rebuild the batch's groups (RESHIPPED_GROUPS_PER_MIB): the rest is read on this thread. */
  let serialRest = false;

  /** Ranges merged so far (see WARM_UP_MERGES). */
  let merges = 0;
  /** The rest of a range that ended early, once it is next; else a new range while few are out. */
  const take = (): RangeTask | undefined => {
    // (Once ranges stop paying, a rest is read here instead: see readHere.)
    const next = serialRest ? undefined : rest.get(mergedTo);
    if (next) {
      rest.delete(mergedTo);
      return next;
    }
    if (serialRest || carved >= size || out.size >= (merges < WARM_UP_MERGES ? 1 : RANGES_OUT_PER_THREAD) * threads) return undefined;
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
  /** Keys told to every thread as needing no more entry ids (see completeAfter). */
  const toldComplete = new Set<string>();
  /**
   * After a range is merged: keys of its groups that collected entry ids but whose batch group takes
   * no more — quiet (its baseline knows it), or full — so that no thread collects (decodes, ships,
   * merges) them for a later range. On the 1 GiB production flow shard every group is quiet, yet
   * each 64 MiB range shipped ~8,400 ids, all dropped here.
   */
  const completeAfter = (result: RangeResult, start: number) => {
    const keys: string[] = [];
    for (const group of result.groups) {
      if (group.entryIdLimit === 0 || !auditor.entryIdsComplete(group)) continue;
      const key = groupKey(group);
      if (toldComplete.has(key)) continue;
      toldComplete.add(key);
      keys.push(key);
    }
    if (keys.length === 0) return;
    known.completeEntryIds.noteKeys(keys, start);
    workers.tellComplete(scan, keys, start);
  };
  const merge = (result: RangeResult, start: number) => {
    merges++;
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
    completeAfter(result, start);
  };
  /**
   * Whether a range rebuilt the batch's groups (RESHIPPED_GROUPS_PER_MIB): more of its groups than
   * its share are ones the batch has already. Asked before merging it, so that such a range is not
   * merged but read again here, which costs less. Counts only as far as the answer needs.
   */
  const rebuilds = (result: RangeResult): boolean => {
    const most = options.reshippedGroups ?? Math.max(RESHIPPED_GROUPS_MIN, (RESHIPPED_GROUPS_PER_MIB * result.bytes) / 2 ** 20);
    if (result.groups.length <= most) return false;
    let held = 0;
    for (const group of result.groups) if (auditor.hasGroup(group) && ++held > most) return true;
    return false;
  };
  /** Bytes merged from ranges (the rest was read by readHere). */
  let rangeBytes = 0;
  /**
   * Reads the lines that start in [start, end) on this thread straight into the batch (the ranges
   * before them merged), as a serial scan would: once ranges stop paying (RESHIPPED_GROUPS_PER_MIB), a
   * range that rebuilt the batch's groups, the rest of a range that ended early, and the rest of the file.
   */
  const readHere = async (start: number, end: number, reported = 0) => {
    const handle = await open(file, 'r');
    let from: number;
    let to: number;
    try {
      // A byte order mark opening the file is no part of its first line (as in a serial scan): a
      // range of a batch's later file that starts it can be read again here.
      from = Math.min(size, start === 0 ? await bomAt(handle) : await firstLineAt(handle, start));
      to = end >= size ? size : Math.min(size, await firstLineAt(handle, end));
    } finally {
      await handle.close();
    }
    // Progress counts [start, end) exactly, as a range would, less the first `reported` bytes (those
    // of a range read before, and reported then).
    let skip = reported;
    let budget = Math.min(end, size) - start - reported;
    const progress = (n: number) => {
      const skipped = Math.min(n, skip);
      skip -= skipped;
      const k = Math.max(0, Math.min(n - skipped, budget));
      budget -= k;
      if (k > 0) options.onBytes?.(k);
    };
    progress(from - start);
    if (from < to) {
      const here = emptyStats();
      await scanStream(file, readFileRange(file, from, to, progress), {
        stats: here,
        problems,
        onEvent: options.onEvent,
        ...(options.onRepeated ? { onRepeated: options.onRepeated } : {}),
        maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
        now,
        fastPath: options.fastPath ?? true,
        continues: { firstLine: lines + 1, sessions, chunks },
      });
      lines += here.lines;
      for (const key of Object.keys(here) as (keyof BatchStats)[]) stats[key] += here[key];
    }
    progress(budget);
    mergedTo = end;
  };

  /**
   * Once ranges stop paying, reads [start, end) here (readHere). When no range is out at a worker
   * (those out end after their chunk: stop), the workers' threads end first, their heaps with them.
   */
  const readRestHere = async (start: number, end: number, reported = 0) => {
    if ([...out.values()].every((p) => p.result || p.error)) await workers.release();
    await readHere(start, end, reported);
  };

  /** Failures of workers already told to onWorkerFailure in this scan. */
  const failures = new Set<string>();
  /**
   * Merges the ranges done at the head of the file. A range a worker failed on is scanned here
   * first, from its start (nothing of it was merged); any other error is thrown.
   */
  const mergeReady = async () => {
    for (let head = out.get(mergedTo); head && (head.result || head.error); head = out.get(mergedTo)) {
      if (head.error) {
        if (!(head.error instanceof ScanWorkerError)) throw head.error;
        if (!failures.has(head.error.message)) {
          failures.add(head.error.message);
          options.onWorkerFailure?.(head.error.message);
        }
        head.error = undefined;
        head.result = await scanRange(head.task, known);
        done(head.task, head.result);
      }
      out.delete(mergedTo);
      if (rebuilds(head.result!)) {
        // Ranges stop paying: this one is read again here, rest and all, and so is the rest of the
        // file. Ranges still out end after their chunk (stop), and are asked the same on their turn.
        if (!serialRest) {
          serialRest = true;
          workers.stop(scan);
        }
        // Its rest, if it ended early (a later range stopped before its first line has one at this
        // range's end, and keeps it).
        if (head.result!.next < head.task.end) rest.delete(head.result!.next);
        await readRestHere(head.task.start, head.task.end, head.result!.bytes);
        continue;
      }
      merge(head.result!, head.task.start);
      rangeBytes += head.result!.bytes;
      mergedTo = head.result!.next;
    }
  };

  try {
    for (;;) {
      await mergeReady();
      // Once ranges stop paying, the rest of a range that ended early is read here, not as a range.
      const restHere = serialRest ? rest.get(mergedTo) : undefined;
      if (restHere) {
        rest.delete(mergedTo);
        await readRestHere(restHere.start, restHere.end);
        continue;
      }
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
          (error: unknown) => void (pending.error = error ?? new ScanWorkerError('a scan worker failed')),
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
  // Every range handed out is merged: the rest, if ranges stopped paying, is read here.
  if (mergedTo < size) {
    if (!serialRest) throw new Error(`parallel scan of ${file}: stopped at ${mergedTo} of ${size} bytes`);
    // No range is out and none will be: the workers' threads end (if not already) while this one reads the rest.
    await readRestHere(mergedTo, size);
  }
  for (const event of sessions.drain()) emit(event);
  for (const event of chunks.drain()) emit(event);
  return { rangedBytes: rangeBytes };
}

/** The length of the byte order mark that opens the file, if any. */
async function bomAt(handle: FileHandle): Promise<number> {
  const head = Buffer.alloc(3);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return bomLength(head.subarray(0, bytesRead));
}
