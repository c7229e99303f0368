/**
 * One block of lines scanned off the main thread (scan-worker.ts): the same per-line decisions as
 * scanStream, with events aggregated into access groups on the spot, so only a few thousand
 * groups — not a million events — travel back. postgres.log halves, which must be joined in line
 * order across blocks, are returned as they are.
 */
import { isUtf8 } from 'node:buffer';
import type { AccessEvent } from '../access-event.js';
import type { AccessGroup, CompleteEntryIds } from '../detect/access-group.js';
import { BatchAuditor } from '../detect/auditor.js';
import type { ClosedTargets } from '../detect/closed-targets.js';
import type { Overflow } from '../detect/detectors/tracking-overflow.js';
import type { ParseContext, PostgresJoin } from '../parse/log-entry.js';
import type { RepeatedAccess } from '../repeated-access.js';
import { emptyStats, ProblemLog, scanLines, type BatchStats, type LineSpan, type Problem } from './scan.js';

export interface BlockTask {
  /** Whole lines, each ending with \n (the last may lack it at the end of a file). */
  buf: Uint8Array;
  /** Line number of the first line in its file. */
  firstLine: number;
  file: string;
  latestPlausibleMs: number;
  maxLineBytes: number;
  fastPath: boolean;
  /** Names the scan (one file into one auditor) the block belongs to: see CompleteEntryIds. */
  scan: number;
}

export interface BlockResult {
  stats: BatchStats;
  problems: { kept: Problem[]; perFile: [string, number][] };
  /** Groups in order of first appearance (so merging blocks in order equals a serial scan). */
  groups: AccessGroup[];
  /** Accesses to closed targets under untracked keys, counted per target (see ClosedTargets). */
  overflow: Overflow[];
  joins: { event: AccessEvent; join: PostgresJoin }[];
  /** The block's memory, handed back by a worker for reuse (transferred; nothing views it any more). */
  memory?: ArrayBuffer;
}

/** What a thread knows of the scan a block belongs to. */
export interface ScanKnowledge {
  /** Learned from the earlier blocks of the scan this thread scanned; updated with this block's groups. */
  completeEntryIds?: CompleteEntryIds;
  /** The targets the batch's auditor had closed when the block was handed out. */
  closed?: ClosedTargets;
}

/** Scans one block. */
export function scanBlock(task: BlockTask, known: ScanKnowledge = {}): BlockResult {
  const { completeEntryIds, closed } = known;
  const buf = Buffer.from(task.buf.buffer, task.buf.byteOffset, task.buf.byteLength);
  const stats = emptyStats();
  const problems = new ProblemLog();
  // Grouping only (no baselines, no cap of its own): the main thread's auditor judges and caps the
  // merged groups. Closed targets' overflow is counted here already.
  const grouping = new BatchAuditor([], { maxGroups: Number.POSITIVE_INFINITY, maxGroupsPerTarget: Number.POSITIVE_INFINITY, now: 0, ...(completeEntryIds ? { completeEntryIds } : {}), ...(closed ? { closed } : {}) });
  const joins: BlockResult['joins'] = [];
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
  // One UTF-8 check for the whole block: a valid block cut at newlines gives valid lines.
  const utf8 = isUtf8(buf);
  // One span, reused line after line (processLine copies what it keeps).
  const line: LineSpan = { number: task.firstLine, buf, start: 0, end: 0, utf8 };
  scanLines(0, buf.length, line, task.file, ctx, task.fastPath, task.maxLineBytes, stats, problems, sink);
  const groups = grouping.groupsInOrder();
  completeEntryIds?.note(groups);
  return { stats, problems: problems.export(), groups, overflow: grouping.overflowInOrder(), joins };
}
