/**
 * Compares one batch of access events with the baselines. Events are grouped per target × source ×
 * credential (bounded by `maxGroups`), then each target's groups go through the detectors in
 * precedence order: failed-auth bursts first (they take the failures they explain), then for each
 * group the first of new credential → new source → credential from a new source. One group yields
 * at most one finding; a target without a baseline yields exactly one.
 */
import { PIPELINE_KIND, type AccessEvent } from '../access-event.js';
import { flowTargetNetwork } from '../parse/vpc-flow.js';
import { CompiledBaseline } from '../baseline/matcher.js';
import { targetKey } from '../baseline/schema.js';
import type { LoadedBaseline } from '../baseline/store.js';
import { ONE_LINE, type RepeatedAccess } from '../repeated-access.js';
import { addRepeatToGroup, addToGroup, ENTRY_ID_LIMIT, groupCount, groupKey, groupKeyOf, mergeInto, newGroup, type AccessGroup } from './access-group.js';
import type { FindingParts } from './build-finding.js';
import { ClosedTargets } from './closed-targets.js';
import { isQuietGroup } from './quiet-group.js';
import { detectCredentialFromNewSource } from './detectors/credential-from-new-source.js';
import { DEFAULT_BURST_THRESHOLD, detectFailedAuthBursts } from './detectors/failed-auth-burst.js';
import { detectNewCredential } from './detectors/new-credential.js';
import { detectNewSource } from './detectors/new-source.js';
import { detectNewEnumeration } from './detectors/new-enumeration.js';
import { detectNewStatements } from './detectors/new-statement.js';
import { detectNotBaselined } from './detectors/not-baselined.js';
import { detectPipelineChange } from './detectors/pipeline-change.js';
import { overflowFinding, type Overflow } from './detectors/tracking-overflow.js';
import { compareFindings, type Finding } from './finding.js';

export interface AuditOptions {
  /** Failures from one unknown source in one batch that make a burst. */
  burstThreshold: number;
  /** Distinct target × source × credential groups tracked per batch; the rest are counted as overflow. */
  maxGroups: number;
  /**
   * The same, per target: a flood of distinct sources to one target (a scan) is counted into its
   * overflow past this many, so its findings and memory stay bounded whatever the batch holds.
   */
  maxGroupsPerTarget: number;
  /** Clock for baseline `expires`. */
  now: number;
  /** For a scan range's grouping: groups of these keys collect no entry ids (see CompleteEntryIds). */
  completeEntryIds?: { has(key: string): boolean };
  /**
   * For a scan range's grouping: the targets the batch's auditor has closed so far. Accesses to them
   * under an untracked key are counted into overflow here, as the batch's auditor would count them.
   */
  closed?: ClosedTargets;
  /** For a scan range's grouping: the batch's auditor's flow aliases (`flowAliasPairs`), so ranges name targets as it does. */
  flowAliases?: readonly (readonly [string, string])[];
}

export const DEFAULT_AUDIT_OPTIONS: Omit<AuditOptions, 'now'> = { burstThreshold: DEFAULT_BURST_THRESHOLD, maxGroups: 50_000, maxGroupsPerTarget: 10_000 };

const PER_GROUP_DETECTORS = [detectNewCredential, detectNewSource, detectCredentialFromNewSource];

/** Auditors created in this thread, numbering them for KnownAccess.auditor. */
let auditors = 0;

/**
 * What a parallel scan merges each range's results into, in file order (parallel-scan.ts): the
 * batch's auditor.
 */
export interface RangeMerger {
  /** Merges a range's group; true when the batch had that group already. */
  mergeGroup(group: AccessGroup): boolean;
  /** Whether the batch has a range's group already (merging it would merge into it, not add it); changes nothing. */
  hasGroup(group: AccessGroup): boolean;
  /** Whether the batch's group of a merged range's group takes no more entry ids (quiet, or full); changes nothing. */
  entryIdsComplete(group: AccessGroup): boolean;
  mergeOverflow(overflow: Overflow): void;
  /** The targets closed so far, which ranges scanned from now on are told of. */
  readonly closed: ClosedTargets;
  /** How records without VPC metadata are named (BatchAuditor.flowAliases), for the ranges to name them alike. */
  readonly flowAliasPairs: readonly (readonly [string, string])[];
}

