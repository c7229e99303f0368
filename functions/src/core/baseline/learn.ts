/**
 * Learning: turns history into evidence per target. Only successful accesses teach what is normal
 * (a failed login from an attacker in last week's logs must not become normal). Sources are learned
 * by their stable identity (see source-identity.ts); exact IPv4 addresses are widened into a range
 * only when enough distinct addresses in it were seen (`WideningOptions`).
 */
import { PIPELINE_KIND, type AccessEvent } from '../access-event.js';
import type { EvidenceTarget } from '../evidence/summary.js';
import { ipFamily, ipv4Network } from '../ip.js';
import { flowTargetNetwork } from '../parse/vpc-flow.js';
import { UNRECORDED_SOURCE } from '../source-identity.js';
import { MAX_CREDENTIAL_LENGTH, sourceMatchProblem, targetKey } from './schema.js';
import { LIST_METHODS } from '../detect/access-group.js';
import { addStatement, type GroupStatements } from '../sql/group-statements.js';
import { summarizeStatement } from '../sql/statement-summary.js';
import { pairKey, statementEntryKey, type Evidence, type LearnedTarget, type LoadedBaseline } from './store.js';

export interface WideningOptions {
  /** Widen exact IPv4 sources to their network when at least this many distinct addresses were seen in it; 0 turns widening off. */
  ipv4MinAddresses: number;
  /** The network size widened to, e.g. 24 for a /24. */
  ipv4Prefix: number;
}

export const DEFAULT_WIDENING: WideningOptions = { ipv4MinAddresses: 3, ipv4Prefix: 24 };

type Window = { first: number; last: number };

/** Windows of evidence the existing files already hold, so re-learning the same history does not double counts. */
class KnownWindows {
  private readonly windows = new Map<string, Window>();

  constructor(existing: readonly LoadedBaseline[]) {
    for (const { baseline } of existing) {
      const t = targetKey(baseline.kind, baseline.target);
      const put = (section: string, key: string, first?: string, last?: string) => {
        if (first && last) this.windows.set(`${t}|${section}|${key}`, { first: Date.parse(first), last: Date.parse(last) });
      };
      for (const s of baseline.sources) put('sources', s.match, s.firstSeen, s.lastSeen);
      for (const c of baseline.credentials) put('credentials', c.match, c.firstSeen, c.lastSeen);
      for (const p of baseline.pairs) put('pairs', pairKey(p.credential, p.source), p.firstSeen, p.lastSeen);
      for (const st of baseline.statements ?? []) put('statements', statementEntryKey(st.database, st.credential, st.kind), st.firstSeen, st.lastSeen);
    }
  }

  covers(target: string, section: string, key: string, time: number): boolean {
    const w = this.windows.get(`${target}|${section}|${key}`);
    return w !== undefined && time >= w.first && time <= w.last;
  }
}

export class Learner {
  private readonly targets = new Map<string, LearnedTarget>();
  private readonly known: KnownWindows;
  private readonly existingIps = new Map<string, string[]>();
  /** targetKey of every existing baseline file. */
  private readonly existingTargets = new Set<string>();
  /** Statements per target × credential (by database × kind), read by the SQL parsers in result(). */
  private readonly statements = new Map<string, { target: string; credential: string; statements: GroupStatements; evidence: Map<string, Evidence> }>();
  learned = 0;

  /** Whether result() needs the SQL parsers (core/sql/analyze.ts loadSqlParsers). */
  get hasStatements(): boolean {
    return this.statements.size > 0;
  }

  constructor(
    existing: readonly LoadedBaseline[] = [],
    private readonly widening: WideningOptions = DEFAULT_WIDENING,
  ) {
    this.known = new KnownWindows(existing);
    for (const { baseline } of existing) {
      this.existingTargets.add(targetKey(baseline.kind, baseline.target));
      this.existingIps.set(
        targetKey(baseline.kind, baseline.target),
        baseline.sources.map((s) => s.match).filter((m) => m.startsWith('ip:')),
      );
    }
  }

