/**
 * Reads one export stream into access events, keeping the count invariant
 * `lines = parsed + bad + skipped + unknown` and a bounded list of problems naming file and line.
 * Bad data is a counted value; only infrastructure errors (a failed read) are thrown.
 */
import type { AccessEvent } from '../access-event.js';
import { isUtf8 } from 'node:buffer';
import { fastParse } from '../parse/fast-path.js';
import type { ParseContext, PostgresJoin } from '../parse/log-entry.js';
import { parseLine } from '../parse/parsers.js';
import { StatementChunks } from '../parse/cloudsql-pgaudit.js';
import { PostgresSessions } from '../parse/postgres-log.js';
import { RepeatedAccess } from '../repeated-access.js';
import { DEFAULT_MAX_LINE_BYTES, splitLines } from './lines.js';

export interface BatchStats {
  files: number;
  lines: number;
  parsed: number;
  bad: number;
  skipped: number;
  unknown: number;
  events: number;
  /** Lines parsed despite a defect (invalid UTF-8 replaced with U+FFFD). */
  warnings: number;
  /** Files that could not be read to the end (truncated gzip, unreadable). */
  fileErrors: number;
}

export function emptyStats(): BatchStats {
  return { files: 0, lines: 0, parsed: 0, bad: 0, skipped: 0, unknown: 0, events: 0, warnings: 0, fileErrors: 0 };
}

export const PROBLEM_CATEGORIES = ['file', 'bad', 'unknown', 'warning'] as const;
export type ProblemCategory = (typeof PROBLEM_CATEGORIES)[number];

export interface Problem {
  category: ProblemCategory;
  file: string;
  line?: number;
  message: string;
}

/**
 * Keeps the first few problems of each category per file and overall (and every total), so a bad
 * file cannot exhaust memory or bury the other files' problems.
 */
export class ProblemLog {
  private readonly kept: Problem[] = [];
  private readonly totals = new Map<ProblemCategory, number>();
  private readonly perFile = new Map<string, number>();
  /** Problems not kept although their file was under its limit: the overall cap was reached. */
  private readonly overCap = new Map<ProblemCategory, number>();

  constructor(
    private readonly limitPerCategory = 50,
    private readonly limitPerFile = 5,
  ) {}

  add(problem: Problem): void {
    const total = (this.totals.get(problem.category) ?? 0) + 1;
    this.totals.set(problem.category, total);
    const fileKey = `${problem.category}|${problem.file}`;
    const inFile = (this.perFile.get(fileKey) ?? 0) + 1;
    this.perFile.set(fileKey, inFile);
    if (inFile > this.limitPerFile) return; // summarized per file by list()
    if (total <= this.limitPerCategory) this.kept.push(problem);
    else this.overCap.set(problem.category, (this.overCap.get(problem.category) ?? 0) + 1);
  }

  /** The kept problems, then one line per file whose problems were not all kept. */
  list(): Problem[] {
    const out = [...this.kept];
    for (const [fileKey, count] of this.perFile) {
      if (count <= this.limitPerFile) continue;
      const [category, file] = fileKey.split(/\|(.*)/s) as [ProblemCategory, string];
      out.push({ category: 'file', file, message: `${count} ${category} lines in all (only the first ${this.limitPerFile} are listed)` });
    }
    return out;
  }

  /** What another log holds, to be merged here (a scan worker's problems, in line order). */
  export(): { kept: Problem[]; perFile: [string, number][] } {
    return { kept: [...this.kept], perFile: [...this.perFile] };
  }

  /** Adds another log's problems after this one's: kept ones one by one, the rest as counts. */
  merge(other: { kept: Problem[]; perFile: [string, number][] }): void {
    const keptPerFile = new Map<string, number>();
    for (const problem of other.kept) {
      this.add(problem);
      const key = `${problem.category}|${problem.file}`;
      keptPerFile.set(key, (keptPerFile.get(key) ?? 0) + 1);
    }
    for (const [key, count] of other.perFile) {
      const rest = count - (keptPerFile.get(key) ?? 0);
      if (rest <= 0) continue;
      const category = key.slice(0, key.indexOf('|')) as ProblemCategory;
      this.totals.set(category, (this.totals.get(category) ?? 0) + rest);
      this.perFile.set(key, (this.perFile.get(key) ?? 0) + rest);
    }
  }

  /** How many problems of each category are neither listed nor summarized per file (the overall cap). */
  omitted(): Partial<Record<ProblemCategory, number>> {
    return Object.fromEntries(this.overCap);
  }
}

/** One line of text naming the file (and line): how problems are printed everywhere. */
export function formatProblem(problem: Problem): string {
  return `${problem.file}${problem.line !== undefined ? `:${problem.line}` : ''}: ${problem.category === 'file' ? '' : `${problem.category} line: `}${problem.message}`;
}

