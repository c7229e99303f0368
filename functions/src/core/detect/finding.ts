/** A finding: one anomaly type × target × source × credential, with its evidence and the rule it broke. */
import type { EventKind } from '../access-event.js';
import type { BaselineSection } from '../baseline/schema.js';
import { sha256Hex } from '../text/sha256.js';

export const FINDING_TYPES = ['pipeline-change', 'failed-auth-burst', 'new-credential', 'new-source', 'credential-from-new-source', 'new-enumeration', 'new-statement', 'not-baselined', 'tracking-overflow'] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  /** Stable id of the finding key (type × target × source × credential). */
  id: string;
  kind: EventKind;
  type: FindingType;
  severity: Severity;
  /** The detector's title: what on-call reads first. */
  title: string;
  target: string;
  /** Source identity key (`ip:…`, `gke:…`), `*` for a whole-target finding. */
  source: string;
  /** Human description: address with ASN/country, VM, GKE identity when known. */
  sourceDescription: string;
  credential: string | null;
  count: number;
  failures: number;
  firstSeen: string;
  lastSeen: string;
  actions: string[];
  resources: string[];
  userAgents: string[];
  /** Credentials seen in the group (for bursts that tried several): the first ten. */
  credentialsTried?: string[];
  /** How many credentials were seen in all, when more than `credentialsTried` lists. */
  credentialsTriedTotal?: number;
  rule: {
    /** The baseline file, or null when the target has none. */
    baseline: string | null;
    section: BaselineSection | null;
    /** The rule broken, in words. */
    detail: string;
    /** The nearest known values, to show what normal looks like. */
    nearest: string[];
    /** `file:line` of the baseline entry involved: an expired one that would have covered the finding. */
    entry?: string;
  };
  /** Where to look: `file:line` of the first events. */
  refs: string[];
  /** Identities (`timestamp|insertId`) of the first events: overlapping shards are counted once. */
  entryIds?: string[];
  /** Service-account key ids that signed the finding's calls. */
  keys?: string[];
  /** Of those, the ones the baseline does not list for this credential. */
  unknownKeys?: string[];
  /** new-statement: the statement kind, its shape and what was new about it. */
  statement?: FindingStatement;
}

export interface FindingStatement {
  database: string;
  kind: string;
  /** The statement with its literals replaced (the parser's normalization), cut. */
  shape?: string;
  fingerprint?: string;
  relations: string[];
  /** Relations the baseline does not list for this kind. */
  newRelations: string[];
  /** Why the statement shown is never routine, when it is. */
  neverRoutine?: string;
  /** Never-routine shapes seen (what accepting the finding makes normal). */
  neverRoutineShapes: { fingerprint: string; statement: string }[];
  /** Samples the parser refused (each still gave its command keyword). */
  parseErrors?: number;
}

/** Metadata each detector carries: what on-call reads. */
export interface DetectorInfo {
  type: FindingType;
  title: string;
  whyItMatters: string;
  whatToDo: string;
  /** What on-call does when the finding is not expected: every type has one. */
  ifNotExpected: string;
}

/** What the nearest known values of a finding are, in words: `known credentials`, … */
export function nearestLabel(section: BaselineSection | null): string {
  return section === 'credentials' ? 'known credentials' : section === 'pairs' ? 'this credential is known from' : section === 'statements' ? 'statements it runs there' : 'known sources';
}

export function findingId(type: FindingType, target: string, source: string, credential: string | null): string {
  return sha256Hex([type, target, source, credential ?? ''].join('\u0000')).slice(0, 12);
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };
const TYPE_RANK = Object.fromEntries(FINDING_TYPES.map((t, i) => [t, i])) as Record<FindingType, number>;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic order: worst first, then kind, target, type, source, credential. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    cmp(a.kind, b.kind) ||
    cmp(a.target, b.target) ||
    TYPE_RANK[a.type] - TYPE_RANK[b.type] ||
    cmp(a.source, b.source) ||
    cmp(a.credential ?? '', b.credential ?? '')
  );
}
