/**
 * Changes to the pipeline itself (tamper evidence), read from the tamper export only: Admin Activity
 * entries that change its sinks, its buckets' IAM or retention, the Data Access audit config, its
 * functions or service accounts, and Data Access entries of writes to its state bucket by anyone but
 * its functions. The tamper sink's filter (infra/filters.ts) decides what reaches this parser, so in
 * that mode every audit entry is a change: who (credential), from where (callerIp), what (method,
 * resource and a summary of the change).
 * https://cloud.google.com/logging/docs/audit/understanding-audit-logs
 */
import * as z from 'zod';
import { eventRef, PIPELINE_KIND, type AccessEvent } from '../access-event.js';
import { buildSource, UNRECORDED } from '../source-identity.js';
import { auditAuthenticationSchema, auditCredential, auditStatusSchema } from './gcs-data-access.js';
import { AUDIT_LOG_TYPE, checkTime, clip, describeIssues, type Parser } from './log-entry.js';

/** Built on first use (see logEntrySchema). */
const changeSchema = z.lazy(() =>
  z.looseObject({
    serviceName: z.string(),
    methodName: z.string(),
    resourceName: z.string().optional(),
    authenticationInfo: auditAuthenticationSchema,
    requestMetadata: z.looseObject({ callerIp: z.string().optional(), callerSuppliedUserAgent: z.string().optional() }).optional(),
    status: auditStatusSchema,
    request: z.record(z.string(), z.unknown()).optional(),
    serviceData: z.record(z.string(), z.unknown()).optional(),
  }),
);
type Change = z.infer<typeof changeSchema>;

const OBJECT_IN_BUCKET = /^(projects\/_\/buckets\/[^/]+)\/objects\/(.*)$/s;

/** What was changed: the resource, with an object's bucket as the target and the object as the detail. */
function targetOf(change: Change): { target: string; object?: string } {
  const name = change.resourceName ?? '';
  const inBucket = OBJECT_IN_BUCKET.exec(name);
  if (inBucket) return { target: inBucket[1]!, object: inBucket[2]! };
  return { target: name || change.serviceName };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const rec = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** A short, plain summary of what the request changed (log text: clipped, never trusted). */
export function changeSummary(change: Change): string | undefined {
  const parts: string[] = [];
  const delta = rec(rec(change.serviceData)?.['policyDelta']);
  for (const d of (delta?.['auditConfigDeltas'] as unknown[] | undefined) ?? []) {
    const r = rec(d);
    if (r) parts.push(`audit config ${str(r['action']) ?? '?'} ${str(r['service']) ?? '?'} ${str(r['logType']) ?? ''}`.trim());
  }
  for (const d of (delta?.['bindingDeltas'] as unknown[] | undefined) ?? []) {
    const r = rec(d);
    if (r) parts.push(`${str(r['action']) ?? '?'} ${str(r['role']) ?? '?'} ${str(r['member']) ?? '?'}`);
  }
  const request = change.request;
  const mask = str(request?.['updateMask']);
  if (mask) parts.push(`fields: ${mask}`);
  const sink = rec(request?.['sink']);
  if (sink) {
    if (sink['disabled'] === true) parts.push('sink disabled');
    const exclusions = sink['exclusions'];
    if (Array.isArray(exclusions)) parts.push(`${exclusions.length} exclusion${exclusions.length === 1 ? '' : 's'}${exclusions.length ? `: ${exclusions.map((e) => str(rec(e)?.['filter']) ?? '?').join(' | ')}` : ''}`);
    const filter = str(sink['filter']);
    if (filter !== undefined && mask?.includes('filter')) parts.push(`filter: ${filter}`);
  }
  return parts.length > 0 ? clip(parts.join('; '), 512) : undefined;
}

export const pipelineChangeParser: Parser = {
  id: 'pipeline-change',
  claims: (entry) => entry.protoPayload?.['@type'] === AUDIT_LOG_TYPE,
  parse(entry, ctx) {
    const payload = changeSchema.safeParse(entry.protoPayload);
    if (!payload.success) return { ok: false, error: `audit entry: ${describeIssues(payload.error)}` };
    const change = payload.data;
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const { target, object } = targetOf(change);
    const ip = change.requestMetadata?.callerIp;
    const failed = (change.status?.code ?? 0) !== 0;
    const summary = changeSummary(change);
    const event: AccessEvent = {
      kind: PIPELINE_KIND,
      target: clip(target, 512),
      source: ip ? buildSource({ ip }) : UNRECORDED,
      credential: auditCredential(change.authenticationInfo),
      action: clip(change.methodName, 256),
      outcome: failed ? 'failure' : 'success',
      time: time.time,
      ref: eventRef(ctx.ref, entry.insertId),
    };
    const resource = [object, summary].filter((x): x is string => x !== undefined).join(' — ');
    if (resource) event.resource = clip(resource, 512);
    if (failed) event.outcomeDetail = change.status?.message ?? `status ${change.status?.code}`;
    const agent = change.requestMetadata?.callerSuppliedUserAgent;
    if (agent !== undefined) event.userAgent = clip(agent, 256);
    return { ok: true, event };
  },
};