export interface ScanOptions {
  stats: BatchStats;
  problems: ProblemLog;
  onEvent: (event: AccessEvent) => void;
  /** Receives lines that repeat a known access (BatchAuditor.addRepeated); without it they come as events. */
  onRepeated?: (repeat: RepeatedAccess) => void;
  maxLineBytes?: number;
  /** Injected clock: timestamps more than two days after it are rejected as implausible. */
  now?: () => number;
  /** Decide common lines from their bytes (fast-path.ts); off only to compare with the full parser. */
  fastPath?: boolean;
  /** Read the tamper export: every audit entry is a change to the pipeline (full parser only). */
  pipelineChanges?: boolean;
  /**
   * The stream continues a file whose earlier lines were scanned already (parallel-scan.ts): its
   * first line is `firstLine` of the file (and opens with no byte order mark), postgres.log halves
   * join with those of the earlier and later lines — the caller drains `sessions` and `chunks` once
   * the whole file is read —, and the file is not counted again.
   */
  continues?: { firstLine: number; sessions: PostgresSessions; chunks: StatementChunks };
}

export const FUTURE_TOLERANCE_MS = 2 * 24 * 3600 * 1000;

/** A truncated or corrupt gzip: the file is reported; the lines read before the break were audited. */
function brokenCompression(file: string, lastLine: number, error: unknown, stats: BatchStats, problems: ProblemLog): void {
  stats.fileErrors++;
  problems.add({ category: 'file', file, message: `compressed data is truncated or corrupt after line ${lastLine} (${(error as Error).message}); lines before it were audited` });
}

/** True for errors that mean the file's content is broken (corrupt or truncated gzip), not the infrastructure. */
function isContentError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** One line: bytes [start, end) of `buf`, and whether its chunk is known to be valid UTF-8. */
export interface LineSpan {
  number: number;
  buf: Buffer;
  start: number;
  end: number;
  utf8: boolean;
}

/**
 * Where a decided line goes: an event, a repeat of a known access (read it before the next line),
 * or a postgres.log half that must be joined in line order.
 */
export interface LineSink {
  event(event: AccessEvent): void;
  repeated(repeat: RepeatedAccess): void;
  join(event: AccessEvent, join: PostgresJoin): void;
}

/**
 * Decides one line (never throws for bad data): the fast path first when allowed, then the full
 * parser. Keeps `lines = parsed + bad + skipped + unknown` (the caller counts `lines`).
 */
