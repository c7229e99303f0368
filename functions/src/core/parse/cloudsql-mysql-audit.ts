/**
 * MySQL audit entries (`cloudsql_mysql_audit` flag): `MysqlAuditEntry` in the Data Access log.
 * https://cloud.google.com/sql/docs/mysql/use-db-audit
 */
import * as z from 'zod';
import { eventRef } from '../access-event.js';
import { buildSource } from '../source-identity.js';
import { commandKeyword, MAX_STATEMENT_CHARS } from '../sql/statement.js';
import { cloudSqlTarget, isCloudSqlAudit, isCloudSqlMaintenanceUser, requestType } from './cloudsql-common.js';
import { checkTime, clip, describeIssues, type Parser } from './log-entry.js';

export const MYSQL_AUDIT_TYPE = 'type.googleapis.com/google.cloud.sql.audit.v1.MysqlAuditEntry';

/** Built on first use (see logEntrySchema). */
const mysqlAuditSchema = z.lazy(() =>
  z.looseObject({
    cmd: z.string(),
    user: z.string().optional(),
    privUser: z.string().optional(),
    ip: z.string().optional(),
    host: z.string().optional(),
    db: z.string().optional(),
    query: z.string().optional(),
    status: z.string().optional(),
    errCode: z.union([z.string(), z.number()]).optional(),
  }),
);

/** MySQL error 1045: access denied (bad password or unknown user). */
const ACCESS_DENIED = '1045';

export const cloudSqlMysqlAuditParser: Parser = {
  id: 'cloudsql-mysql-audit',
  claims: (entry) => isCloudSqlAudit(entry) && requestType(entry) === MYSQL_AUDIT_TYPE,
  parse(entry, ctx) {
    const request = mysqlAuditSchema.safeParse(entry.protoPayload?.['request']);
    if (!request.success) return { ok: false, error: `MySQL audit entry: ${describeIssues(request.error)}` };
    const r = request.data;
    const user = r.user || r.privUser || '';
    if (isCloudSqlMaintenanceUser(user)) return { ok: true, skip: 'Cloud SQL maintenance user' };
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const target = cloudSqlTarget(entry);
    if (!target) return { ok: false, error: 'MySQL audit entry names no instance (resource.labels.database_id)' };
    const errCode = r.errCode === undefined ? '0' : String(r.errCode);
    const failed = r.status === 'unsuccessful' || (errCode !== '0' && errCode !== '');
    const resource = r.query ? clip(r.query, 256) : r.db ? `database ${r.db}` : undefined;
    return {
      ok: true,
      event: {
        kind: 'cloudsql',
        target,
        source: buildSource({ ip: r.ip || '' }),
        credential: user ? { key: `db-user:${user}`, type: 'db-user' } : null,
        action: `mysql ${r.cmd}`,
        ...(resource !== undefined ? { resource } : {}),
        outcome: failed ? 'failure' : 'success',
        ...(failed ? { outcomeDetail: errCode === ACCESS_DENIED ? 'access denied (1045)' : `errCode ${errCode}` } : {}),
        time: time.time,
        ref: eventRef(ctx.ref, entry.insertId),
        // A statement (cmd query and the like) has its text; a connect has none.
        ...(r.query ? { statement: { dialect: 'mysql' as const, database: r.db || '*', kind: `${r.cmd.toUpperCase()} ${commandKeyword(r.query)}`, text: r.query.slice(0, MAX_STATEMENT_CHARS) } } : {}),
      },
    };
  },
};
