/**
 * Cloud Storage Data Access audit logs (formats.md §2).
 * https://cloud.google.com/storage/docs/audit-logging
 */
import * as z from 'zod';
import { eventRef, type AccessEvent, type Credential, type EventRef, type Source } from '../access-event.js';
import { buildSource, UNRECORDED } from '../source-identity.js';
import { AUDIT_LOG_TYPE, checkTime, clip, describeIssues, type Parser } from './log-entry.js';

/** An audit log's caller (built on first use, as every full parser's schema: see logEntrySchema). */
export const auditAuthenticationSchema = z.lazy(() =>
  z
    .looseObject({
      principalEmail: z.string().optional(),
      principalSubject: z.string().optional(),
      serviceAccountDelegationInfo: z
        .array(
          z.looseObject({
            firstPartyPrincipal: z.looseObject({ principalEmail: z.string().optional() }).optional(),
            thirdPartyPrincipal: z.record(z.string(), z.unknown()).optional(),
          }),
        )
        .optional(),
      serviceAccountKeyName: z.string().optional(),
    })
    .optional(),
);

/**
 * The key id of `authenticationInfo.serviceAccountKeyName`
 * (`//iam.googleapis.com/projects/P/serviceAccounts/SA/keys/KEY_ID`): which key of a service
 * account signed the call. A stolen key shows as a known account with an unknown key.
 */
export function serviceAccountKeyId(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const id = /\/keys\/([^/\s]+)$/.exec(name)?.[1];
  return id && id.length <= 128 ? id : undefined;
}

/** proto3 JSON omits zero values: `status: {}` is OK (code 0). */
export const auditStatusSchema = z.lazy(() => z.looseObject({ code: z.number().optional(), message: z.string().optional() }).optional());

const gcsPayloadSchema = z.lazy(() =>
  z.looseObject({
    serviceName: z.literal('storage.googleapis.com'),
    methodName: z.string(),
    resourceName: z.string().optional(),
    authenticationInfo: auditAuthenticationSchema,
    authorizationInfo: z.array(z.looseObject({ granted: z.boolean().optional() })).optional(),
    requestMetadata: z
      .looseObject({ callerIp: z.string().optional(), callerSuppliedUserAgent: z.string().optional(), callerNetwork: z.string().optional() })
      .optional(),
    status: auditStatusSchema,
  }),
);

/**
 * The credential of an audit-log caller. Impersonation shows as a delegation chain, original caller
 * first (the order `serviceAccountDelegationInfo` guarantees), so the key reads "who acted as whom".
 */
export function auditCredential(auth: z.infer<typeof auditAuthenticationSchema>): Credential | null {
  const principal = auth?.principalEmail || auth?.principalSubject;
  if (!principal) return null;
  const chain = (auth?.serviceAccountDelegationInfo ?? [])
    .map((d) => d.firstPartyPrincipal?.principalEmail ?? (d.thirdPartyPrincipal ? 'third-party-principal' : undefined))
    .filter((p): p is string => typeof p === 'string' && p !== '');
  return { key: [...chain, principal].join(' -> '), type: 'iam' };
}

/** `//compute.googleapis.com/projects/p/global/networks/n` → `{ vpc: { project: p, network: n } }`. */
function callerNetwork(value: string | undefined): { vpc?: { project: string; network: string } } {
  const match = /projects\/([^/]+)\/global\/networks\/([^/]+)$/.exec(value ?? '');
  return match ? { vpc: { project: match[1]!, network: match[2]! } } : {};
}

/** Sources of callers known only by their address: one shared object per address (bounded). */
const ipSources = new Map<string, Source>();
const IP_SOURCES_LIMIT = 10_000;

function ipSource(ip: string): Source {
  let source = ipSources.get(ip);
  if (!source) {
    if (ipSources.size >= IP_SOURCES_LIMIT) ipSources.clear();
    source = buildSource({ ip });
    ipSources.set(ip, source);
  }
  return source;
}