function processLine(
  raw: LineSpan,
  file: string,
  ctx: ParseContext,
  fast: boolean,
  stats: BatchStats,
  problems: ProblemLog,
  sink: LineSink,
): void {
  // Reused, not reallocated per line: parsers copy what they keep.
  ctx.ref.file = file;
  ctx.ref.line = raw.number;
  if (fast) {
    const decided = fastParse(raw.buf, raw.start, raw.end, ctx, raw.utf8);
    if (decided === 'skip') {
      stats.skipped++;
      return;
    }
    if (decided instanceof RepeatedAccess) {
      stats.parsed++;
      sink.repeated(decided);
      return;
    }
    if (decided) {
      stats.parsed++;
      sink.event(decided);
      return;
    }
  }
  const bytes = raw.buf.subarray(raw.start, raw.end);
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    stats.skipped++;
    return;
  }
  const invalidUtf8 = !isUtf8(bytes);
  const outcome = parseLine(text, ctx);
  switch (outcome.status) {
    case 'bad':
      stats.bad++;
      problems.add({ category: 'bad', file, line: raw.number, message: raw.number === 1 && /^\s*[[{]\s*$/.test(text) ? `${outcome.error} — the file looks like a pretty-printed JSON document; exports have one LogEntry per line` : outcome.error });
      break;
    case 'unknown':
      stats.unknown++;
      problems.add({ category: 'unknown', file, line: raw.number, message: outcome.reason });
      break;
    case 'skipped':
      stats.skipped++;
      break;
    case 'parsed':
      stats.parsed++;
      if (invalidUtf8) {
        stats.warnings++;
        problems.add({ category: 'warning', file, line: raw.number, message: 'invalid UTF-8 replaced with U+FFFD; entry audited' });
      }
      if (outcome.join) sink.join(outcome.event, outcome.join);
      else sink.event(outcome.event);
      break;
  }
}

/**
 * Decides the lines [start, end) of `line.buf` — each ending with `\n` but perhaps the last; a `\r`
 * before it is dropped — numbering them from `line.number`; `line` is reused for each. A line over
 * `maxLineBytes` is counted and reported, not read. Returns how many lines there were.
 */
export function scanLines(
  start: number,
  end: number,
  line: LineSpan,
  file: string,
  ctx: ParseContext,
  fast: boolean,
  maxLineBytes: number,
  stats: BatchStats,
  problems: ProblemLog,
  sink: LineSink,
): number {
  const buf = line.buf;
  // Counted in the loop, not as `line.number - first` after it: the loop is compiled on the stack
  // (OSR) before its first exit, and a subtraction there, never run when compiled, threw the
  // optimized code away at the end of every chunk (77 deopts on the bench's 300 MB flow shard).
  let count = 0;
  for (let at = start; at < end; line.number++, count++) {
    const nl = buf.indexOf(0x0a, at);
    const stop = nl < 0 || nl >= end ? end : nl;
    let lineEnd = stop;
    if (lineEnd > at && buf[lineEnd - 1] === 0x0d) lineEnd--;
    stats.lines++;
    if (stop - at > maxLineBytes) oversizeLine(file, line.number, stop - at, maxLineBytes, stats, problems);
    else {
      line.start = at;
      line.end = lineEnd;
      processLine(line, file, ctx, fast, stats, problems, sink);
    }
    at = stop + 1;
  }
  return count;
}

/** An oversized line: skipped, counted as bad, reported with its size. */
export function oversizeLine(file: string, number: number, bytes: number, maxLineBytes: number, stats: BatchStats, problems: ProblemLog): void {
  stats.bad++;
  problems.add({ category: 'bad', file, line: number, message: `line of ${formatBytes(bytes)} is over the ${formatBytes(maxLineBytes)} limit; skipped` });
}

/**
 * Joins postgres.log halves in line order and emits the results; repeats go to `emitRepeated`, or
 * are emitted as events when there is none.
 */
export function joiningSink(sessions: PostgresSessions, emit: (event: AccessEvent) => void, emitRepeated?: (repeat: RepeatedAccess) => void, chunks?: StatementChunks): LineSink {
  return {
    event: emit,
    repeated: emitRepeated ?? ((repeat) => emit(repeat.toEvent())),
    join(event, join) {
      switch (join.role) {
        case 'received': {
          const released = sessions.received(join.session, event);
          if (released) emit(released);
          break;
        }
        case 'outcome':
          emit(sessions.complete(join.session, event));
          break;
        case 'chunk-first':
          if (!chunks) emit(event);
          else for (const released of chunks.first(join.key, join.count, event)) emit(released);
          break;
        case 'chunk-part': {
          const joined = chunks?.part(join.key, join.index, event);
          if (joined) emit(joined);
          break;
        }
      }
    },
  };
}

/**
 * Scans one file's bytes. A truncated or corrupt gzip keeps the lines read before the break and is
 * reported as a file problem; any other stream error is rethrown for the caller to classify.
 */
export async function scanStream(file: string, chunks: AsyncIterable<Buffer>, options: ScanOptions): Promise<void> {
  const { stats, problems, onEvent } = options;
  const now = options.now ?? Date.now;
  const sessions = options.continues?.sessions ?? new PostgresSessions();
  const statementChunks = options.continues?.chunks ?? new StatementChunks();
  // The fast path reads storage data access as accesses; the tamper export is small and read in full.
  const fast = (options.fastPath ?? true) && !options.pipelineChanges;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const emit = (event: AccessEvent) => {
    stats.events++;
    onEvent(event);
  };
  const { onRepeated } = options;
  const emitRepeated = onRepeated
    ? (repeat: RepeatedAccess) => {
        stats.events++;
        onRepeated(repeat);
      }
    : undefined;
  const sink = joiningSink(sessions, emit, emitRepeated, statementChunks);
  if (!options.continues) stats.files++;
  let lastLine = (options.continues?.firstLine ?? 1) - 1;
  // One span, reused line after line (processLine copies what it keeps).
  const line: LineSpan = { number: 0, buf: Buffer.alloc(0), start: 0, end: 0, utf8: false };
  try {
    for await (const run of splitLines(chunks, maxLineBytes, !options.continues)) {
      if (run.oversizeBytes !== undefined) {
        stats.lines++;
        oversizeLine(file, ++lastLine, run.oversizeBytes, maxLineBytes, stats, problems);
        continue;
      }
      const ctx: ParseContext = { ref: { file, line: 0 }, latestPlausibleMs: now() + FUTURE_TOLERANCE_MS, ...(options.pipelineChanges ? { pipelineChanges: true } : {}) };
      line.buf = run.buf;
      line.utf8 = run.utf8;
      line.number = lastLine + 1;
      lastLine += scanLines(run.start, run.end, line, file, ctx, fast, maxLineBytes, stats, problems, sink);
    }
  } catch (error) {
    if (!isContentError(error)) throw error;
    brokenCompression(file, lastLine, error, stats, problems);
  } finally {
    // A part of a file read on its own leaves its pending halves to the caller, which drains them
    // once the whole file is read: released here, a half whose other half comes later in the file
    // would count as an event of its own, and the other half as another.
    if (!options.continues) {
      for (const event of sessions.drain()) emit(event);
      for (const event of statementChunks.drain()) emit(event);
    }
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
