/**
 * Cross-batch suppression: a finding key (type × target × source × credential, i.e. the finding id)
 * posted within the window is not posted again; its counts accumulate in state, and the next digest
 * that is posted says "still happening: N more since …". Every state change uses a generation
 * precondition and is idempotent per batch, so a retried batch is never counted twice.
 */
import type { Finding } from '../core/detect/finding.js';
import type { StillHappening } from '../core/notify/slack-digest.js';
import type { StateStore, Suppression } from './state.js';

export interface SuppressionDecision {
  toPost: Finding[];
  still: StillHappening[];
}

/** Reads are done a few at a time: a batch can have many findings. */
const PARALLEL_READS = 16;
/** How many recent batches each key remembers for idempotency. */
const REMEMBERED_BATCHES = 50;
const MAX_CONFLICT_RETRIES = 5;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  for (let i = 0; i < items.length; i += limit) {
    const slice = await Promise.all(items.slice(i, i + limit).map(fn));
    slice.forEach((r, j) => (out[i + j] = r));
  }
  return out;
}

/** Suppressed by another digest's post within the window (not by this digest's own reservation). */
function heldElsewhere(state: Suppression | null | undefined, digestId: string, now: number, windowMs: number): boolean {
  return !!state && state.lastDigestId !== digestId && now - Date.parse(state.lastPosted) < windowMs;
}

function stillHappening(finding: Finding, state: Suppression, batch: string): StillHappening {
  const already = state.appliedBatches.includes(batch);
  return { finding, countSince: state.countSincePost + (already ? 0 : newEntries(finding, state.recentEntryIds)), since: state.lastPosted };
}

/** Which findings to post and which are still happening (posted by another digest within the window). Reads only. */
export async function decideSuppression(findings: readonly Finding[], store: StateStore, batch: string, now: number, windowMs: number, digestId: string): Promise<SuppressionDecision> {
  const states = await mapLimited(findings, PARALLEL_READS, (f) => store.readSuppression(f.id));
  const toPost: Finding[] = [];
  const still: StillHappening[] = [];
  findings.forEach((finding, i) => {
    const state = states[i]?.value;
    if (state && heldElsewhere(state, digestId, now, windowMs)) still.push(stillHappening(finding, state, batch));
    else toPost.push(finding);
  });
  return { toPost, still };
}

/**
 * Takes each key for this digest before it is posted, with a generation precondition: create-only
 * for a new key, or over a post older than the window. Two batches of one hour (shards S0, S1)
 * delivered at once race here, and one wins each key; the loser shows it as still happening. A
 * retry of the same batch finds its own reservation (same digest id) and keeps it.
 */
export async function reserveKeys(findings: readonly Finding[], store: StateStore, batch: string, digestId: string, now: number, windowMs: number): Promise<{ held: Finding[]; lost: StillHappening[] }> {
  const at = new Date(now).toISOString();
  const results = await mapLimited(findings, PARALLEL_READS, async (finding): Promise<StillHappening | undefined> => {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const current = await store.readSuppression(finding.id);
      const state = current?.value;
      if (state?.lastDigestId === digestId) return undefined;
      if (state && heldElsewhere(state, digestId, now, windowMs)) return stillHappening(finding, state, batch);
      const reservation: Suppression = {
        findingId: finding.id,
        lastPosted: at,
        lastDigestId: digestId,
        countSincePost: 0,
        appliedBatches: [...(state?.appliedBatches ?? []).filter((b) => b !== batch), batch].slice(-REMEMBERED_BATCHES),
        recentEntryIds: rememberEntries(state?.recentEntryIds ?? [], finding.entryIds),
      };
      if ((await store.writeSuppression(finding.id, reservation, current?.generation ?? '0')) !== undefined) return undefined;
    }
    throw new Error(`suppression state for ${finding.id} kept changing under us`);
  });
  const held: Finding[] = [];
  const lost: StillHappening[] = [];
  findings.forEach((finding, i) => {
    const result = results[i];
    if (result) lost.push(result);
    else held.push(finding);
  });
  return { held, lost };
}

/** Gives back keys this digest reserved but never posted (Slack refused it): the next occurrence posts them. */
export async function releaseKeys(store: StateStore, digestId: string, ids: readonly string[]): Promise<void> {
  await mapLimited(ids, PARALLEL_READS, async (id) => {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const current = await store.readSuppression(id);
      if (!current?.value || current.value.lastDigestId !== digestId) return;
      const released: Suppression = { ...current.value, lastPosted: new Date(0).toISOString(), lastDigestId: `released:${digestId}` };
      if ((await store.writeSuppression(id, released, current.generation)) !== undefined) return;
    }
  });
}

export interface AppliedFinding {
  id: string;
  count: number;
  entryIds?: string[] | undefined;
}

/** Entries kept per key to recognise duplicates written by overlapping shards. */
const REMEMBERED_ENTRIES = 1000;

/** How many of a finding's events were not already counted (duplicates from an overlapping shard are not). */
export function newEntries(finding: { count: number; entryIds?: string[] | undefined }, recent: readonly string[]): number {
  if (!finding.entryIds || recent.length === 0) return finding.count;
  const seen = new Set(recent);
  const duplicates = finding.entryIds.filter((id) => seen.has(id)).length;
  return Math.max(0, finding.count - duplicates);
}

function rememberEntries(recent: readonly string[], ids: readonly string[] | undefined): string[] {
  if (!ids) return [...recent];
  const set = new Set(recent);
  return [...recent, ...ids.filter((id) => !set.has(id))].slice(-REMEMBERED_ENTRIES);
}

/** Records what was posted (resets the key) and what was suppressed (accumulates), once per batch. */
export async function applySuppression(
  store: StateStore,
  batch: string,
  digestId: string,
  posted: readonly AppliedFinding[],
  suppressed: readonly AppliedFinding[],
  now: number,
): Promise<void> {
  const at = new Date(now).toISOString();
  const update = async (finding: AppliedFinding, change: (current: Suppression | null) => Suppression | undefined) => {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const current = await store.readSuppression(finding.id);
      const next = change(current?.value ?? null);
      if (!next) return;
      if ((await store.writeSuppression(finding.id, next, current?.generation ?? '0')) !== undefined) return;
    }
    throw new Error(`suppression state for ${finding.id} kept changing under us`);
  };
  const remember = (list: readonly string[]) => [...list.filter((b) => b !== batch), batch].slice(-REMEMBERED_BATCHES);
  await mapLimited(posted, PARALLEL_READS, (finding) =>
    update(finding, (current) =>
      current?.lastDigestId === digestId
        ? undefined
        : { findingId: finding.id, lastPosted: at, lastDigestId: digestId, countSincePost: 0, appliedBatches: remember(current?.appliedBatches ?? []), recentEntryIds: rememberEntries(current?.recentEntryIds ?? [], finding.entryIds) },
    ),
  );
  await mapLimited(suppressed, PARALLEL_READS, (finding) =>
    update(finding, (current) => {
      if (!current || current.appliedBatches.includes(batch)) return undefined;
      return {
        ...current,
        countSincePost: current.countSincePost + newEntries(finding, current.recentEntryIds),
        appliedBatches: remember(current.appliedBatches),
        recentEntryIds: rememberEntries(current.recentEntryIds, finding.entryIds),
      };
    }),
  );
}
