/**
 * Baseline hygiene, as a pure function of the baselines, the evidence read and the clock: entries
 * about to expire, entries expired, entries the evidence has not seen for N days, targets still in
 * their learning period, and targets with evidence but no baseline file. `log-audit review` prints
 * it; the health check posts it weekly.
 *
 * "Seen" is judged from evidence summaries, which keep each access's most specific identity (its
 * source key and credential key). An entry is seen when it covers one: exact identities, `cidr:`
 * ranges and `*` globs are judged; `asn:`, `country:`, `subnet:` and `gke-pool:` entries cannot be
 * (the evidence does not carry them) and are counted as not judged, never called unseen.
 */
import type { LogKind } from '../access-event.js';
import type { EvidenceSummary } from '../evidence/summary.js';
import { CidrIndex } from '../ip.js';
import { compileGlob, globMatches } from './glob.js';
import { targetKey, type BaselineSection } from './schema.js';
import type { LoadedBaseline } from './store.js';

const DAY = 86_400_000;

export const REVIEW_DEFAULTS = { expiringWithinDays: 14, unseenDays: 30, learningDays: 14 };

type Span = { firstMs: number; lastMs: number };

/** What evidence summaries say, per target: when it was touched, and when each identity last succeeded. */
export class EvidenceIndex {
  summaries = 0;
  fromMs = Infinity;
  toMs = -Infinity;
  readonly targets = new Map<string, { kind: LogKind; target: string; span: Span; successes: number; sources: Map<string, number>; credentials: Map<string, number>; pairs: Map<string, number> }>();

  add(summary: EvidenceSummary): void {
    if (summary.outcome !== 'audited') return;
    this.summaries++;
    const at = Date.parse(summary.at);
    if (at < this.fromMs) this.fromMs = at;
    if (at > this.toMs) this.toMs = at;
    for (const t of summary.targets) {
      const key = targetKey(t.kind, t.target);
      let entry = this.targets.get(key);
      if (!entry) {
        entry = { kind: t.kind, target: t.target, span: { firstMs: at, lastMs: at }, successes: 0, sources: new Map(), credentials: new Map(), pairs: new Map() };
        this.targets.set(key, entry);
      }
      entry.span.firstMs = Math.min(entry.span.firstMs, at);
      entry.span.lastMs = Math.max(entry.span.lastMs, at);
      entry.successes += t.successes;
      for (const s of t.sources) latest(entry.sources, s.match, s.lastSeen);
      for (const c of t.credentials) latest(entry.credentials, c.match, c.lastSeen);
      for (const p of t.pairs) latest(entry.pairs, `${p.credential}${PAIR_SEPARATOR}${p.source}`, p.lastSeen);
    }
  }
}

function latest(map: Map<string, number>, key: string, iso: string): void {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return;
  if (ms > (map.get(key) ?? -Infinity)) map.set(key, ms);
}

export interface EntryRef {
  file: string;
  kind: LogKind;
  target: string;
  section: BaselineSection;
  index: number;
  /** The entry as one line: `ip:…`, `sa@…`, `sa@… from ip:…`. */
  entry: string;
  owner?: string;
  reason?: string;
  expires?: string;
}

export interface Review {
  now: string;
  expiringWithinDays: number;
  unseenDays: number;
  expiring: EntryRef[];
  expired: EntryRef[];
  /**
   * Entries no evidence covered in the last `unseenDays` days; undefined when no evidence was read or
   * it does not yet span that many days (on a new stack every entry would look unseen), with `unseenNote` saying so.
   */
  unseen?: (EntryRef & { lastSeen?: string })[];
  unseenNote?: string;
  /** Entries whose form the evidence cannot judge (asn:, country:, subnet:, gke-pool:). */
  notJudged: number;
  learning: { kind: LogKind; target: string; firstSeen: string; endsAt: string; successes: number }[];
  unbaselined: { kind: LogKind; target: string; firstSeen: string; lastSeen: string; successes: number }[];
  evidence?: { summaries: number; from?: string; to?: string };
}

export interface ReviewInput {
  baselines: readonly LoadedBaseline[];
  now: number;
  expiringWithinDays?: number;
  unseenDays?: number;
  learningDays?: number;
  evidence?: EvidenceIndex;
  /** When each target without a baseline was first named (the state bucket's learning records); evidence's first batch otherwise. */
  firstSeen?: ReadonlyMap<string, string>;
}

const UNJUDGED_SOURCE = /^(asn|country|subnet|gke-pool):/;

/** A predicate: does a baseline source match cover an evidence source key? Undefined when evidence cannot tell. */
function sourceCoverage(match: string): ((key: string) => boolean) | undefined {
  if (UNJUDGED_SOURCE.test(match)) return undefined;
  if (match.startsWith('cidr:')) {
    const range = new CidrIndex<true>();
    if (!range.add(match.slice(5), true)) return (key) => key === match;
    return (key) => key === match || (key.startsWith('ip:') && range.find(key.slice(3)) === true);
  }
  // A namespace key (gke:cluster/ns) is also seen by a cluster-wide entry (gke:cluster).
  if (match.startsWith('gke:') && !match.slice(4).includes('/')) return (key) => key === match || key.startsWith(`${match}/`);
  return (key) => key === match;
}

function credentialCoverage(match: string): (key: string) => boolean {
  if (!match.includes('*')) return (key) => key === match;
  const glob = compileGlob(match);
  return (key) => globMatches(glob, key);
}

