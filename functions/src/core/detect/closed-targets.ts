/**
 * Targets whose groups can no longer grow in a batch: a tracking cap was reached (BatchAuditor's
 * maxGroupsPerTarget for one target, maxGroups for every target). From then on their tracked group
 * keys are fixed, so an access to a closed target under any other key is overflow, wherever it is
 * read. A scan range told of them (scan-range.ts) counts such accesses into overflow on the spot,
 * instead of returning one group per one-off source for the main thread to count: a flood of a
 * million sources would otherwise cross threads as a million groups.
 *
 * Closing only ever adds: a target once closed stays closed with the same keys. Ranges are merged
 * in file order, so whatever is closed while a range is scanned was closed by lines before it: the
 * range decides each access as a serial scan would.
 */
import type { EventKind } from '../access-event.js';

/** One change, as it is sent to a scan worker: targets closed (or all of them) and their tracked keys. */
export interface ClosedTargetsUpdate {
  all: boolean;
  targets: string[];
  keys: string[];
}

export class ClosedTargets {
  private all = false;
  /** Closed targets by kind, then target (no targetKey string is built per access). */
  private readonly byKind = new Map<string, Set<string>>();
  private readonly keys = new Set<string>();
  /** Every change so far, in order (the parallel scan forwards the ones its workers lack). */
  readonly updates: ClosedTargetsUpdate[] = [];

  /** Whether a new group of key `groupKey` for this target would be overflow. */
  overflows(kind: EventKind, target: string, groupKey: string): boolean {
    return this.isClosed(kind, target) && !this.keys.has(groupKey);
  }

  /** Whether this target is closed. */
  isClosed(kind: EventKind, target: string): boolean {
    return this.all || this.byKind.get(kind)?.has(target) === true;
  }

  /** Whether every target is closed (the batch's cap was reached). */
  get allClosed(): boolean {
    return this.all;
  }

  /** Closes one target (`all` false) or every target, with the keys of the groups tracked for it. */
  close(update: ClosedTargetsUpdate): void {
    this.apply(update);
    this.updates.push(update);
  }

  /** Applies a change made elsewhere (in the main thread's auditor). */
  apply(update: ClosedTargetsUpdate): void {
    if (update.all) this.all = true;
    for (const target of update.targets) {
      // A targetKey is `kind|target`, and no kind holds a `|`.
      const bar = target.indexOf('|');
      const kind = target.slice(0, bar);
      let targets = this.byKind.get(kind);
      if (!targets) this.byKind.set(kind, (targets = new Set()));
      targets.add(target.slice(bar + 1));
    }
    for (const key of update.keys) this.keys.add(key);
  }
}
