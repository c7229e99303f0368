/**
 * The baseline file: what is normal for one target. YAML in `baselines/<kind>/<target>.yaml`,
 * validated by this schema (strict: a misspelled field is an error, not silently ignored).
 * `npm run schema` writes the JSON Schema editors use from it.
 */
import * as z from 'zod';
import { LOG_KINDS } from '../access-event.js';
import { ipFamily, parseCidr } from '../ip.js';
import { strictDateProblem } from './dates.js';

/** The forms a source may take in a baseline (see README "Source identities"). */
export const SOURCE_MATCH_FORMS = ['ip', 'cidr', 'token', 'gke', 'gke-pool', 'vm', 'subnet', 'asn', 'country'] as const;

/** Why a source match string is invalid, or undefined when it is valid. */
export function sourceMatchProblem(match: string): string | undefined {
  if (!/^(ip|cidr|token|gke|gke-pool|vm|subnet|asn|country):\S+$/.test(match)) return 'must be <form>:<value>, e.g. ip:203.0.113.7 or gke:cluster/namespace';
  const colon = match.indexOf(':');
  const form = colon < 0 ? match : match.slice(0, colon);
  const value = colon < 0 ? '' : match.slice(colon + 1);
  if (!(SOURCE_MATCH_FORMS as readonly string[]).includes(form)) {
    return `must start with one of ${SOURCE_MATCH_FORMS.map((f) => `${f}:`).join(', ')} (got ${JSON.stringify(match.slice(0, 60))})`;
  }
  if (value === '') return `${form}: needs a value`;
  switch (form) {
    case 'ip':
      return ipFamily(value) === 0 ? `${JSON.stringify(value)} is not an IP address` : undefined;
    case 'cidr':
      return parseCidr(value) ? undefined : `${JSON.stringify(value)} is not a CIDR range like 203.0.113.0/24`;
    case 'asn':
      return /^\d+$/.test(value) ? undefined : `${JSON.stringify(value)} is not an AS number`;
    case 'vm':
    case 'gke-pool':
    case 'subnet':
      return /^[^/\s]+\/[^/\s]+$/.test(value) ? undefined : `${form}: must be <project-or-network>/<name>`;
    case 'gke':
      return /^[^/\s]+(\/[^/\s]+)?$/.test(value) ? undefined : 'gke: must be <cluster> or <cluster>/<namespace>';
    default:
      return /\s/.test(value) ? `${form}: must not contain spaces` : undefined;
  }
}

