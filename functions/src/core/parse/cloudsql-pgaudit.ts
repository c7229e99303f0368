/**
 * pgAudit entries (`cloudsql.enable_pgaudit`): `PgAuditEntry` in the Data Access log. They name the
 * database user but carry no client address, so their source is `unrecorded`.
 * https://cloud.google.com/sql/docs/postgres/pg-audit
 */
import { z } from 'zod';
import { eventRef } from '../access-event.js';
import { UNRECORDED } from '../source-identity.js';
import { cloudSqlTarget, isCloudSqlAudit, isCloudSqlMaintenanceUser, requestType } from './cloudsql-common.js';
import { checkTime, clip, describeIssues, type Parser } from './log-entry.js';

export const PGAUDIT_TYPE = 'type.googleapis.com/google.cloud.sql.audit.v1.PgAuditEntry';

const int64 = z.union([z.string(), z.number()]);
const pgAuditSchema = z.looseObject({
  auditClass: z.string().optional(),
  command: z.string().optional(),
  database: z.string().optional(),
  user: z.string(),
  statement: z.string().optional(),
  chunkIndex: int64.optional(),
});

export const cloudSqlPgAuditParser: Parser = {
  id: 'cloudsql-pgaudit',
  claims: (entry) => isCloudSqlAudit(entry) && requestType(entry) === PGAUDIT_TYPE,
  parse(entry, ctx) {
    const request = pgAuditSchema.safeParse(entry.protoPayload?.['request']);
    if (!request.success) return { ok: false, error: `pgAudit entry: ${describeIssues(request.error)}` };
    const r = request.data;
    if (isCloudSqlMaintenanceUser(r.user)) return { ok: true, skip: 'Cloud SQL maintenance user' };
    // Long statements are split into chunks; the first one stands for the statement.
    if (r.chunkIndex !== undefined && String(r.chunkIndex) !== '1') return { ok: true, skip: 'pgAudit continuation chunk' };
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const target = cloudSqlTarget(entry);
    if (!target) return { ok: false, error: 'pgAudit entry names no instance (resource.labels.database_id)' };
    const statement = r.statement ? clip(r.statement, 256) : undefined;
    const resource = [r.database ? `database ${r.database}` : '', statement ?? ''].filter(Boolean).join(': ');
    return {
      ok: true,
      event: {
        kind: 'cloudsql',
        target,
        source: UNRECORDED,
        credential: { key: `db-user:${r.user}`, type: 'db-user' },
        action: `pgaudit ${r.auditClass ?? '?'} ${r.command ?? '?'}`,
        ...(resource ? { resource } : {}),
        outcome: 'success',
        time: time.time,
        ref: eventRef(ctx.ref, entry.insertId),
      },
    };
  },
};
