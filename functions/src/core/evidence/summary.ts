/**
 * The evidence summary of one audited batch: per target, the sources, credentials and pairs it saw
 * *successfully*, with counts and first/last times — exactly what `learn` would have merged from the
 * batch's lines (see learn.ts: only successes teach, an unrecorded source is no source). The
 * function writes one per batch to the state bucket; `learn` merges them as it merges exports, and
 * the health check reads their counts. Bounded: a target keeps its EVIDENCE_LIMITS.entriesPerSection
 * most frequent entries per section, the whole summary EVIDENCE_LIMITS.totalEntries; what is left out
 * is counted in `dropped`, never silently.
 */
import * as z from 'zod';
import { LOG_KINDS, PIPELINE_KIND, type LogKind } from '../access-event.js';
import { groupCount, type AccessGroup } from '../detect/access-group.js';
import type { Overflow } from '../detect/detectors/tracking-overflow.js';
import { targetKey } from '../baseline/schema.js';
import { UNRECORDED_SOURCE } from '../source-identity.js';
import { summarizeStatement } from '../sql/statement-summary.js';

export const EVIDENCE_FORMAT = 1;

/** Where evidence objects live in the state bucket, and how their names end. */
export const EVIDENCE_PREFIX = 'evidence/';
export const EVIDENCE_SUFFIX = '.evidence.json';

export const EVIDENCE_LIMITS = { entriesPerSection: 2_000, totalEntries: 20_000 };

/**
 * Built on first use (z.lazy): only learn, review and the health check read evidence, and every
 * other run (an audit, a function's cold start) would build these ~120 zod objects at import.
 */
export const evidenceTargetSchema = z.lazy(() => {
  const entry = z.object({ count: z.number().int().positive(), firstSeen: z.string(), lastSeen: z.string() });
  const keyed = entry.extend({ match: z.string() });
  const pair = entry.extend({ credential: z.string(), source: z.string() });
  return z.object({
    kind: z.enum(LOG_KINDS),
    target: z.string(),
    /** Every access to the target in the batch (tracked or past the caps), whatever its outcome. */
    accesses: z.number().int().nonnegative(),
    successes: z.number().int().nonnegative(),
    failures: z.number().int().nonnegative(),
    sources: z.array(keyed),
    credentials: z.array(keyed.extend({ keys: z.array(z.string()).optional() })),
    pairs: z.array(pair),
    /** Accesses past the batch's tracking caps: counted, not itemized. */
    untracked: z.number().int().nonnegative().default(0),
    /** Cloud SQL statements seen successfully: what learn makes of them (kinds, relations, never-routine shapes). */
    statements: z
      .array(
        entry.extend({
          database: z.string(),
          credential: z.string(),
          kind: z.string(),
          relations: z.array(z.string()),
          shapes: z.array(z.object({ fingerprint: z.string(), statement: z.string() })),
        }),
      )
      .optional(),
    /** Cloud Storage: credentials that listed the bucket's objects successfully. */
    listers: z.array(z.string()).optional(),
    /** Entries left out by EVIDENCE_LIMITS (the least frequent). */
    dropped: z.object({ sources: z.number().int().nonnegative(), credentials: z.number().int().nonnegative(), pairs: z.number().int().nonnegative() }).optional(),
  });
});
export type EvidenceTarget = z.infer<typeof evidenceTargetSchema>;

export const evidenceSchema = z.lazy(() =>
  z.object({
    logAuditEvidence: z.literal(EVIDENCE_FORMAT),
    /** `bucket/name#generation` of the export object. */
    batch: z.string(),
    /** The log source the batch came from (the stack's source key: gcs, cloudsql, vpc-flows). */
    source: z.string(),
    /** When the function finished with the batch (its clock). */
    at: z.string(),
    outcome: z.enum(['audited', 'dead-letter']),
    reason: z.string().optional(),
    lines: z.number().int().nonnegative(),
    /** Lines that became access events: in scope for the auditor. */
    parsed: z.number().int().nonnegative(),
    bad: z.number().int().nonnegative(),
    unknown: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    findings: z.number().int().nonnegative(),
    targets: z.array(evidenceTargetSchema),
  }),
);
export type EvidenceSummary = z.infer<typeof evidenceSchema>;

type Span = { count: number; firstMs: number; lastMs: number; firstSeen: string; lastSeen: string };

function note(map: Map<string, Span>, key: string, group: AccessGroup): void {
  const span = map.get(key);
  if (!span) {
    map.set(key, { count: group.successes, firstMs: group.successFirstMs, lastMs: group.successLastMs, firstSeen: group.successFirstSeen, lastSeen: group.successLastSeen });
    return;
  }
  span.count += group.successes;
  if (group.successFirstMs < span.firstMs) (span.firstMs = group.successFirstMs), (span.firstSeen = group.successFirstSeen);
  if (group.successLastMs > span.lastMs) (span.lastMs = group.successLastMs), (span.lastSeen = group.successLastSeen);
}

/** The most frequent `limit` entries (ties by key), and how many were left out. */
function top<T>(map: Map<string, Span>, limit: number, shape: (key: string, span: Span) => T): { kept: T[]; dropped: number } {
  const keys = [...map.keys()].sort((a, b) => map.get(b)!.count - map.get(a)!.count || (a < b ? -1 : a > b ? 1 : 0));
  const kept = keys.slice(0, Math.max(0, limit)).sort();
  return { kept: kept.map((k) => shape(k, map.get(k)!)), dropped: keys.length - kept.length };
}

