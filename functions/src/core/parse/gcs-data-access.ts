/**
 * Cloud Storage Data Access audit logs (formats.md §2).
 * https://cloud.google.com/storage/docs/audit-logging
 */
import { z } from 'zod';
import type { Credential } from '../access-event.js';
import { buildSource } from '../source-identity.js';
import { AUDIT_LOG_TYPE, checkTime, clip, describeIssues, type Parser } from './log-entry.js';

const delegationSchema = z.looseObject({
  firstPartyPrincipal: z.looseObject({ principalEmail: z.string().optional() }).optional(),
  thirdPartyPrincipal: z.record(z.string(), z.unknown()).optional(),
});

export const auditAuthenticationSchema = z
  .looseObject({
    principalEmail: z.string().optional(),
    principalSubject: z.string().optional(),
    serviceAccountDelegationInfo: z.array(delegationSchema).optional(),
  })
  .optional();

/** proto3 JSON omits zero values: `status: {}` is OK (code 0). */
export const auditStatusSchema = z
  .looseObject({ code: z.number().optional(), message: z.string().optional() })
  .optional();

const gcsPayloadSchema = z.looseObject({
  serviceName: z.literal('storage.googleapis.com'),
  methodName: z.string(),
  resourceName: z.string().optional(),
  authenticationInfo: auditAuthenticationSchema,
  authorizationInfo: z.array(z.looseObject({ granted: z.boolean().optional() })).optional(),
  requestMetadata: z
    .looseObject({ callerIp: z.string().optional(), callerSuppliedUserAgent: z.string().optional(), callerNetwork: z.string().optional() })
    .optional(),
  status: auditStatusSchema,
});

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

const BUCKET_IN_RESOURCE = /^projects\/_\/buckets\/([^/]+)(?:\/objects\/(.*))?$/s;

export const gcsDataAccessParser: Parser = {
  id: 'gcs-data-access',
  claims: (entry) => entry.protoPayload?.['@type'] === AUDIT_LOG_TYPE && entry.protoPayload['serviceName'] === 'storage.googleapis.com',
  parse(entry, ctx) {
    const payload = gcsPayloadSchema.safeParse(entry.protoPayload);
    if (!payload.success) return { ok: false, error: `GCS audit entry: ${describeIssues(payload.error)}` };
    const p = payload.data;
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const inResource = BUCKET_IN_RESOURCE.exec(p.resourceName ?? '');
    const labelBucket = entry.resource?.labels?.['bucket_name'];
    const bucket = typeof labelBucket === 'string' && labelBucket !== '' ? labelBucket : inResource?.[1];
    if (!bucket) return { ok: true, skip: `GCS ${p.methodName} names no bucket` };
    // A missing `granted` means denied (proto3 omits false); a non-zero status code is a failure.
    // https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog#authorizationinfo
    const code = p.status?.code ?? 0;
    const denied = code !== 0 || (p.authorizationInfo ?? []).some((a) => a.granted !== true);
    const userAgent = p.requestMetadata?.callerSuppliedUserAgent;
    return {
      ok: true,
      event: {
        kind: 'gcs',
        target: bucket,
        source: buildSource({ ip: p.requestMetadata?.callerIp ?? '', ...callerNetwork(p.requestMetadata?.callerNetwork) }),
        credential: auditCredential(p.authenticationInfo),
        action: p.methodName,
        ...(inResource?.[2] !== undefined ? { resource: clip(inResource[2]) } : {}),
        outcome: denied ? 'failure' : 'success',
        ...(denied ? { outcomeDetail: p.status?.message ?? (code !== 0 ? `status ${code}` : 'PERMISSION_DENIED') } : {}),
        time: time.time,
        ...(userAgent !== undefined ? { userAgent: clip(userAgent, 256) } : {}),
        ref: { ...ctx.ref, ...(entry.insertId ? { insertId: entry.insertId } : {}) },
      },
    };
  },
};