  add(event: AccessEvent): void {
    // Failures never become normal, and neither does a change to the pipeline itself.
    if (event.outcome !== 'success' || event.kind === PIPELINE_KIND) return;
    this.learned++;
    const key = targetKey(event.kind, event.target);
    let target = this.targets.get(key);
    if (!target) {
      target = { kind: event.kind, target: event.target, sources: new Map(), credentials: new Map(), pairs: new Map() };
      this.targets.set(key, target);
    }
    const time = Date.parse(event.time);
    const source = event.source.key === UNRECORDED_SOURCE ? undefined : event.source.key;
    const credential = event.credential?.key;
    if (source) this.note(target.sources, key, 'sources', source, event.time, time);
    if (credential) this.note(target.credentials, key, 'credentials', credential, event.time, time);
    if (source && credential) this.note(target.pairs, key, 'pairs', pairKey(credential, source), event.time, time);
    if (event.statement && credential) this.noteStatement(key, credential, event, time);
    if (event.credentialKey !== undefined && credential) this.noteKeys(target, credential, [event.credentialKey]);
    if (event.kind === 'gcs') {
      target.listers ??= new Set();
      if (credential && LIST_METHODS.has(event.action)) target.listers.add(credential);
    }
  }

  private noteKeys(target: LearnedTarget, credential: string, keys: readonly string[]): void {
    const byCredential = (target.credentialKeys ??= new Map());
    const known = byCredential.get(credential) ?? new Set<string>();
    for (const key of keys) if (known.size < 200) known.add(key);
    byCredential.set(credential, known);
  }

  private noteStatement(target: string, credential: string, event: AccessEvent, time: number): void {
    const statement = event.statement!;
    const id = `${target}\u0000${credential}`;
    let holder = this.statements.get(id);
    if (!holder) this.statements.set(id, (holder = { target, credential, statements: { byKind: new Map(), overflow: 0 }, evidence: new Map() }));
    addStatement(holder.statements, statement, event.time, time, `${event.ref.file}:${event.ref.line}`);
    this.note(holder.evidence, target, 'statements', statementEntryKey(statement.database, credential, statement.kind), event.time, time);
  }

  /** Statements learned per target: kinds with the relations and never-routine shapes their samples show. */
  private statementsResult(): void {
    for (const holder of this.statements.values()) {
      const target = this.targets.get(holder.target);
      if (!target) continue;
      const out = (target.statements ??= new Map());
      for (const entry of holder.statements.byKind.values()) {
        const key = statementEntryKey(entry.database, holder.credential, entry.kind);
        const evidence = holder.evidence.get(key);
        if (!evidence) continue;
        const summary = summarizeStatement(entry);
        const shapes = summary.shapes.filter((s) => s.neverRoutine !== undefined).map((s) => ({ fingerprint: s.fingerprint, statement: s.shape.slice(0, 4096) }));
        const before = out.get(key);
        if (!before) {
          out.set(key, { ...evidence, database: entry.database, credential: holder.credential, kind: entry.kind, relations: summary.relations, shapes });
          continue;
        }
        // Learned from evidence summaries too: one entry, both counted.
        before.count += evidence.count;
        before.newCount += evidence.newCount;
        if (Date.parse(evidence.firstSeen) < Date.parse(before.firstSeen)) before.firstSeen = evidence.firstSeen;
        if (Date.parse(evidence.lastSeen) > Date.parse(before.lastSeen)) before.lastSeen = evidence.lastSeen;
        before.relations = [...new Set([...before.relations, ...summary.relations])].sort();
        for (const shape of shapes) if (!before.shapes.some((known: { fingerprint: string }) => known.fingerprint === shape.fingerprint)) before.shapes.push(shape);
      }
    }
  }

  /**
   * Merges one target's evidence summary (what a batch saw successfully): the same result as adding
   * the batch's successful events one by one, entry by entry. Re-learning a summary whose span a file
   * already covers adds no count, as for events; one that straddles the covered window counts whole.
   */
  addEvidence(evidence: EvidenceTarget): void {
    if (evidence.successes === 0) return;
    this.learned += evidence.successes;
    const key = targetKey(evidence.kind, evidence.target);
    let target = this.targets.get(key);
    if (!target) {
      target = { kind: evidence.kind, target: evidence.target, sources: new Map(), credentials: new Map(), pairs: new Map() };
      this.targets.set(key, target);
    }
    for (const s of evidence.sources) this.noteSpan(target.sources, key, 'sources', s.match, s);
    for (const c of evidence.credentials) {
      this.noteSpan(target.credentials, key, 'credentials', c.match, c);
      if (c.keys) this.noteKeys(target, c.match, c.keys);
    }
    for (const p of evidence.pairs) this.noteSpan(target.pairs, key, 'pairs', pairKey(p.credential, p.source), p);
    for (const st of evidence.statements ?? []) this.noteStatementEvidence(target, key, st);
    if (evidence.kind === 'gcs') {
      target.listers ??= new Set();
      for (const lister of evidence.listers ?? []) target.listers.add(lister);
    }
  }