/** The per-target evidence of a batch's groups (and its overflow), bounded by `limits`. */
export function evidenceOf(groups: Iterable<AccessGroup>, overflow: Iterable<Overflow> = [], limits = EVIDENCE_LIMITS): EvidenceTarget[] {
  type Statement = NonNullable<EvidenceTarget['statements']>[number];
  type Building = { kind: LogKind; target: string; accesses: number; successes: number; failures: number; untracked: number; sources: Map<string, Span>; credentials: Map<string, Span>; pairs: Map<string, Span>; statements: Statement[]; keys: Map<string, Set<string>>; listers: Set<string> };
  const targets = new Map<string, Building>();
  const targetOf = (kind: LogKind, target: string): Building => {
    const key = targetKey(kind, target);
    let t = targets.get(key);
    if (!t) targets.set(key, (t = { kind, target, accesses: 0, successes: 0, failures: 0, untracked: 0, sources: new Map(), credentials: new Map(), pairs: new Map(), statements: [], keys: new Map(), listers: new Set() }));
    return t;
  };
  for (const group of groups) {
    // Changes to the pipeline are evidence of nothing normal: never summarized for learning.
    if (group.kind === PIPELINE_KIND) continue;
    const t = targetOf(group.kind, group.target);
    t.accesses += groupCount(group);
    t.successes += group.successes;
    t.failures += group.failures;
    if (group.successes === 0) continue;
    const source = group.source.key === UNRECORDED_SOURCE ? undefined : group.source.key;
    const credential = group.credential?.key;
    if (source) note(t.sources, source, group);
    if (credential) note(t.credentials, credential, group);
    if (credential && group.listed) t.listers.add(credential);
    if (credential && group.keyIds) for (const k of group.keyIds) (t.keys.get(credential) ?? t.keys.set(credential, new Set()).get(credential)!).add(k);
    if (source && credential) note(t.pairs, `${credential}\u0000${source}`, group);
    if (credential && group.statements) {
      for (const st of group.statements.byKind.values()) {
        const summary = summarizeStatement(st);
        const shapes = summary.shapes.filter((sh) => sh.neverRoutine !== undefined).map((sh) => ({ fingerprint: sh.fingerprint, statement: sh.shape.slice(0, 4096) }));
        t.statements.push({ database: st.database, credential, kind: st.kind, count: st.count, firstSeen: st.firstSeen, lastSeen: st.lastSeen, relations: summary.relations, shapes });
      }
    }
  }
  for (const o of overflow) {
    if (o.kind === PIPELINE_KIND) continue;
    const t = targetOf(o.kind, o.target);
    t.accesses += o.events;
    t.untracked += o.events;
  }
  let budget = limits.totalEntries;
  const out: EvidenceTarget[] = [];
  for (const key of [...targets.keys()].sort()) {
    const t = targets.get(key)!;
    const limit = (n: number) => Math.min(limits.entriesPerSection, Math.max(0, budget), n);
    const asEntry = (span: Span) => ({ count: span.count, firstSeen: span.firstSeen, lastSeen: span.lastSeen });
    const sources = top(t.sources, limit(t.sources.size), (match, span) => ({ match, ...asEntry(span) }));
    budget -= sources.kept.length;
    const credentials = top(t.credentials, limit(t.credentials.size), (match, span) => {
      const keys = t.keys.get(match);
      return { match, ...asEntry(span), ...(keys && keys.size > 0 ? { keys: [...keys].sort() } : {}) };
    });
    budget -= credentials.kept.length;
    const pairs = top(t.pairs, limit(t.pairs.size), (k, span) => {
      const [credential = '', source = ''] = k.split('\u0000');
      return { credential, source, ...asEntry(span) };
    });
    budget -= pairs.kept.length;
    const dropped = { sources: sources.dropped, credentials: credentials.dropped, pairs: pairs.dropped };
    out.push({
      kind: t.kind,
      target: t.target,
      accesses: t.accesses,
      successes: t.successes,
      failures: t.failures,
      sources: sources.kept,
      credentials: credentials.kept,
      pairs: pairs.kept,
      untracked: t.untracked,
      ...(t.statements.length > 0 ? { statements: t.statements.slice(0, limits.entriesPerSection) } : {}),
      ...(t.listers.size > 0 ? { listers: [...t.listers].sort().slice(0, limits.entriesPerSection) } : {}),
      ...(dropped.sources + dropped.credentials + dropped.pairs > 0 ? { dropped } : {}),
    });
  }
  return out;
}

/** Whether an object or file name is an evidence summary (learn reads these as evidence, not as log lines). */
export function isEvidenceName(name: string): boolean {
  return name.endsWith(EVIDENCE_SUFFIX);
}

/** The state-bucket name of a batch's evidence: by the day it was audited, then source, then batch. */
export function evidenceObjectName(source: string, batch: string, atMs: number): string {
  const day = new Date(atMs).toISOString().slice(0, 10).replaceAll('-', '/');
  return `${EVIDENCE_PREFIX}${day}/${source}/${batch}${EVIDENCE_SUFFIX}`;
}

/** Parses one evidence object's text; undefined (never an exception) when it is not one. */
export function parseEvidence(text: string): { ok: true; evidence: EvidenceSummary } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = evidenceSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, problem: `not an evidence summary (${issue.path.join('.') || 'document'}: ${issue.message})` };
  }
  return { ok: true, evidence: parsed.data };
}
