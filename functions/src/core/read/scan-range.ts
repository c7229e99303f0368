/**
 * One byte range of a local export file, read and scanned by one thread (the main thread or a scan
 * worker, see parallel-scan.ts): the lines that start in [start, end), decided line by line exactly
 * as scanStream decides them, aggregated into access groups on the spot — so a few thousand groups,
 * not a million events, come back. postgres.log halves, which must be joined in line order across
 * ranges, are returned as they are.
 *
 * Each range reads its own bytes (two buffers in turn, the next read under way while one is
 * scanned), so threads share nothing but the file. Line numbers are counted from 1 within the
 * range; the main thread shifts them when it merges the ranges in order (shiftLines).
 *
 * A range ends early, after a chunk, once its grouping holds `maxGroups` groups (a flood of new
 * sources before their target's cap is known here): `next` says where the rest begins, for another
 * range. Memory stays bounded whatever the range size.
 */
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import type { AccessEvent } from '../access-event.js';
import type { AccessGroup, CompleteEntryIds } from '../detect/access-group.js';
import { BatchAuditor } from '../detect/auditor.js';
import type { ClosedTargets } from '../detect/closed-targets.js';
import type { Overflow } from '../detect/detectors/tracking-overflow.js';
import type { ParseContext, PostgresJoin } from '../parse/log-entry.js';
import type { RepeatedAccess } from '../repeated-access.js';
import { bomLength } from './lines.js';
import { emptyStats, oversizeLine, ProblemLog, scanLines, type BatchStats, type LineSpan, type Problem } from './scan.js';

export interface RangeTask {
  /** The local file. */
  file: string;
  /** The range holds the lines that start at an offset in [start, end). */
  start: number;
  end: number;
  latestPlausibleMs: number;
  maxLineBytes: number;
  fastPath: boolean;
  /** Names the scan (one file into one auditor) the range belongs to: see CompleteEntryIds. */
  scan: number;
  /** The range ends early, after a chunk, once it holds this many groups. */
  maxGroups: number;
  /** The batch's auditor's names for flow records without VPC metadata (BatchAuditor.flowAliasPairs). */
  flowAliases: readonly (readonly [string, string])[];
}

export interface RangeResult {
  stats: BatchStats;
  problems: { kept: Problem[]; perFile: [string, number][] };
  /** Groups in order of first appearance (so merging ranges in order equals a serial scan). */
  groups: AccessGroup[];
  /** Accesses to closed targets under untracked keys, counted per target (see ClosedTargets). */
  overflow: Overflow[];
  joins: { event: AccessEvent; join: PostgresJoin }[];
  /** Where the next range starts: `end`, or the start of the first line not scanned when it ended early. */
  next: number;
  /** Bytes of the file this range covered (for progress). */
  bytes: number;
}

/** What a thread knows of the scan a range belongs to. */
export interface ScanKnowledge {
  /** Groups completed by this thread's earlier ranges of the scan; updated with this range's. */
  completeEntryIds?: CompleteEntryIds;
  /** The targets the batch's auditor had closed so far. */
  closed?: ClosedTargets;
  /** True once the main thread reads the rest of the scan itself: a range ends after its chunk, one not begun reads nothing. */
  stopped?: () => boolean;
}

/** Reads of 2 MiB, as scanStream's one-thread reads (input-files.ts). */
const CHUNK_BYTES = 2 * 1024 * 1024;
/**
 * Read buffers of this thread's ranges done, for the next range: fresh memory costs page faults on
 * its first write. (A thread scans one range at a time, so this holds two.)
 */
const spare: Buffer[] = [];
const NEWLINE = 0x0a;