export class BatchAuditor implements RangeMerger {
  private readonly baselines = new Map<string, CompiledBaseline>();
  private readonly groups = new Map<string, AccessGroup>();
  /** Groups tracked per target (targetKey): bounded by the targets that have groups. */
  private readonly groupsPerTarget = new Map<string, number>();
  /** Overflow per target (targetKey), with its first and last time in ms (not parsed again per access). */
  private readonly overflow = new Map<string, { counted: Overflow; firstMs: number; lastMs: number }>();
  private readonly options: AuditOptions;
  /** This auditor's number (never 0), and the groups that known accesses point at (addRepeated). */
  private readonly id = ++auditors;
  private readonly repeatGroups: AccessGroup[] = [];
  /**
   * Targets closed by a cap (recorded by this auditor when it caps), or — for a scan range's
   * grouping, whose own caps are unlimited — those the batch's auditor had closed (consulted only).
   */
  readonly closed: ClosedTargets;
  /**
   * A private flow destination is named within its VPC network (`project/network/ip:port`), but a
   * record without VPC metadata can only say `ip:port`. When no baseline names `ip:port` itself and
   * exactly one names that address within a network, such a record is judged as that target (null:
   * several networks use it, so the record stays `ip:port` — not baselined, reported, never silently
   * matched to the wrong one).
   */
  private readonly flowAliases = new Map<string, string | null>();

  constructor(baselines: readonly LoadedBaseline[], options: Partial<AuditOptions> = {}) {
    this.options = { ...DEFAULT_AUDIT_OPTIONS, now: Date.now(), ...options };
    this.closed = options.closed ?? new ClosedTargets();
    for (const loaded of baselines) {
      const { kind, target } = loaded.baseline;
      this.baselines.set(targetKey(kind, target), new CompiledBaseline(loaded, this.options.now));
      const address = kind === 'vpc-flow' ? flowTargetNetwork(target)?.address : undefined;
      if (address !== undefined) this.flowAliases.set(address, this.flowAliases.has(address) ? null : target);
    }
    // A baseline of the address itself (learned from records without metadata) is the record's own.
    for (const address of [...this.flowAliases.keys()]) if (this.baselines.has(targetKey('vpc-flow', address))) this.flowAliases.delete(address);
    for (const [address, target] of options.flowAliases ?? []) this.flowAliases.set(address, target);
    this.flowAliasPairs = [...this.flowAliases].filter((pair): pair is [string, string] => pair[1] !== null);
  }

  readonly flowAliasPairs: readonly (readonly [string, string])[];

  /** The target an access is judged as (see flowAliases). */
  private resolved<T extends Pick<AccessEvent, 'kind' | 'target'>>(access: T): T {
    const alias = this.aliasOf(access);
    if (alias === undefined) return access;
    const renamed = { ...access, target: alias };
    // A group key the parser cached (RepeatedAccess.toEvent sets one) names the old target. Cleared,
    // not deleted: deleting a property turns the object into a slow dictionary — the bench's 1 GiB
    // flood, every line to an aliased target, took 6.6-7.8 s against 5.1-5.6 s when it was deleted.
    if ('groupKey' in renamed) (renamed as { groupKey?: string }).groupKey = undefined;
    return renamed;
  }

  /** The target an access is judged as when that is not the one it names (see flowAliases), else undefined. */
  private aliasOf(access: Pick<AccessEvent, 'kind' | 'target'>): string | undefined {
    if (this.flowAliases.size === 0 || access.kind !== 'vpc-flow' || access.target.includes('/')) return undefined;
    return this.flowAliases.get(access.target) ?? undefined;
  }

  add(original: AccessEvent): void {
    const event = this.resolved(original);
    const key = groupKey(event);
    let group = this.groups.get(key);
    if (!group) {
      // A scan range's grouping has no caps of its own and learns of capped targets from `closed`;
      // for the batch's auditor the two checks agree.
      if (this.closed.overflows(event.kind, event.target, key) || !this.track(event.kind, event.target)) {
        const ms = event.timeMs ?? Date.parse(event.time);
        this.addOverflow(event.kind, event.target, 1, event.time, ms, event.time, ms, [event.source.key]);
        return;
      }
      group = newGroup(event);
      if (this.options.completeEntryIds?.has(key) || this.isQuiet(group)) group.entryIdLimit = 0;
      this.groups.set(key, group);
    }
    addToGroup(group, event);
  }

