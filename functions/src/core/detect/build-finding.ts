/** Builds a finding from one or more access groups (merging their evidence). */
import { describeSource } from '../source-identity.js';
import { isInternalIp, ipFamily } from '../ip.js';
import type { Source } from '../access-event.js';
import { ENTRY_ID_LIMIT, type AccessGroup } from './access-group.js';
import type { LapsedEntry } from '../baseline/matcher.js';
import { showDate } from '../baseline/dates.js';
import { findingId, type DetectorInfo, type Finding, type Severity } from './finding.js';

export interface FindingParts {
  severity: Severity;
  source?: string;
  sourceDescription?: string;
  credential?: string | null;
  rule: Finding['rule'];
  /** Count only these outcomes of the groups (a burst counts failures only). */
  only?: 'failures' | 'non-failures';
}

const LIMIT = 5;

export function buildFinding(info: DetectorInfo, groups: readonly AccessGroup[], parts: FindingParts): Finding {
  const first = groups[0]!;
  const count = (g: AccessGroup) =>
    parts.only === 'failures' ? g.failures : parts.only === 'non-failures' ? g.successes + g.undecided : g.successes + g.failures + g.undecided;
  const credentials = [...new Set(groups.map((g) => g.credential?.key).filter((c): c is string => c !== undefined))].sort();
  const credential = parts.credential !== undefined ? parts.credential : (first.credential?.key ?? null);
  const source = parts.source ?? first.source.key;
  const union = (pick: (g: AccessGroup) => Set<string>) => [...new Set(groups.flatMap((g) => [...pick(g)]))].sort().slice(0, LIMIT);
  const byFirst = [...groups].sort((a, b) => a.firstMs - b.firstMs);
  const byLast = [...groups].sort((a, b) => b.lastMs - a.lastMs);
  const finding: Finding = {
    id: findingId(info.type, first.target, source, credential),
    kind: first.kind,
    type: info.type,
    severity: parts.severity,
    title: info.title,
    target: first.target,
    source,
    sourceDescription: parts.sourceDescription ?? describeSource(first.source),
    credential,
    count: groups.reduce((n, g) => n + count(g), 0),
    failures: parts.only === 'non-failures' ? 0 : groups.reduce((n, g) => n + g.failures, 0),
    firstSeen: byFirst[0]!.firstSeen,
    lastSeen: byLast[0]!.lastSeen,
    actions: union((g) => g.actions),
    resources: union((g) => g.resources),
    userAgents: union((g) => g.userAgents),
    rule: parts.rule,
    refs: byFirst.flatMap((g) => g.refs).slice(0, 3),
  };
  const keys = [...new Set(groups.flatMap((g) => [...(g.keyIds ?? [])]))].sort();
  if (keys.length > 0) finding.keys = keys;
  const entryIds = [...new Set(groups.flatMap((g) => g.entryIds))].slice(0, ENTRY_ID_LIMIT);
  if (entryIds.length > 0) finding.entryIds = entryIds;
  if (credential === null && credentials.length > 0) {
    finding.credentialsTried = credentials.slice(0, 10);
    if (credentials.length > 10) finding.credentialsTriedTotal = credentials.length;
  }
  return finding;
}

/** A public address: the internet, not our network or Google's redacted callers. */
export function isInternetSource(source: Source): boolean {
  const ip = source.details.ip;
  return ip !== undefined && ipFamily(ip) !== 0 && !isInternalIp(ip);
}

/** The rule of a finding an expired entry would have covered: on-call looks for the expiry, not for a stranger. */
export function lapsedRule(entry: LapsedEntry, file: string, failedOnly: boolean): Finding['rule'] {
  const who = [entry.owner, entry.reason].filter(Boolean).join(', ');
  const what = entry.section === 'sources' ? 'source' : entry.section === 'credentials' ? 'credential' : 'credential-from-source pair';
  return {
    baseline: file,
    section: entry.section,
    detail: `expired on ${showDate(entry.expires)}${who ? ` (${who})` : ''}: the ${what} entry ${entry.match} no longer counts as normal${failedOnly ? ' (every attempt failed)' : ''}`,
    nearest: [],
    entry: entry.at,
  };
}