  /** A statement kind from an evidence summary, already read by the parsers when the batch was audited. */
  private noteStatementEvidence(target: LearnedTarget, key: string, st: NonNullable<EvidenceTarget['statements']>[number]): void {
    const id = statementEntryKey(st.database, st.credential, st.kind);
    const spans = new Map<string, Evidence>();
    const current = (target.statements ??= new Map()).get(id);
    if (current) spans.set(id, current);
    this.noteSpan(spans, key, 'statements', id, st);
    const evidence = spans.get(id)!;
    const relations = [...new Set([...(current?.relations ?? []), ...st.relations])].sort();
    const shapes = [...(current?.shapes ?? [])];
    for (const shape of st.shapes) if (!shapes.some((s) => s.fingerprint === shape.fingerprint)) shapes.push(shape);
    target.statements.set(id, { ...evidence, database: st.database, credential: st.credential, kind: st.kind, relations, shapes });
  }

  private noteSpan(map: Map<string, Evidence>, target: string, section: string, key: string, span: { count: number; firstSeen: string; lastSeen: string }): void {
    const first = Date.parse(span.firstSeen);
    const last = Date.parse(span.lastSeen);
    const covered = this.known.covers(target, section, key, first) && this.known.covers(target, section, key, last);
    const newCount = covered ? 0 : span.count;
    const evidence = map.get(key);
    if (!evidence) {
      map.set(key, { count: span.count, newCount, firstSeen: span.firstSeen, lastSeen: span.lastSeen });
      return;
    }
    evidence.count += span.count;
    evidence.newCount += newCount;
    if (first < Date.parse(evidence.firstSeen)) evidence.firstSeen = span.firstSeen;
    if (last > Date.parse(evidence.lastSeen)) evidence.lastSeen = span.lastSeen;
  }

  private note(map: Map<string, Evidence>, target: string, section: string, key: string, iso: string, time: number): void {
    const isNew = !this.known.covers(target, section, key, time);
    const evidence = map.get(key);
    if (!evidence) {
      map.set(key, { count: 1, newCount: isNew ? 1 : 0, firstSeen: iso, lastSeen: iso });
      return;
    }
    evidence.count++;
    if (isNew) evidence.newCount++;
    if (time < Date.parse(evidence.firstSeen)) evidence.firstSeen = iso;
    if (time > Date.parse(evidence.lastSeen)) evidence.lastSeen = iso;
  }

  /** Identities seen in history that no baseline file could hold (hostile or malformed values), never learned. */
  readonly unlearnable: string[] = [];