  /**
   * Adds a repeat of a known access (or a flow the parser decided without building its event): to
   * its group in place when that exists, to its target's overflow when the target is past a cap,
   * else as its event. The group is found through the access's cache slot when this auditor set it
   * (an array read instead of a map lookup per line). Neither path decodes the line's time or
   * insertId unless the group or the overflow keeps them.
   */
  addRepeated(repeat: RepeatedAccess): void {
    const known = repeat.known;
    // A slot of this auditor's: an earlier repeat of this access has offered its action already.
    if (known.auditor === this.id) {
      addRepeatToGroup(this.repeatGroups[known.groupSlot]!, repeat, false);
      return;
    }
    // The parser's group key names the target as the line does; an alias names it otherwise.
    const alias = this.aliasOf(known);
    const target = alias ?? known.target;
    const key = alias === undefined ? known.groupKey : groupKeyOf(known.kind, target, known.sourceKey, known.credential);
    const group = this.groups.get(key);
    if (group) {
      if (known.auditor !== ONE_LINE) {
        known.auditor = this.id;
        known.groupSlot = this.repeatGroups.push(group) - 1;
      }
      addRepeatToGroup(group, repeat);
      return;
    }
    if (this.closed.overflows(known.kind, target, key)) {
      this.addRepeatOverflow(known.kind, target, repeat, known.sourceKey);
      return;
    }
    // A new group, or one a cap turns away now: as the event.
    this.add(repeat.toEvent());
  }

  /** Whether this batch has a group aggregated elsewhere already: merging it would merge into it (RangeMerger). */
  hasGroup(group: AccessGroup): boolean {
    return this.groups.has(groupKey(this.resolved(group)));
  }

  entryIdsComplete(group: AccessGroup): boolean {
    const batch = this.groups.get(groupKey(this.resolved(group)));
    return batch !== undefined && batch.entryIds.length >= batch.entryIdLimit;
  }

  /**
   * Merges a group aggregated elsewhere (a scan worker) as if its events had been added here, in
   * order: callers merge the groups of consecutive ranges in file order.
   */
  mergeGroup(original: AccessGroup): boolean {
    const delta = this.resolved(original);
    const key = groupKey(delta);
    const group = this.groups.get(key);
    if (!group) {
      if (!this.track(delta.kind, delta.target)) {
        this.addOverflow(delta.kind, delta.target, groupCount(delta), delta.firstSeen, delta.firstMs, delta.lastSeen, delta.lastMs, [delta.source.key]);
        return false;
      }
      // Kept as this batch's group: it collects entry ids from here on (unless quiet) whatever the range did.
      delta.entryIdLimit = this.isQuiet(delta) ? 0 : ENTRY_ID_LIMIT;
      if (delta.entryIdLimit === 0) delta.entryIds = [];
      this.groups.set(key, delta);
      return false;
    }
    mergeInto(group, delta);
    return true;
  }

  /** Whether no finding can come of this group (quiet-group.ts): then it collects no entry ids. */
  private isQuiet(group: AccessGroup): boolean {
    return isQuietGroup(group, this.baselines.get(targetKey(group.kind, group.target)));
  }

  /** Merges a scan range's overflow of one target, in file order (see ClosedTargets). */
  mergeOverflow(delta: Overflow): void {
    this.addOverflow(delta.kind, delta.target, delta.events, delta.firstSeen, Date.parse(delta.firstSeen), delta.lastSeen, Date.parse(delta.lastSeen), delta.sampleSources);
  }

  /**
   * Whether a new group of `target` may be tracked (both caps), counting it when it may. When it
   * may not, the target is closed (for the whole batch once the batch cap is reached).
   */
  private track(kind: AccessEvent['kind'], target: string): boolean {
    const key = targetKey(kind, target);
    if (this.groups.size >= this.options.maxGroups) {
      if (!this.closed.allClosed) this.closed.close({ all: true, targets: [], keys: [...this.groups.keys()] });
      return false;
    }
    const tracked = this.groupsPerTarget.get(key) ?? 0;
    if (tracked >= this.options.maxGroupsPerTarget) {
      if (!this.closed.isClosed(kind, target)) {
        const keys = [...this.groups].filter(([, g]) => targetKey(g.kind, g.target) === key).map(([k]) => k);
        this.closed.close({ all: false, targets: [key], keys });
      }
      return false;
    }
    this.groupsPerTarget.set(key, tracked + 1);
    return true;
  }

  /**
   * Counts accesses past the caps into their target's overflow: `events` of them, seen from
   * `firstSeen` to `lastSeen`, from `sources` (the first three distinct are kept as samples). Ties
   * keep the earlier time string, so merging in order equals counting one by one. `key` is the
   * target's key (targetKey), passed where the caller has made it already.
   */
  private addOverflow(kind: AccessEvent['kind'], target: string, events: number, firstSeen: string, firstMs: number, lastSeen: string, lastMs: number, sources: readonly string[], key = targetKey(kind, target)): void {
    let state = this.overflow.get(key);
    if (!state) {
      state = { counted: { kind, target, events: 0, firstSeen, lastSeen, sampleSources: [] }, firstMs, lastMs };
      this.overflow.set(key, state);
    }
    const o = state.counted;
    o.events += events;
    if (firstMs < state.firstMs) {
      state.firstMs = firstMs;
      o.firstSeen = firstSeen;
    }
    if (lastMs > state.lastMs) {
      state.lastMs = lastMs;
      o.lastSeen = lastSeen;
    }
    for (const source of sources) if (o.sampleSources.length < 3 && !o.sampleSources.includes(source)) o.sampleSources.push(source);
  }

