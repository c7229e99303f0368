/** Events of one batch grouped by target × source × credential: the unit detectors judge. */
import type { AccessEvent, Credential, EventKind, Source } from '../access-event.js';
import type { RepeatedAccess } from '../repeated-access.js';
import { copySource } from '../source-identity.js';
import { addStatement, mergeStatements, type GroupStatements } from '../sql/group-statements.js';

const SAMPLE_LIMIT = 5;

export interface AccessGroup {
  kind: EventKind;
  target: string;
  source: Source;
  credential: Credential | null;
  successes: number;
  failures: number;
  /** Accesses with no logged outcome (a postgres connection that never authenticated in this file). */
  undecided: number;
  firstMs: number;
  lastMs: number;
  /**
   * The line of the event that opened the group (in its file). A parallel scan merges a range's
   * groups and joined postgres.log connections in this order, as a serial scan would meet them.
   */
  firstLine: number;
  firstSeen: string;
  lastSeen: string;
  /**
   * The first and last successful access (what `learn` keeps as an entry's firstSeen / lastSeen),
   * for the batch's evidence summary; ±Infinity and '' until the group has a success.
   */
  successFirstMs: number;
  successLastMs: number;
  successFirstSeen: string;
  successLastSeen: string;
  actions: Set<string>;
  resources: Set<string>;
  userAgents: Set<string>;
  failureDetails: Set<string>;
  refs: string[];
  /** Entry identities (`timestamp|insertId`) of the first events, to count shard overlaps once. */
  entryIds: string[];
  /** How many entry ids this group collects: ENTRY_ID_LIMIT, or 0 where they are known to be unneeded (CompleteEntryIds). */
  entryIdLimit: number;
  /** The SQL statements of the group's accesses (pgAudit, MySQL audit), per database × kind. */
  statements?: GroupStatements;
  /** Service-account key ids that signed the group's calls (successful ones: what learn keeps). */
  keyIds?: Set<string>;
  /** The group listed the bucket's objects successfully (enumeration, see LIST_METHODS). */
  listed?: boolean;
}

/** Cloud Storage methods that enumerate a bucket's contents. */
export const LIST_METHODS: ReadonlySet<string> = new Set(['storage.objects.list']);

/** Key ids kept per group. */
const KEY_ID_LIMIT = 10;

function addKeyId(group: AccessGroup, key: string): void {
  const keys = (group.keyIds ??= new Set());
  if (keys.size < KEY_ID_LIMIT) keys.add(key);
}

/** Entry ids kept per group: enough to recognise the overlap of two shards for an anomaly. */
export const ENTRY_ID_LIMIT = 50;

/**
 * Keys of groups that a thread's earlier range of a scan already gave all ENTRY_ID_LIMIT entry ids —
 * or whose batch group, merged so far, takes none or has them all (noteKeys) — with where that
 * range starts. Ranges are merged in file order, so by the time a later range's
 * group is merged, the merged group has its ids and mergeInto takes none from it: a group of such a
 * key in a range that starts after it need not collect (decode, concatenate) any. A thread may scan
 * a later range before an earlier one, hence the offsets. Kept per thread and per scan; bounded
 * (forgetting only costs time).
 */
export class CompleteEntryIds {
  /** Key → the smallest start of a range of this thread that completed it. */
  private readonly keys = new Map<string, number>();

  /** The keys completed by ranges that start before `start` (what a range at `start` may skip). */
  before(start: number): { has(key: string): boolean } {
    return { has: (key) => (this.keys.get(key) ?? Number.POSITIVE_INFINITY) < start };
  }

  /** Notes the groups of a range starting at `start`, scanned on this thread. */
  note(groups: readonly AccessGroup[], start: number): void {
    for (const group of groups) if (group.entryIds.length >= ENTRY_ID_LIMIT) this.noteKey(groupKey(group), start);
  }

  /**
   * Notes keys whose batch group takes no more entry ids once the range starting at `start` is
   * merged — it is quiet, or has all ENTRY_ID_LIMIT (the parallel scan's merge tells every thread).
   */
  noteKeys(keys: readonly string[], start: number): void {
    for (const key of keys) this.noteKey(key, start);
  }

  private noteKey(key: string, start: number): void {
    const known = this.keys.get(key);
    if (known !== undefined && known <= start) return;
    if (this.keys.size >= 100_000) this.keys.clear();
    this.keys.set(key, start);
  }
}

/** The group an event (or an already-built group) belongs to: kind × target × source × credential. */
export function groupKey(event: Pick<AccessEvent, 'kind' | 'target' | 'source' | 'credential' | 'groupKey'>): string {
  if (event.groupKey !== undefined) return event.groupKey;
  return groupKeyOf(event.kind, event.target, event.source.key, event.credential);
}

/** groupKey from its parts: for an access known by its source's key alone (KnownAccess.sourceKey). */
export function groupKeyOf(kind: AccessEvent['kind'], target: string, sourceKey: string, credential: AccessEvent['credential']): string {
  return `${kind}|${target}\u0000${sourceKey}\u0000${credential?.key ?? ''}`;
}

function addSample(set: Set<string>, value: string | undefined): void {
  if (value !== undefined && set.size < SAMPLE_LIMIT) set.add(value);
}

/**
 * A new group for `event`. The group keeps a copy of the event's source, not the parser's object:
 * V8 decides per allocation site whether objects are born in the old generation, from how many
 * survive. If groups kept the sources a parser builds for every line, a batch's first lines (each
 * opening a group) would make every later line's source born old, and a flood of one-off sources
 * past the group caps would fill the old generation with garbage until a full collection (a
 * million-line flood peaked at 270 MiB, against 200–206 MiB with the copy).
 */
