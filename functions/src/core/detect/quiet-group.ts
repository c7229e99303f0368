/**
 * Whether no finding can come of a group, whatever accesses it gathers: the question a group asks
 * once, when it opens, to skip collecting what only a finding shows (its entry ids: a `time|insertId`
 * string per access, for the first ENTRY_ID_LIMIT, which on a production flow shard were most of a
 * group's memory and a string decoded on nearly every line).
 *
 * The detectors (auditor.ts, in precedence order) report a group of a baselined target only when:
 * its source is unknown there (new-source, and a failed-auth burst, which needs an unknown source),
 * its credential is (new-credential), the pair is (credential-from-new-source), it lists a bucket
 * its credential does not normally list (new-enumeration), or it runs a statement the baseline does
 * not cover (new-statement). Each depends on the group's identity alone except the last two, which
 * depend on what it gathers — so a group is quiet only when its identity is known and its kind can
 * carry neither: flows (no listings, no statements) and Cloud Storage (no statements) whose
 * credential either lists normally or whose baseline does not say.
 */
import type { CompiledBaseline } from '../baseline/matcher.js';
import type { AccessGroup } from './access-group.js';

export function isQuietGroup(group: Pick<AccessGroup, 'kind' | 'source' | 'credential'>, baseline: CompiledBaseline | undefined): boolean {
  if (!baseline || (group.kind !== 'vpc-flow' && group.kind !== 'gcs')) return false;
  if (baseline.sources.match(group.source) === undefined) return false;
  const credential = group.credential;
  if (credential === null) return true;
  if (baseline.credentials.match(credential) === undefined || baseline.matchPair(credential, group.source) === undefined) return false;
  return group.kind === 'vpc-flow' || baseline.isLister(credential) !== false;
}