  /** addOverflow of one repeat, its time decoded only when it moves a bound (a flood past the caps decoded every line's). */
  private addRepeatOverflow(kind: AccessEvent['kind'], target: string, repeat: RepeatedAccess, source: string): void {
    const key = targetKey(kind, target);
    const state = this.overflow.get(key);
    const ms = repeat.timeMs;
    // addOverflow keeps a time string only where its ms moves a bound: elsewhere none is needed.
    const time = state === undefined || ms < state.firstMs || ms > state.lastMs ? repeat.time() : '';
    this.addOverflow(kind, target, 1, time, ms, time, ms, [source], key);
  }

  /** Whether findings() needs the SQL parsers (await core/sql/analyze.ts loadSqlParsers first). */
  hasStatements(): boolean {
    for (const group of this.groups.values()) if (group.statements) return true;
    return false;
  }

  /** All findings of the batch, in deterministic order. */
  findings(): Finding[] {
    const byTarget = new Map<string, AccessGroup[]>();
    for (const group of this.groups.values()) {
      const key = targetKey(group.kind, group.target);
      const list = byTarget.get(key);
      if (list) list.push(group);
      else byTarget.set(key, [group]);
    }
    const findings: Finding[] = [];
    for (const [key, groups] of byTarget) {
      if (groups[0]!.kind === PIPELINE_KIND) {
        findings.push(...groups.map(detectPipelineChange));
        continue;
      }
      const baseline = this.baselines.get(key);
      if (!baseline) {
        // Nothing about the target can be judged, except that a burst of failures is never normal.
        findings.push(...detectFailedAuthBursts(groups, undefined, this.options.burstThreshold).findings, detectNotBaselined(groups));
        continue;
      }
      const bursts = detectFailedAuthBursts(groups, baseline, this.options.burstThreshold);
      findings.push(...bursts.findings);
      for (const group of groups) {
        let only: FindingParts['only'];
        if (bursts.consumed.has(group)) {
          if (group.successes + group.undecided === 0) continue;
          only = 'non-failures';
        }
        let found = false;
        for (const detect of PER_GROUP_DETECTORS) {
          const finding = detect(group, baseline, only);
          if (finding) {
            findings.push(finding);
            found = true;
            break;
          }
        }
        // Enumeration and statements are judged for a credential otherwise normal here.
        if (!found && only === undefined) {
          const enumeration = detectNewEnumeration(group, baseline);
          if (enumeration) findings.push(enumeration);
          findings.push(...detectNewStatements(group, baseline));
        }
      }
    }
    for (const [key, { counted }] of this.overflow) findings.push(overflowFinding(counted, this.options, this.baselines.get(key)?.file ?? null));
    for (const finding of findings) this.noteUnknownKeys(finding);
    return findings.sort(compareFindings);
  }

  /** A finding signed by a key its credential's baseline entry does not list says so. */
  private noteUnknownKeys(finding: Finding): void {
    if (!finding.keys || finding.credential === null) return;
    const known = this.baselines.get(targetKey(finding.kind, finding.target))?.knownKeys(finding.credential);
    if (!known) return;
    const unknown = finding.keys.filter((k) => !known.has(k));
    if (unknown.length > 0) finding.unknownKeys = unknown;
  }

  /** How many groups are tracked. */
  get trackedGroups(): number {
    return this.groups.size;
  }

  /** The groups so far, in order of first appearance (a scan worker hands them to the main thread). */
  groupsInOrder(): AccessGroup[] {
    return [...this.groups.values()];
  }

  /** The overflow counted so far, per target (a scan range's, for the main thread to merge). */
  overflowInOrder(): Overflow[] {
    return [...this.overflow.values()].map((state) => state.counted);
  }

  /** How many targets the batch touched, with and without a baseline. */
  targets(): { total: number; baselined: number } {
    const keys = new Set([...this.groups.values()].map((g) => targetKey(g.kind, g.target)));
    return { total: keys.size, baselined: [...keys].filter((k) => this.baselines.has(k)).length };
  }
}
