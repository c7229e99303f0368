/**
 * What a group keeps of its SQL statements during a scan, per database × statement kind: a count,
 * when it was first seen, and a bounded set of sample texts — one per `preKey`, so the executions
 * of one query with other literals keep one sample — plus, apart and by exact text, the statements
 * that may be never routine (NEVER_ROUTINE_HINT), so a COPY … TO PROGRAM among ten thousand routine
 * queries is never crowded out. Only successful statements are kept: what a database refused is
 * judged as a failure (bursts), and never becomes normal. The real parsers read the samples at the end of the batch.
 */
import type { StatementInfo, SqlDialect } from './statement.js';
import { NEVER_ROUTINE_HINT, preKey } from './statement.js';

export const STATEMENT_SAMPLES = 16;
export const NOTABLE_SAMPLES = 16;
const OBJECT_LIMIT = 64;
/** Statement kinds tracked per group: past it, further kinds are counted in `overflow`. */
export const KINDS_PER_GROUP = 256;

export interface GroupStatement {
  dialect: SqlDialect;
  database: string;
  kind: string;
  count: number;
  firstSeen: string;
  firstMs: number;
  lastSeen: string;
  lastMs: number;
  /** preKey → a statement of that key. */
  samples: Map<string, StatementSample>;
  /** Statements that may never be routine, by their exact text. */
  notable: Map<string, StatementSample>;
  /** Relations the log named (pgAudit OBJECT audit). */
  objects: Set<string>;
  /** Samples that found no room: they were counted, not kept. */
  unsampled: number;
}

/** One kept statement: its text (the first of its key), how often its key came, when, and where it was first. */
export interface StatementSample {
  text: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  firstMs: number;
  lastMs: number;
  /** `file:line` of its first occurrence. */
  ref: string;
}

/** Something seen from `firstSeen` to `lastSeen` (ISO, and in ms): a statement kind, a sample. */
interface Span {
  firstMs: number;
  firstSeen: string;
  lastMs: number;
  lastSeen: string;
}

/** Widens `span` to cover `other`; true when its start moved (a sample then takes the other's first ref). */
function widen(span: Span, other: Span): boolean {
  const earlier = other.firstMs < span.firstMs;
  if (earlier) (span.firstMs = other.firstMs), (span.firstSeen = other.firstSeen);
  if (other.lastMs > span.lastMs) (span.lastMs = other.lastMs), (span.lastSeen = other.lastSeen);
  return earlier;
}

export interface GroupStatements {
  byKind: Map<string, GroupStatement>;
  /** Statements of kinds past KINDS_PER_GROUP. */
  overflow: number;
}

export function statementKey(database: string, kind: string): string {
  return `${database}\u0000${kind}`;
}

function keep(into: Map<string, StatementSample>, key: string, sample: StatementSample, limit: number): boolean {
  const known = into.get(key);
  if (known) {
    known.count += sample.count;
    if (widen(known, sample)) known.ref = sample.ref;
    return true;
  }
  if (into.size >= limit) return false;
  into.set(key, sample);
  return true;
}

export function addStatement(statements: GroupStatements, info: StatementInfo, time: string, ms: number, ref: string): void {
  const key = statementKey(info.database, info.kind);
  let entry = statements.byKind.get(key);
  if (!entry) {
    if (statements.byKind.size >= KINDS_PER_GROUP) {
      statements.overflow++;
      return;
    }
    entry = { dialect: info.dialect, database: info.database, kind: info.kind, count: 0, firstSeen: time, firstMs: ms, lastSeen: time, lastMs: ms, samples: new Map(), notable: new Map(), objects: new Set(), unsampled: 0 };
    statements.byKind.set(key, entry);
  }
  entry.count++;
  widen(entry, { firstMs: ms, firstSeen: time, lastMs: ms, lastSeen: time });
  for (const object of info.objects ?? []) if (entry.objects.size < OBJECT_LIMIT) entry.objects.add(object);
  if (info.text === '') return;
  // A statement that may never be routine is kept by its exact text: its literals (the program of a
  // COPY … TO PROGRAM, the file of a COPY … TO) are part of its shape.
  const sample: StatementSample = { text: info.text, count: 1, firstSeen: time, lastSeen: time, firstMs: ms, lastMs: ms, ref };
  const kept = NEVER_ROUTINE_HINT.test(info.text) ? keep(entry.notable, info.text.trim(), sample, NOTABLE_SAMPLES) : keep(entry.samples, preKey(info.text), sample, STATEMENT_SAMPLES);
  if (!kept) entry.unsampled++;
}

/** Adds `later`'s statements to `into` (a scan range's group merged into the batch's). */
export function mergeStatements(into: GroupStatements, later: GroupStatements): void {
  into.overflow += later.overflow;
  for (const [key, from] of later.byKind) {
    const entry = into.byKind.get(key);
    if (!entry) {
      if (into.byKind.size >= KINDS_PER_GROUP) into.overflow += from.count;
      else into.byKind.set(key, from);
      continue;
    }
    entry.count += from.count;
    entry.unsampled += from.unsampled;
    widen(entry, from);
    for (const object of from.objects) if (entry.objects.size < OBJECT_LIMIT) entry.objects.add(object);
    for (const [k, sample] of from.samples) if (!keep(entry.samples, k, sample, STATEMENT_SAMPLES)) entry.unsampled += sample.count;
    for (const [k, sample] of from.notable) if (!keep(entry.notable, k, sample, NOTABLE_SAMPLES)) entry.unsampled += sample.count;
  }
}