/** The caller: by address (and network when logged); an entry without `callerIp` records no source. */
function gcsSource(callerIp: string | undefined, network: string | undefined): Source {
  if (network !== undefined) return buildSource({ ...(callerIp ? { ip: callerIp } : {}), ...callerNetwork(network) });
  return callerIp ? ipSource(callerIp) : UNRECORDED;
}

const BUCKET_IN_RESOURCE = /^projects\/_\/buckets\/([^/]+)(?:\/objects\/(.*))?$/s;

/** What a GCS data-access entry says, however it was read (full parser or fast path). */
export interface GcsFields {
  bucketLabel: string | undefined;
  resourceName: string | undefined;
  method: string;
  callerIp: string | undefined;
  callerNetwork: string | undefined;
  credential: Credential | null;
  /** The service-account key id that signed the call, when the log names one. */
  credentialKey?: string | undefined;
  userAgent: string | undefined;
  statusCode: number;
  statusMessage: string | undefined;
  /** Every authorization item says `granted: true`. */
  allGranted: boolean;
  time: string;
  ref: EventRef;
}

/** One GCS data access as an event, or 'skip' when it names no bucket. Shared with the fast path. */
export function gcsEvent(f: GcsFields): AccessEvent | 'skip' {
  const inResource = BUCKET_IN_RESOURCE.exec(f.resourceName ?? '');
  const bucket = f.bucketLabel !== undefined && f.bucketLabel !== '' ? f.bucketLabel : inResource?.[1];
  if (!bucket) return 'skip';
  // A missing `granted` means denied (proto3 omits false); a non-zero status code is a failure.
  // https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog#authorizationinfo
  const denied = f.statusCode !== 0 || !f.allGranted;
  const event: AccessEvent = {
    kind: 'gcs',
    target: bucket,
    source: gcsSource(f.callerIp, f.callerNetwork),
    credential: f.credential,
    action: f.method,
    outcome: denied ? 'failure' : 'success',
    time: f.time,
    ref: f.ref,
  };
  // Optional fields are set only when present (assigned, not spread: this runs for every line).
  if (inResource?.[2] !== undefined) event.resource = clip(inResource[2]);
  if (denied) event.outcomeDetail = f.statusMessage ?? (f.statusCode !== 0 ? `status ${f.statusCode}` : 'PERMISSION_DENIED');
  if (f.userAgent !== undefined) event.userAgent = clip(f.userAgent, 256);
  if (f.credentialKey !== undefined) event.credentialKey = f.credentialKey;
  return event;
}

export const gcsDataAccessParser: Parser = {
  id: 'gcs-data-access',
  claims: (entry) => entry.protoPayload?.['@type'] === AUDIT_LOG_TYPE && entry.protoPayload['serviceName'] === 'storage.googleapis.com',
  parse(entry, ctx) {
    const payload = gcsPayloadSchema.safeParse(entry.protoPayload);
    if (!payload.success) return { ok: false, error: `GCS audit entry: ${describeIssues(payload.error)}` };
    const p = payload.data;
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const labelBucket = entry.resource?.labels?.['bucket_name'];
    const event = gcsEvent({
      bucketLabel: typeof labelBucket === 'string' ? labelBucket : undefined,
      resourceName: p.resourceName,
      method: p.methodName,
      callerIp: p.requestMetadata?.callerIp,
      callerNetwork: p.requestMetadata?.callerNetwork,
      credential: auditCredential(p.authenticationInfo),
      credentialKey: serviceAccountKeyId(p.authenticationInfo?.serviceAccountKeyName),
      userAgent: p.requestMetadata?.callerSuppliedUserAgent,
      statusCode: p.status?.code ?? 0,
      statusMessage: p.status?.message,
      allGranted: (p.authorizationInfo ?? []).every((a) => a.granted === true),
      time: time.time,
      ref: eventRef(ctx.ref, entry.insertId),
    });
    return event === 'skip' ? { ok: true, skip: `GCS ${p.methodName} names no bucket` } : { ok: true, event };
  },
};
