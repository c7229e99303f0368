/** What every Cloud SQL audit entry shares (formats.md §4). */
import * as z from 'zod';
import type { LogEntry } from './log-entry.js';
import { AUDIT_LOG_TYPE } from './log-entry.js';
import { auditAuthenticationSchema, auditStatusSchema } from './gcs-data-access.js';

/** `project:instance` — from `resource.labels.database_id`, else from `resourceName` and the project label. */
export function cloudSqlTarget(entry: LogEntry): string | undefined {
  const labels = entry.resource?.labels ?? {};
  const databaseId = labels['database_id'];
  if (typeof databaseId === 'string' && databaseId.includes(':')) return databaseId;
  const resourceName = entry.protoPayload?.['resourceName'];
  const instance = typeof resourceName === 'string' ? /^instances\/([^/]+)$/.exec(resourceName)?.[1] : undefined;
  const project = labels['project_id'];
  return instance && typeof project === 'string' ? `${project}:${instance}` : undefined;
}

export function isCloudSqlAudit(entry: LogEntry): boolean {
  return entry.protoPayload?.['@type'] === AUDIT_LOG_TYPE && entry.protoPayload['serviceName'] === 'cloudsql.googleapis.com';
}

/** The `@type` of `protoPayload.request`, if any. */
export function requestType(entry: LogEntry): string | undefined {
  const request = entry.protoPayload?.['request'];
  if (request === null || typeof request !== 'object') return undefined;
  const type = (request as Record<string, unknown>)['@type'];
  return typeof type === 'string' ? type : undefined;
}

/** The fields of a Cloud SQL audit payload every parser of one reads (a new object per call: schemas extend it). */
export function cloudSqlAuditPayloadShape() {
  return {
    methodName: z.string(),
    authenticationInfo: auditAuthenticationSchema,
    authorizationInfo: z.array(z.looseObject({ granted: z.boolean().optional() })).optional(),
    requestMetadata: z.looseObject({ callerIp: z.string().optional(), callerSuppliedUserAgent: z.string().optional() }).optional(),
    status: auditStatusSchema,
  };
}

/** Built on first use (see logEntrySchema). */
export const cloudSqlAuditPayloadSchema = z.lazy(() => z.looseObject(cloudSqlAuditPayloadShape()));

/** Allowed unless the status has a code or an authorization item lacks `granted` (proto3 omits false). */
export function auditDenied(p: z.infer<typeof cloudSqlAuditPayloadSchema>): string | undefined {
  const code = p.status?.code ?? 0;
  if (code !== 0) return p.status?.message ?? `status ${code}`;
  if ((p.authorizationInfo ?? []).some((a) => a.granted !== true)) return 'PERMISSION_DENIED';
  return undefined;
}

/** Cloud SQL's own maintenance accounts: constant noise, never a finding. */
export function isCloudSqlMaintenanceUser(user: string): boolean {
  return /^cloudsql/i.test(user) || user.startsWith('mysql.');
}