const sourceMatch = z
  .string()
  .regex(/^(ip|cidr|token|gke|gke-pool|vm|subnet|asn|country):\S+$/, { message: 'must be <form>:<value>, e.g. ip:203.0.113.7 or gke:cluster/namespace', abort: true })
  .superRefine((value, ctx) => {
  const problem = sourceMatchProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An exact credential (`sa@p.iam.gserviceaccount.com`, `a@x -> sa@y`, `db-user:app`) or a `*` glob. */
export const MAX_CREDENTIAL_LENGTH = 512;
const credentialMatch = z.string().min(1).max(MAX_CREDENTIAL_LENGTH);

/** A calendar date or an RFC 3339 timestamp (dates.ts): never whatever `Date.parse` makes of a string. */
const timestamp = z.string().superRefine((value, ctx) => {
  const problem = strictDateProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Evidence `learn` writes; analysts normally leave it alone. */
const evidence = {
  count: z.number().int().nonnegative().optional().describe('How many accesses learn saw (successful ones only).'),
  firstSeen: timestamp.optional().describe('Earliest access learn saw.'),
  lastSeen: timestamp.optional().describe('Latest access learn saw.'),
};

/** Annotations analysts add; `learn` never changes them. */
const annotation = {
  owner: z.string().optional().describe('Who answers for this entry (team, person).'),
  reason: z.string().optional().describe('Why it is normal.'),
  expires: timestamp.optional().describe('From this date (YYYY-MM-DD: 00:00 UTC that day) or time (RFC 3339) the entry no longer counts as normal.'),
};

export const sourceEntrySchema = z
  .strictObject({
    match: sourceMatch.describe('Source identity: ip:, cidr:, token:, gke:, gke-pool:, vm:, subnet:, asn:, country:'),
    distinctAddresses: z.number().int().positive().optional().describe('For a learned cidr: how many distinct addresses justified widening.'),
    ...evidence,
    ...annotation,
  })
  .describe('A source that is normal for this target.');

export const credentialEntrySchema = z
  .strictObject({
    match: credentialMatch.describe('Principal email, delegation chain "a -> b", db-user:<name>, or a glob with *.'),
    keys: z.array(z.string().min(1).max(128)).max(200).optional().describe('Service-account key ids seen signing this credential\'s calls (learned). A finding names a key not listed here.'),
    ...evidence,
    ...annotation,
  })
  .describe('A credential that is normal for this target.');

export const pairEntrySchema = z
  .strictObject({
    credential: credentialMatch.describe('A credential match, as in credentials[].match.'),
    source: sourceMatch.describe('A source match, as in sources[].match.'),
    ...evidence,
    ...annotation,
  })
  .describe('A credential that is normal from this source.');

export const statementShapeSchema = z
  .strictObject({
    fingerprint: z.string().regex(/^(?:[0-9a-f]{16}|kw-[a-z]+)$/, 'must be the 16-hex-digit fingerprint a finding shows').describe('The shape\'s fingerprint (what is compared).'),
    statement: z.string().max(4096).optional().describe('The statement with its literals replaced, for people (not compared).'),
  })
  .describe('A statement shape that is normal although its kind is never routine (COPY … TO PROGRAM, ALTER SYSTEM, …).');

export const statementEntrySchema = z
  .strictObject({
    database: z.string().min(1).describe('The database, or * for any.'),
    credential: credentialMatch.describe('A credential match, as in credentials[].match (db-user:<name>, a principal, or a glob with *).'),
    kind: z.string().min(1).max(200).describe('The statement kind: pgAudit "CLASS COMMAND" (READ SELECT, WRITE COPY, ROLE GRANT) or MySQL "CMD KEYWORD" (QUERY SELECT).'),
    relations: z.array(z.string().min(1).max(300)).max(2000).optional().describe('Relations this kind may touch; absent: any.'),
    shapes: z.array(statementShapeSchema).max(500).optional().describe('Never-routine statement shapes that are normal here.'),
    ...evidence,
    ...annotation,
  })
  .describe('A kind of SQL statement a credential normally runs on a database of this target.');

export const baselineSchema = z
  .strictObject({
    version: z.literal(1).describe('File format version.'),
    kind: z.enum(LOG_KINDS).describe('Which log kind the target belongs to.'),
    target: z.string().min(1).describe('Bucket name, project:instance, or a network destination: ip:port, project/network/ip:port for a private address within its VPC network, or gke:cluster/namespace/service:port.'),
    description: z.string().optional(),
    owner: z.string().optional(),
    sources: z.array(sourceEntrySchema).default([]),
    credentials: z.array(credentialEntrySchema).default([]),
    pairs: z.array(pairEntrySchema).default([]),
    listers: z
      .array(credentialMatch)
      .max(20_000)
      .optional()
      .describe('Cloud Storage only: credentials that normally list the bucket\'s objects (storage.objects.list). A target with no listers field is not checked for new enumeration.'),
    statements: z.array(statementEntrySchema).optional().describe('Cloud SQL only: the statements each credential normally runs. A target with no statements section is not checked for new statements.'),
  })
  .describe('log-audit baseline: what is normal for one target.');

/** The fields each part of a baseline file may have, by path (`[]`, `['sources', 0]` …): for "did you mean". */
export function fieldsAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(baselineSchema.shape);
  const section = path[0];
  if (path.length !== 2 || typeof path[1] !== 'number') return [];
  if (section === 'sources') return Object.keys(sourceEntrySchema.shape);
  if (section === 'credentials') return Object.keys(credentialEntrySchema.shape);
  if (section === 'pairs') return Object.keys(pairEntrySchema.shape);
  if (section === 'statements') return Object.keys(statementEntrySchema.shape);
  return [];
}

export type Baseline = z.output<typeof baselineSchema>;
export type SourceEntry = z.output<typeof sourceEntrySchema>;
export type CredentialEntry = z.output<typeof credentialEntrySchema>;
export type PairEntry = z.output<typeof pairEntrySchema>;
export type StatementEntry = z.output<typeof statementEntrySchema>;
export type BaselineSection = 'sources' | 'credentials' | 'pairs' | 'statements';

/** The JSON Schema for editors (`# yaml-language-server: $schema=…`). */
export function baselineJsonSchema(): unknown {
  return z.toJSONSchema(baselineSchema, { io: 'input', unrepresentable: 'any' });
}

/** Identity of a target across files: kind and name. */
export function targetKey(kind: string, target: string): string {
  return `${kind}|${target}`;
}