export function newGroup(event: AccessEvent): AccessGroup {
  const ms = event.timeMs ?? Date.parse(event.time);
  return {
    kind: event.kind,
    target: event.target,
    source: copySource(event.source),
    credential: event.credential,
    successes: 0,
    failures: 0,
    undecided: 0,
    firstMs: ms,
    lastMs: ms,
    firstLine: event.ref.line,
    firstSeen: event.time,
    lastSeen: event.time,
    successFirstMs: Number.POSITIVE_INFINITY,
    successLastMs: Number.NEGATIVE_INFINITY,
    successFirstSeen: '',
    successLastSeen: '',
    actions: new Set(),
    resources: new Set(),
    userAgents: new Set(),
    failureDetails: new Set(),
    refs: [],
    entryIds: [],
    entryIdLimit: ENTRY_ID_LIMIT,
  };
}

export function addToGroup(group: AccessGroup, event: AccessEvent): void {
  const ms = event.timeMs ?? Date.parse(event.time);
  if (event.outcome === 'success') {
    group.successes++;
    if (ms < group.successFirstMs) {
      group.successFirstMs = ms;
      group.successFirstSeen = event.time;
    }
    if (ms > group.successLastMs) {
      group.successLastMs = ms;
      group.successLastSeen = event.time;
    }
  } else if (event.outcome === 'failure') group.failures++;
  else group.undecided++;
  if (ms < group.firstMs) {
    group.firstMs = ms;
    group.firstSeen = event.time;
  }
  if (ms > group.lastMs) {
    group.lastMs = ms;
    group.lastSeen = event.time;
  }
  addSample(group.actions, event.action);
  addSample(group.resources, event.resource);
  addSample(group.userAgents, event.userAgent);
  if (event.outcome === 'failure') addSample(group.failureDetails, event.outcomeDetail);
  if (group.refs.length < 3) group.refs.push(`${event.ref.file}:${event.ref.line}`);
  if (event.ref.insertId !== undefined && group.entryIds.length < group.entryIdLimit) group.entryIds.push(`${event.time}|${event.ref.insertId}`);
  if (event.credentialKey !== undefined && event.outcome === 'success') addKeyId(group, event.credentialKey);
  if (event.outcome === 'success' && LIST_METHODS.has(event.action)) group.listed = true;
  if (event.statement && event.outcome === 'success') addStatement((group.statements ??= { byKind: new Map(), overflow: 0 }), event.statement, event.time, ms, `${event.ref.file}:${event.ref.line}`);
}

/**
 * addToGroup for a repeat of a known access (a success without resource, user agent or detail):
 * the same result, with the time and insertId decoded only when the group keeps them. A caller that
 * knows this access's action is already offered to the group (a sample set only grows, so offering
 * it again changes nothing) passes `offerAction` false.
 */
export function addRepeatToGroup(group: AccessGroup, repeat: RepeatedAccess, offerAction = true): void {
  group.successes++;
  const ms = repeat.timeMs;
  // A repeat is a success: its time is decoded at most once, and only when a bound moves.
  let time: string | undefined;
  if (ms < group.firstMs) {
    group.firstMs = ms;
    group.firstSeen = time = repeat.time();
  }
  if (ms > group.lastMs) {
    group.lastMs = ms;
    group.lastSeen = time ??= repeat.time();
  }
  if (ms < group.successFirstMs) {
    group.successFirstMs = ms;
    group.successFirstSeen = time ??= repeat.time();
  }
  if (ms > group.successLastMs) {
    group.successLastMs = ms;
    group.successLastSeen = time ??= repeat.time();
  }
  if (offerAction) addSample(group.actions, repeat.known.action);
  if (group.refs.length < 3) group.refs.push(`${repeat.file}:${repeat.line}`);
  if (group.entryIds.length < group.entryIdLimit) {
    const insertId = repeat.insertId();
    if (insertId !== undefined) group.entryIds.push(`${repeat.time()}|${insertId}`);
  }
}

export function groupCount(group: AccessGroup): number {
  return group.successes + group.failures + group.undecided;
}

/** Adds the evidence of `later` (events that came after `group`'s) to `group`. */
export function mergeInto(group: AccessGroup, later: AccessGroup): void {
  group.successes += later.successes;
  group.failures += later.failures;
  group.undecided += later.undecided;
  if (later.firstMs < group.firstMs) {
    group.firstMs = later.firstMs;
    group.firstSeen = later.firstSeen;
  }
  if (later.lastMs > group.lastMs) {
    group.lastMs = later.lastMs;
    group.lastSeen = later.lastSeen;
  }
  if (later.successFirstMs < group.successFirstMs) {
    group.successFirstMs = later.successFirstMs;
    group.successFirstSeen = later.successFirstSeen;
  }
  if (later.successLastMs > group.successLastMs) {
    group.successLastMs = later.successLastMs;
    group.successLastSeen = later.successLastSeen;
  }
  for (const [into, from] of [
    [group.actions, later.actions],
    [group.resources, later.resources],
    [group.userAgents, later.userAgents],
    [group.failureDetails, later.failureDetails],
  ] as const) {
    for (const value of from) addSample(into, value);
  }
  for (const ref of later.refs) if (group.refs.length < 3) group.refs.push(ref);
  for (const id of later.entryIds) if (group.entryIds.length < group.entryIdLimit) group.entryIds.push(id);
  for (const key of later.keyIds ?? []) addKeyId(group, key);
  if (later.listed) group.listed = true;
  if (later.statements) {
    if (group.statements) mergeStatements(group.statements, later.statements);
    else group.statements = later.statements;
  }
}