  /** The learned targets, with widening applied, in a deterministic order. */
  result(): LearnedTarget[] {
    this.mergeMetadataLess();
    this.statementsResult();
    const out = [...this.targets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
    if (this.widening.ipv4MinAddresses > 0) for (const t of out) this.widen(t);
    for (const t of out) this.dropUnwritable(t);
    return out;
  }

  /**
   * A private flow destination is named within its network (`project/network/ip:port`); records
   * without VPC metadata name it `ip:port`. When exactly one network is known for the address (learned
   * now or in an existing file) and no file holds `ip:port` itself, what those records taught is
   * learned for that one target, as the auditor judges them (auditor.ts flowAliases). Counts stay
   * idempotent: an entry whose span the target's file already covers adds none.
   */
  private mergeMetadataLess(): void {
    const qualified = new Map<string, Set<string>>();
    const note = (target: string) => {
      const address = flowTargetNetwork(target)?.address;
      if (address !== undefined) qualified.set(address, (qualified.get(address) ?? new Set()).add(target));
    };
    for (const t of this.targets.values()) if (t.kind === 'vpc-flow') note(t.target);
    for (const key of this.existingTargets) if (key.startsWith('vpc-flow|')) note(key.slice('vpc-flow|'.length));
    for (const [key, plain] of [...this.targets]) {
      if (plain.kind !== 'vpc-flow' || plain.target.includes('/') || this.existingTargets.has(key)) continue;
      const names = qualified.get(plain.target);
      if (!names || names.size !== 1) continue;
      const name = [...names][0]!;
      const intoKey = targetKey('vpc-flow', name);
      let into = this.targets.get(intoKey);
      if (!into) this.targets.set(intoKey, (into = { kind: 'vpc-flow', target: name, sources: new Map(), credentials: new Map(), pairs: new Map() }));
      for (const section of ['sources', 'credentials', 'pairs'] as const) {
        for (const [entry, evidence] of plain[section]) {
          const covered = this.known.covers(intoKey, section, entry, Date.parse(evidence.firstSeen)) && this.known.covers(intoKey, section, entry, Date.parse(evidence.lastSeen));
          const mine = into[section].get(entry);
          const added = { ...evidence, newCount: covered ? 0 : evidence.count };
          if (!mine) into[section].set(entry, added);
          else {
            mine.count += added.count;
            mine.newCount += added.newCount;
            if (Date.parse(added.firstSeen) < Date.parse(mine.firstSeen)) mine.firstSeen = added.firstSeen;
            if (Date.parse(added.lastSeen) > Date.parse(mine.lastSeen)) mine.lastSeen = added.lastSeen;
          }
        }
      }
      this.targets.delete(key);
    }
  }

  /** A learned file must pass `validate`: identities the schema refuses are left out, and listed. */
  private dropUnwritable(target: LearnedTarget): void {
    const badSource = (key: string) => sourceMatchProblem(key) !== undefined;
    const badCredential = (key: string) => key.length === 0 || key.length > MAX_CREDENTIAL_LENGTH;
    const note = (what: string) => {
      if (this.unlearnable.length < 20) this.unlearnable.push(`${target.kind} ${target.target}: ${what.slice(0, 120)}`);
    };
    for (const key of [...target.sources.keys()]) if (badSource(key)) (target.sources.delete(key), note(`source ${JSON.stringify(key)}`));
    for (const key of [...target.credentials.keys()]) if (badCredential(key)) (target.credentials.delete(key), note(`credential ${JSON.stringify(key)}`));
    for (const key of [...target.pairs.keys()]) {
      const [credential = '', source = ''] = key.split('\u0000');
      if (badSource(source) || badCredential(credential)) target.pairs.delete(key);
    }
  }

  /** Replaces exact IPv4 sources by their network where enough distinct addresses support it. */
  private widen(target: LearnedTarget): void {
    const { ipv4MinAddresses, ipv4Prefix } = this.widening;
    const networkOf = (sourceKey: string): string | undefined => {
      if (!sourceKey.startsWith('ip:')) return undefined;
      const ip = sourceKey.slice(3);
      return ipFamily(ip) === 4 ? ipv4Network(ip, ipv4Prefix) : undefined;
    };
    const addresses = new Map<string, Set<string>>();
    const existing = this.existingIps.get(targetKey(target.kind, target.target)) ?? [];
    for (const key of [...target.sources.keys(), ...existing]) {
      const network = networkOf(key);
      if (network) addresses.set(network, (addresses.get(network) ?? new Set()).add(key));
    }
    const widened = new Map([...addresses].filter(([, set]) => set.size >= ipv4MinAddresses).map(([n, set]) => [n, set.size]));
    if (widened.size === 0) return;
    const widenSource = (sourceKey: string): string | undefined => {
      const network = networkOf(sourceKey);
      return network !== undefined && widened.has(network) ? network : undefined;
    };
    target.sources = regroup(target.sources, (key) => {
      const network = widenSource(key);
      return network ? { key: `cidr:${network}`, distinctAddresses: widened.get(network)! } : undefined;
    });
    target.pairs = regroup(target.pairs, (key) => {
      const [credential = '', source = ''] = key.split('\u0000');
      const network = widenSource(source);
      return network ? { key: pairKey(credential, `cidr:${network}`) } : undefined;
    });
  }
}

/** Folds entries that `remap` moves to a wider key into one entry with summed evidence. */
function regroup(entries: Map<string, Evidence>, remap: (key: string) => { key: string; distinctAddresses?: number } | undefined): Map<string, Evidence> {
  const out = new Map<string, Evidence>();
  for (const [key, evidence] of entries) {
    const moved = remap(key);
    const next = moved?.key ?? key;
    const current = out.get(next);
    if (!current) {
      const entry = { ...evidence };
      if (moved?.distinctAddresses !== undefined) entry.distinctAddresses = moved.distinctAddresses;
      out.set(next, entry);
      continue;
    }
    current.count += evidence.count;
    current.newCount += evidence.newCount;
    if (Date.parse(evidence.firstSeen) < Date.parse(current.firstSeen)) current.firstSeen = evidence.firstSeen;
    if (Date.parse(evidence.lastSeen) > Date.parse(current.lastSeen)) current.lastSeen = evidence.lastSeen;
  }
  return out;
}