/** The latest time any covered identity was seen. */
function lastCovered(covers: (key: string) => boolean, seen: ReadonlyMap<string, number> | undefined): number | undefined {
  let last: number | undefined;
  for (const [key, ms] of seen ?? []) if ((last === undefined || ms > last) && covers(key)) last = ms;
  return last;
}

const PAIR_SEPARATOR = '\u0000';

export function reviewBaselines(input: ReviewInput): Review {
  const expiringDays = input.expiringWithinDays ?? REVIEW_DEFAULTS.expiringWithinDays;
  const unseenDays = input.unseenDays ?? REVIEW_DEFAULTS.unseenDays;
  const learningDays = input.learningDays ?? REVIEW_DEFAULTS.learningDays;
  const { now, evidence } = input;
  const review: Review = { now: new Date(now).toISOString(), expiringWithinDays: expiringDays, unseenDays, expiring: [], expired: [], notJudged: 0, learning: [], unbaselined: [] };
  if (evidence) {
    const spanDays = evidence.summaries > 0 ? (now - evidence.fromMs) / DAY : 0;
    // A day of slack: the first batch of the window may land a little after its start.
    if (spanDays >= unseenDays - 1) review.unseen = [];
    else review.unseenNote = `the evidence spans ${Math.floor(spanDays)} of the ${unseenDays} days needed to call an entry unseen`;
    review.evidence = { summaries: evidence.summaries, ...(evidence.summaries > 0 ? { from: new Date(evidence.fromMs).toISOString(), to: new Date(evidence.toMs).toISOString() } : {}) };
  }
  const baselined = new Set<string>();
  for (const { file, baseline } of input.baselines) {
    const key = targetKey(baseline.kind, baseline.target);
    baselined.add(key);
    const seen = evidence?.targets.get(key);
    /** Each entry, with when the evidence last saw something it covers (undefined coverage: cannot be judged). */
    type Judged = { section: BaselineSection; index: number; entry: string; e: { owner?: string; reason?: string; expires?: string; lastSeen?: string }; covers?: (key: string) => boolean; seen?: ReadonlyMap<string, number> };
    const entries: Judged[] = [
      ...baseline.sources.map((e, index): Judged => ({ section: 'sources', index, entry: e.match, e, ...opt(sourceCoverage(e.match)), ...seenOf(seen?.sources) })),
      ...baseline.credentials.map((e, index): Judged => ({ section: 'credentials', index, entry: e.match, e, covers: credentialCoverage(e.match), ...seenOf(seen?.credentials) })),
      ...baseline.pairs.map((e, index): Judged => {
        const source = sourceCoverage(e.source);
        const credential = credentialCoverage(e.credential);
        const covers = source
          ? (key: string) => {
              const at = key.indexOf(PAIR_SEPARATOR);
              return credential(key.slice(0, at)) && source(key.slice(at + 1));
            }
          : undefined;
        return { section: 'pairs', index, entry: `${e.credential} from ${e.source}`, e, ...opt(covers), ...seenOf(seen?.pairs) };
      }),
    ];
    for (const { section, index, entry, e, covers, seen: seenKeys } of entries) {
      const ref: EntryRef = { file, kind: baseline.kind, target: baseline.target, section, index, entry, ...(e.owner ? { owner: e.owner } : {}), ...(e.reason ? { reason: e.reason } : {}), ...(e.expires ? { expires: e.expires } : {}) };
      if (e.expires !== undefined) {
        const expires = Date.parse(e.expires);
        if (expires <= now) {
          review.expired.push(ref);
          continue;
        }
        if (expires <= now + expiringDays * DAY) review.expiring.push(ref);
      }
      if (!review.unseen) continue;
      if (!covers) {
        review.notJudged++;
        continue;
      }
      const lastMs = lastCovered(covers, seenKeys);
      const learned = e.lastSeen !== undefined ? Date.parse(e.lastSeen) : undefined;
      const last = Math.max(lastMs ?? -Infinity, learned ?? -Infinity);
      if (last < now - unseenDays * DAY) review.unseen.push({ ...ref, ...(Number.isFinite(last) ? { lastSeen: new Date(last).toISOString() } : {}) });
    }
  }
  for (const [key, t] of evidence?.targets ?? []) {
    if (baselined.has(key) || t.successes === 0) continue;
    const first = input.firstSeen?.get(key) ?? new Date(t.span.firstMs).toISOString();
    const endsMs = Date.parse(first) + learningDays * DAY;
    if (endsMs > now) review.learning.push({ kind: t.kind, target: t.target, firstSeen: first, endsAt: new Date(endsMs).toISOString(), successes: t.successes });
    else review.unbaselined.push({ kind: t.kind, target: t.target, firstSeen: first, lastSeen: new Date(t.span.lastMs).toISOString(), successes: t.successes });
  }
  const byTarget = (a: { kind: string; target: string }, b: { kind: string; target: string }) => (a.kind + a.target < b.kind + b.target ? -1 : 1);
  review.learning.sort(byTarget);
  review.unbaselined.sort(byTarget);
  return review;
}

const opt = (covers: ((key: string) => boolean) | undefined) => (covers ? { covers } : {});
const seenOf = (seen: ReadonlyMap<string, number> | undefined) => (seen ? { seen } : {});

/** How many entries and targets need a person. */
export function reviewItemCount(review: Review): number {
  return review.expiring.length + review.expired.length + (review.unseen?.length ?? 0) + review.learning.length + review.unbaselined.length;
}

/** Anything for a person to do? */
export function reviewHasItems(review: Review): boolean {
  return reviewItemCount(review) > 0;
}