/** Scans one range of a file. Infrastructure errors (the file cannot be read) are thrown. */
export async function scanRange(task: RangeTask, known: ScanKnowledge = {}): Promise<RangeResult> {
  const { completeEntryIds, closed } = known;
  const stats = emptyStats();
  const problems = new ProblemLog();
  // Grouping only (no baselines, no cap of its own): the main thread's auditor judges and caps the
  // merged groups. Closed targets' overflow is counted here already.
  const grouping = new BatchAuditor([], {
    maxGroups: Number.POSITIVE_INFINITY,
    maxGroupsPerTarget: Number.POSITIVE_INFINITY,
    now: 0,
    // Ids of groups an earlier range of this thread completed are not collected again.
    ...(completeEntryIds ? { completeEntryIds: completeEntryIds.before(task.start) } : {}),
    ...(closed ? { closed } : {}),
    flowAliases: task.flowAliases,
  });
  const joins: RangeResult['joins'] = [];
  const sink = {
    event(event: AccessEvent) {
      stats.events++;
      grouping.add(event);
    },
    repeated(repeat: RepeatedAccess) {
      stats.events++;
      grouping.addRepeated(repeat);
    },
    join(event: AccessEvent, join: PostgresJoin) {
      joins.push({ event, join });
    },
  };
  const ctx: ParseContext = { ref: { file: task.file, line: 0 }, latestPlausibleMs: task.latestPlausibleMs };
  const line: LineSpan = { number: 1, buf: Buffer.alloc(0), start: 0, end: 0, utf8: false };
  const scan = (buf: Buffer, from: number, to: number, utf8: boolean) => {
    line.buf = buf;
    line.utf8 = utf8;
    scanLines(from, to, line, task.file, ctx, task.fastPath, task.maxLineBytes, stats, problems, sink); // numbers the lines on
  };

  const handle = await open(task.file, 'r');
  let buffers: Buffer[] = [];
  let pos = task.start;
  /** The read under way, into one of `buffers`. */
  let reading: Promise<Buffer> | undefined;
  try {
    pos = await firstLineAt(handle, task.start);
    buffers = [spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES), spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)];
    let turn = 0;
    const read = (at: number) => {
      const buffer = buffers[turn]!;
      turn ^= 1;
      return handle.read(buffer, 0, buffer.length, at).then(({ bytesRead }) => buffer.subarray(0, bytesRead));
    };
    reading = pos < task.end && !known.stopped?.() ? read(pos) : undefined;
    while (reading) {
      const chunk = await reading;
      reading = undefined;
      if (chunk.length === 0) break;
      const lastNl = chunk.lastIndexOf(NEWLINE);
      // A regular file's read comes short only at its end.
      const atEof = chunk.length < CHUNK_BYTES;
      if (lastNl < 0 && !atEof) {
        // One line longer than a chunk: measured first, then read whole or counted as oversized.
        pos = await longLine(handle, pos, task, stats, problems, line, scan);
        reading = pos < task.end ? read(pos) : undefined;
        continue;
      }
      // Whole lines in this chunk (at the end of the file, the last one need not end with \n) …
      let to = atEof ? chunk.length : lastNl + 1;
      // … that start before the range's end.
      const limit = task.end - pos;
      if (limit < to) {
        const nl = chunk.indexOf(NEWLINE, limit - 1);
        if (nl >= 0) to = nl + 1;
      }
      const next = pos + to;
      if (next < task.end && !atEof) reading = read(next);
      // A UTF-8 byte order mark opens the file's first line only.
      const from = pos === 0 ? bomLength(chunk) : 0;
      // One UTF-8 check for these lines: valid bytes cut at newlines give valid lines.
      scan(chunk, from, to, isUtf8(chunk.subarray(from, to)));
      pos = next;
      // Ends early: the chunk read ahead is read again by the range that continues.
      if ((grouping.trackedGroups >= task.maxGroups || known.stopped?.()) && reading) break;
    }
  } finally {
    // No read may still be writing into a buffer handed to the next range, or use a closed handle.
    await reading?.catch(() => undefined);
    await handle.close();
    spare.push(...buffers);
  }
  const groups = grouping.groupsInOrder();
  completeEntryIds?.note(groups, task.start);
  const next = pos < task.end && (grouping.trackedGroups >= task.maxGroups || known.stopped?.() === true) ? pos : task.end;
  return { stats, problems: problems.export(), groups, overflow: grouping.overflowInOrder(), joins, next, bytes: Math.max(0, Math.min(pos, task.end) - task.start) };
}

/** Where the first line starting at or after `start` begins: `start` itself after a newline (or at 0). */
export async function firstLineAt(handle: FileHandle, start: number): Promise<number> {
  if (start === 0) return 0;
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (let at = start - 1; ; at += buffer.length) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) return Number.POSITIVE_INFINITY;
    const nl = buffer.subarray(0, bytesRead).indexOf(NEWLINE);
    if (nl >= 0) return at + nl + 1;
  }
}

/**
 * The line at `pos`, longer than a read chunk: found by its newline (or the end of the file), then
 * scanned from a buffer of its own when within `maxLineBytes`, else counted as oversized without
 * being kept. Returns where the next line starts.
 */
async function longLine(
  handle: FileHandle,
  pos: number,
  task: RangeTask,
  stats: BatchStats,
  problems: ProblemLog,
  line: LineSpan,
  scan: (buf: Buffer, from: number, to: number, utf8: boolean) => void,
): Promise<number> {
  const probe = Buffer.allocUnsafe(CHUNK_BYTES);
  let end = pos;
  let ended = false;
  let bom = 0;
  while (!ended) {
    const { bytesRead } = await handle.read(probe, 0, probe.length, end);
    if (bytesRead === 0) break;
    if (end === 0) bom = bomLength(probe.subarray(0, bytesRead));
    const nl = probe.subarray(0, bytesRead).indexOf(NEWLINE);
    ended = nl >= 0;
    end += ended ? nl + 1 : bytesRead;
  }
  // The line's bytes, without its byte order mark and newline (a \r before it is the scanner's).
  const bytes = end - pos - bom - (ended ? 1 : 0);
  if (bytes > task.maxLineBytes) {
    stats.lines++;
    oversizeLine(task.file, line.number++, bytes, task.maxLineBytes, stats, problems);
    return end;
  }
  const whole = Buffer.allocUnsafe(end - pos);
  await handle.read(whole, 0, whole.length, pos);
  scan(whole, bom, whole.length, false);
  return end;
}

/**
 * A range's result with its line numbers made the file's: `lines` is how many lines the ranges
 * before it held. (Refs are `file:line` strings, as groups keep them.)
 */
export function shiftLines(result: RangeResult, file: string, lines: number): RangeResult {
  if (lines === 0) return result;
  const prefix = `${file}:`;
  const shiftRef = (ref: string) => (ref.startsWith(prefix) ? `${prefix}${Number(ref.slice(prefix.length)) + lines}` : ref);
  for (const group of result.groups) {
    group.firstLine += lines;
    group.refs = group.refs.map(shiftRef);
    for (const statement of group.statements?.byKind.values() ?? []) {
      for (const sample of [...statement.samples.values(), ...statement.notable.values()]) sample.ref = shiftRef(sample.ref);
    }
  }
  for (const problem of result.problems.kept) if (problem.line !== undefined) problem.line += lines;
  for (const { event } of result.joins) event.ref = { ...event.ref, line: event.ref.line + lines };
  return result;
}
