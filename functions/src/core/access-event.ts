import type { StatementInfo } from './sql/statement.js';

/**
 * The normalized access event every parser produces: one exported log line (or, for postgres.log,
 * one joined connection) becomes one of these before any decision is made.
 */

/** The kinds of target a baseline describes. */
export const LOG_KINDS = ['gcs', 'cloudsql', 'vpc-flow'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/**
 * Changes to the pipeline itself (its sinks, buckets, audit config, functions, service accounts, and
 * writes to its state by anyone else): tamper evidence, read from the tamper export only. Events of
 * this kind are always a HIGH finding — never baselined, learned, summarized as evidence or held.
 */
export const PIPELINE_KIND = 'pipeline';
export const EVENT_KINDS = [...LOG_KINDS, PIPELINE_KIND] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const OUTCOMES = ['success', 'failure', 'unknown'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the best available identity of a source is; decides how `learn` generalizes it. */
export interface SourceDetails {
  /** The raw address (or a redaction token such as `private`). */
  ip?: string;
  gke?: { cluster: string; namespace?: string; pod?: string; workload?: string; service?: string; location?: string };
  vm?: { project?: string; name: string; zone?: string };
  vpc?: { project?: string; network?: string; subnetwork?: string };
  location?: { asn?: number; country?: string; region?: string; city?: string; continent?: string };
  /** True when a PostgreSQL connection came over the local socket (`host=[local]`): the Cloud SQL Auth Proxy or a connector. */
  viaCloudSqlProxy?: boolean;
}

export interface Source {
  /**
   * The stable identity used for grouping and learning, e.g. `gke:prod-cluster/payments`,
   * `vm:example-project/app-vm-1`, `ip:203.0.113.7`, `cidr:2001:db8:1:2::/64`, `token:private`,
   * `unrecorded` (the log carries no client address, e.g. pgAudit).
   */
  key: string;
  /** Every identity a baseline entry may match, most specific first (always includes `key`). */
  identities: string[];
  details: SourceDetails;
}

export interface Credential {
  /** `principal@…`, `a@x -> sa@y` for a delegation chain, or `db-user:name` for a database user. */
  key: string;
  type: 'iam' | 'db-user';
}

export interface EventRef {
  file: string;
  line: number;
  insertId?: string;
}

/** The ref of an event read at `at` (file and line): with the entry's insertId when it has a non-empty one. */
export function eventRef(at: EventRef, insertId: string | undefined): EventRef {
  return insertId ? { file: at.file, line: at.line, insertId } : { file: at.file, line: at.line };
}

export interface AccessEvent {
  kind: EventKind;
  /** What was touched: bucket name, `project:instance`, or a network destination (`ip:port`, `project/network/ip:port`, `gke:…`). */
  target: string;
  source: Source;
  credential: Credential | null;
  /** methodName, SQL command / connection event, or `tcp/6379`. */
  action: string;
  /** Object name, database, or statement excerpt — attacker-controlled text, never trusted. */
  resource?: string;
  outcome: Outcome;
  /** Why the outcome is a failure, e.g. `PERMISSION_DENIED`, `errCode 1045`. */
  outcomeDetail?: string;
  /** ISO-8601 time the access happened. */
  time: string;
  userAgent?: string;
  ref: EventRef;
  /** The id of the service-account key that signed the call (`authenticationInfo.serviceAccountKeyName`). */
  credentialKey?: string;
  /** The SQL statement of a pgAudit or MySQL audit entry (statement baselines, core/sql/). */
  statement?: StatementInfo;
  /** `time` in ms since the epoch, when the parser already computed it (saves a second parse). */
  timeMs?: number;
  /** The detection group key, when the parser already knows it (fast-path identity cache). */
  groupKey?: string;
}
