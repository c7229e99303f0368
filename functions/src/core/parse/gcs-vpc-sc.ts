/**
 * VPC Service Controls denials of Cloud Storage calls: Policy Denied audit logs
 * (`cloudaudit.googleapis.com/policy`), `protoPayload.metadata` of type
 * `VpcServiceControlAuditMetadata`. The bucket is only in `metadata.resourceNames`
 * (`projects/_/buckets/B`, sometimes with `//storage.googleapis.com/` in front); the entry's
 * resource is an `audited_resource`. Each denial is a failed access to that bucket — counted, and
 * part of a burst like any other denial. A denial that names no bucket (a project or location) is
 * skipped with that reason.
 * https://cloud.google.com/vpc-service-controls/docs/audit-logging
 */
import * as z from 'zod';
import { eventRef } from '../access-event.js';
import { auditAuthenticationSchema, auditCredential, serviceAccountKeyId } from './gcs-data-access.js';
import { buildSource } from '../source-identity.js';
import { AUDIT_LOG_TYPE, checkTime, clip, describeIssues, logId, type Parser } from './log-entry.js';

const VPC_SC_METADATA = 'type.googleapis.com/google.cloud.audit.VpcServiceControlAuditMetadata';
const BUCKET_NAME = /(?:^|\/)projects\/_\/buckets\/([^/]+)/;

/** Built on first use (see logEntrySchema). */
const payloadSchema = z.lazy(() =>
  z.looseObject({
    serviceName: z.literal('storage.googleapis.com'),
    methodName: z.string(),
    authenticationInfo: auditAuthenticationSchema,
    requestMetadata: z.looseObject({ callerIp: z.string().optional(), callerSuppliedUserAgent: z.string().optional() }).optional(),
    metadata: z.looseObject({
      '@type': z.literal(VPC_SC_METADATA),
      resourceNames: z.array(z.string()).optional(),
      violationReason: z.string().optional(),
    }),
  }),
);

export const gcsVpcScParser: Parser = {
  id: 'gcs-vpc-service-controls',
  claims: (entry) =>
    entry.protoPayload?.['@type'] === AUDIT_LOG_TYPE &&
    entry.protoPayload['serviceName'] === 'storage.googleapis.com' &&
    logId(entry) === 'cloudaudit.googleapis.com/policy' &&
    (entry.protoPayload['metadata'] as { '@type'?: unknown } | undefined)?.['@type'] === VPC_SC_METADATA,
  parse(entry, ctx) {
    const payload = payloadSchema.safeParse(entry.protoPayload);
    if (!payload.success) return { ok: false, error: `VPC Service Controls denial: ${describeIssues(payload.error)}` };
    const p = payload.data;
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const bucket = (p.metadata.resourceNames ?? []).map((name) => BUCKET_NAME.exec(name)?.[1]).find((b) => b !== undefined && b !== '');
    if (!bucket) return { ok: true, skip: 'VPC Service Controls denial names no bucket (a project or location)' };
    const key = serviceAccountKeyId(p.authenticationInfo?.serviceAccountKeyName);
    const userAgent = p.requestMetadata?.callerSuppliedUserAgent;
    return {
      ok: true,
      event: {
        kind: 'gcs',
        target: bucket,
        source: buildSource({ ip: p.requestMetadata?.callerIp ?? '' }),
        credential: auditCredential(p.authenticationInfo),
        ...(key ? { credentialKey: key } : {}),
        action: p.methodName,
        outcome: 'failure',
        outcomeDetail: `denied by VPC Service Controls${p.metadata.violationReason ? ` (${clip(p.metadata.violationReason, 80)})` : ''}`,
        time: time.time,
        ...(userAgent !== undefined ? { userAgent: clip(userAgent, 256) } : {}),
        ref: eventRef(ctx.ref, entry.insertId),
      },
    };
  },
};
