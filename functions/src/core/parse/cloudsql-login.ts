/**
 * `cloudsql.instances.login` — IAM database authentication (Data Access). The request carries the
 * client address, database and database user (PostgreSQL IAM users drop `.gserviceaccount.com`).
 */
import * as z from 'zod';
import { eventRef } from '../access-event.js';
import { buildSource } from '../source-identity.js';
import { auditCredential } from './gcs-data-access.js';
import { auditDenied, cloudSqlAuditPayloadShape, cloudSqlTarget, isCloudSqlAudit } from './cloudsql-common.js';
import { checkTime, describeIssues, type Parser } from './log-entry.js';

/** Built on first use (see logEntrySchema), once: not extended again for every entry. */
const loginPayloadSchema = z.lazy(() =>
  z.looseObject({
    ...cloudSqlAuditPayloadShape(),
    request: z.looseObject({ clientIpAddress: z.string().optional(), database: z.string().optional(), user: z.string().optional() }).optional(),
  }),
);

export const cloudSqlLoginParser: Parser = {
  id: 'cloudsql-login',
  claims: (entry) => isCloudSqlAudit(entry) && entry.protoPayload?.['methodName'] === 'cloudsql.instances.login',
  parse(entry, ctx) {
    const payload = loginPayloadSchema.safeParse(entry.protoPayload);
    if (!payload.success) return { ok: false, error: `Cloud SQL login entry: ${describeIssues(payload.error)}` };
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const target = cloudSqlTarget(entry);
    if (!target) return { ok: false, error: 'Cloud SQL login entry names no instance (resource.labels.database_id)' };
    const p = payload.data;
    const denied = auditDenied(p);
    const credential = auditCredential(p.authenticationInfo) ?? (p.request?.user ? { key: `db-user:${p.request.user}`, type: 'db-user' as const } : null);
    return {
      ok: true,
      event: {
        kind: 'cloudsql',
        target,
        source: buildSource({ ip: p.request?.clientIpAddress || p.requestMetadata?.callerIp || '' }),
        credential,
        action: 'cloudsql.instances.login',
        ...(p.request?.database ? { resource: `database ${p.request.database}` } : {}),
        outcome: denied ? 'failure' : 'success',
        ...(denied ? { outcomeDetail: denied } : {}),
        time: time.time,
        ref: eventRef(ctx.ref, entry.insertId),
      },
    };
  },
};
