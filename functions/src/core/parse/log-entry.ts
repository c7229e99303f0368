/**
 * The Cloud Logging `LogEntry` envelope as a sink writes it to GCS (formats.md §1).
 * Only the fields we route on are validated here; each parser validates its own payload.
 */
import * as z from 'zod';
import type { AccessEvent, EventRef } from '../access-event.js';

/**
 * The full parsers' schemas are built on first use (z.lazy), not at import: the fast path decides
 * nearly every line, and at import they were 274 of the 725 zod objects a CLI run built before
 * reading its first byte (a cold function start builds them too).
 */
export const logEntrySchema = z.lazy(() =>
  z.looseObject({
    logName: z.string().optional(),
    resource: z
      .looseObject({
        type: z.string().optional(),
        labels: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    timestamp: z.string().optional(),
    receiveTimestamp: z.string().optional(),
    severity: z.string().optional(),
    insertId: z.string().optional(),
    protoPayload: z.looseObject({ '@type': z.string().optional() }).optional().nullable(),
    jsonPayload: z.record(z.string(), z.unknown()).optional().nullable(),
    textPayload: z.string().optional().nullable(),
  }),
);
export type LogEntry = z.infer<typeof logEntrySchema>;

/** What a parser makes of one entry. `skip` is a recognized entry that is not an access (a counted value). */
export type ParseResult =
  | { ok: true; event: AccessEvent; join?: PostgresJoin }
  | { ok: true; skip: string }
  | { ok: false; error: string };

/**
 * Lines joined with others in line order: postgres.log connection lines per pid (postgres-log.ts),
 * and the chunks of a long pgAudit statement (cloudsql-pgaudit.ts; `chunk-part` lines are text for
 * their first chunk, not accesses).
 */
export type PostgresJoin =
  | { role: 'received'; session: string; host: string }
  | { role: 'outcome'; session: string }
  | { role: 'chunk-first'; key: string; count: number }
  | { role: 'chunk-part'; key: string; index: number };

export interface ParseContext {
  ref: EventRef;
  /** Timestamps later than this (ms since epoch) are rejected as malformed. */
  latestPlausibleMs: number;
  /** Reading the tamper export: every audit entry is a change to the pipeline (pipeline-change.ts). */
  pipelineChanges?: boolean;
}

/** One parser per log shape, one signature. */
export interface Parser {
  id: string;
  /** True when this parser is responsible for the entry (cheap checks on routing fields only). */
  claims(entry: LogEntry): boolean;
  parse(entry: LogEntry, ctx: ParseContext): ParseResult;
}

/** Oldest time we accept: audit logs did not exist before this. */
const EARLIEST_PLAUSIBLE_MS = Date.UTC(2010, 0, 1);

/** True for a time (ms) between 2010 and the context's latest plausible moment. */
export function plausibleMs(ms: number, ctx: ParseContext): boolean {
  return !Number.isNaN(ms) && ms >= EARLIEST_PLAUSIBLE_MS && ms <= ctx.latestPlausibleMs;
}

/** Validates an RFC 3339 timestamp and returns it normalized, or an error value. */
export function checkTime(value: unknown, ctx: ParseContext, field: string): { ok: true; time: string } | { ok: false; error: string } {
  if (typeof value !== 'string' || value === '') return { ok: false, error: `${field} is missing` };
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return { ok: false, error: `${field} ${JSON.stringify(value.slice(0, 40))} is not a timestamp` };
  if (!plausibleMs(ms, ctx)) {
    return { ok: false, error: `${field} ${JSON.stringify(value.slice(0, 40))} is outside the plausible range` };
  }
  // Kept as written only when it is RFC 3339 (as Cloud Logging writes it); anything else Date.parse
  // accepts (`… GMT+0000 (\u001b[2J…)`) is rewritten as ISO, so no log text rides along as a time.
  return { ok: true, time: RFC3339.test(value) ? value : new Date(ms).toISOString() };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Formats zod issues as `path: message; …` for one-line error values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(entry)'}: ${issue.message}`)
    .join('; ');
}

/** The log id of an entry: `projects/p/logs/cloudaudit.googleapis.com%2Factivity` → `cloudaudit.googleapis.com/activity`. */
export function logId(entry: LogEntry): string {
  const name = entry.logName ?? '';
  const at = name.indexOf('/logs/');
  const id = at >= 0 ? name.slice(at + 6) : name;
  return id.includes('%') ? safeDecode(id) : id;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog';

/** Truncates attacker-controlled text kept in events, so one huge value cannot bloat reports. */
export function clip(text: string, max = 512): string {
  return text.length > max ? `${text.slice(0, max)}…[${text.length - max} more chars]` : text;
}
