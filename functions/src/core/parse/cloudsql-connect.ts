/**
 * `cloudsql.instances.connect` — Auth Proxy / connectors / `gcloud sql connect`. An Admin Activity
 * event: it names the IAM principal and caller IP, not the database user.
 * https://cloud.google.com/sql/docs/mysql/audit-logging
 */
import { buildSource } from '../source-identity.js';
import { eventRef } from '../access-event.js';
import { auditCredential, serviceAccountKeyId } from './gcs-data-access.js';
import { auditDenied, cloudSqlAuditPayloadSchema, cloudSqlTarget, isCloudSqlAudit } from './cloudsql-common.js';
import { checkTime, clip, describeIssues, type Parser } from './log-entry.js';

export const cloudSqlConnectParser: Parser = {
  id: 'cloudsql-connect',
  claims: (entry) => isCloudSqlAudit(entry) && entry.protoPayload?.['methodName'] === 'cloudsql.instances.connect',
  parse(entry, ctx) {
    const payload = cloudSqlAuditPayloadSchema.safeParse(entry.protoPayload);
    if (!payload.success) return { ok: false, error: `Cloud SQL connect entry: ${describeIssues(payload.error)}` };
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const target = cloudSqlTarget(entry);
    if (!target) return { ok: false, error: 'Cloud SQL connect entry names no instance (resource.labels.database_id)' };
    const p = payload.data;
    const denied = auditDenied(p);
    const userAgent = p.requestMetadata?.callerSuppliedUserAgent;
    const key = serviceAccountKeyId(p.authenticationInfo?.serviceAccountKeyName);
    return {
      ok: true,
      event: {
        kind: 'cloudsql',
        target,
        source: buildSource({ ip: p.requestMetadata?.callerIp ?? '' }),
        credential: auditCredential(p.authenticationInfo),
        ...(key ? { credentialKey: key } : {}),
        action: 'cloudsql.instances.connect',
        outcome: denied ? 'failure' : 'success',
        ...(denied ? { outcomeDetail: denied } : {}),
        time: time.time,
        ...(userAgent !== undefined ? { userAgent: clip(userAgent, 256) } : {}),
        ref: eventRef(ctx.ref, entry.insertId),
      },
    };
  },
};
