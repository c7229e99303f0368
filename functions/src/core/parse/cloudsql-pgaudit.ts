/**
 * pgAudit entries (`cloudsql.enable_pgaudit`): `PgAuditEntry` in the Data Access log. They name the
 * database user but carry no client address, so their source is `unrecorded`. Each carries its
 * statement (statement baselines, core/sql/): kind `auditClass command`, the database, the text,
 * and the relation pgAudit's OBJECT audit names (`object`, when present). Long statements are
 * split into chunks (`chunkCount`, `chunkIndex`, strings): the first chunk is the access, the
 * others are joined to it in line order (StatementChunks) before the statement is parsed.
 * https://cloud.google.com/sql/docs/postgres/pg-audit
 */
import * as z from 'zod';
import { eventRef, type AccessEvent } from '../access-event.js';
import { MAX_STATEMENT_CHARS, type StatementInfo } from '../sql/statement.js';
import { UNRECORDED } from '../source-identity.js';
import { cloudSqlTarget, isCloudSqlAudit, isCloudSqlMaintenanceUser, requestType } from './cloudsql-common.js';
import { checkTime, clip, describeIssues, type Parser } from './log-entry.js';

export const PGAUDIT_TYPE = 'type.googleapis.com/google.cloud.sql.audit.v1.PgAuditEntry';

/** Built on first use (see logEntrySchema). */
const pgAuditSchema = z.lazy(() => {
  const int64 = z.union([z.string(), z.number()]);
  return z.looseObject({
    auditClass: z.string().optional(),
    command: z.string().optional(),
    database: z.string().optional(),
    user: z.string(),
    statement: z.string().optional(),
    object: z.string().optional(),
    chunkIndex: int64.optional(),
    chunkCount: int64.optional(),
    databaseSessionId: int64.optional(),
    statementId: int64.optional(),
    substatementId: int64.optional(),
  });
});

function chunkNumber(value: string | number | undefined): number {
  const n = Number(value ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

export const cloudSqlPgAuditParser: Parser = {
  id: 'cloudsql-pgaudit',
  claims: (entry) => isCloudSqlAudit(entry) && requestType(entry) === PGAUDIT_TYPE,
  parse(entry, ctx) {
    const request = pgAuditSchema.safeParse(entry.protoPayload?.['request']);
    if (!request.success) return { ok: false, error: `pgAudit entry: ${describeIssues(request.error)}` };
    const r = request.data;
    if (isCloudSqlMaintenanceUser(r.user)) return { ok: true, skip: 'Cloud SQL maintenance user' };
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const target = cloudSqlTarget(entry);
    if (!target) return { ok: false, error: 'pgAudit entry names no instance (resource.labels.database_id)' };
    const index = chunkNumber(r.chunkIndex);
    const count = Math.max(index, chunkNumber(r.chunkCount));
    const kind = `${(r.auditClass ?? '?').toUpperCase()} ${(r.command ?? '?').toUpperCase()}`;
    const statement: StatementInfo = {
      dialect: 'postgres',
      database: r.database || '*',
      kind,
      text: (r.statement ?? '').slice(0, MAX_STATEMENT_CHARS),
      ...(r.object ? { objects: [r.object.toLowerCase()] } : {}),
    };
    const shown = r.statement ? clip(r.statement, 256) : undefined;
    const resource = [r.database ? `database ${r.database}` : '', shown ?? ''].filter(Boolean).join(': ');
    const event: AccessEvent = {
      kind: 'cloudsql',
      target,
      source: UNRECORDED,
      credential: { key: `db-user:${r.user}`, type: 'db-user' },
      action: `pgaudit ${r.auditClass ?? '?'} ${r.command ?? '?'}`,
      ...(resource ? { resource } : {}),
      outcome: 'success',
      time: time.time,
      ref: eventRef(ctx.ref, entry.insertId),
      statement,
    };
    if (count === 1) return { ok: true, event };
    // One statement: its session, statement and sub-statement ids, on this instance.
    const key = [target, r.databaseSessionId ?? '', r.statementId ?? '', r.substatementId ?? ''].join('|');
    statement.chunk = { key, index, count };
    return index === 1 ? { ok: true, event, join: { role: 'chunk-first', key, count } } : { ok: true, event, join: { role: 'chunk-part', key, index } };
  },
};

/**
 * The chunks of long pgAudit statements, joined in line order: a first chunk waits (bounded) until
 * its parts have come, then is released with the whole text; a part whose first chunk is not here
 * (it was in another file) is dropped, as it is not an access. What is still waiting at the end of
 * a file is released with the text it has.
 */
export class StatementChunks {
  private readonly pending = new Map<string, { event: AccessEvent; parts: string[]; seen: number; count: number }>();

  constructor(private readonly limit = 10_000) {}

  /** A first chunk; returns events to emit now (an older one released to stay bounded). */
  first(key: string, count: number, event: AccessEvent): AccessEvent[] {
    const released: AccessEvent[] = [];
    const previous = this.pending.get(key);
    if (previous) released.push(this.finish(key, previous));
    this.pending.set(key, { event, parts: [], seen: 1, count });
    if (this.pending.size > this.limit) {
      const [oldestKey, oldest] = this.pending.entries().next().value as [string, { event: AccessEvent; parts: string[]; seen: number; count: number }];
      released.push(this.finish(oldestKey, oldest));
    }
    return released;
  }

  /** A later chunk; returns the joined statement's event once every chunk has come. */
  part(key: string, index: number, event: AccessEvent): AccessEvent | undefined {
    const waiting = this.pending.get(key);
    if (!waiting) return undefined;
    waiting.parts[index - 2] = event.statement?.text ?? '';
    waiting.seen++;
    return waiting.seen >= waiting.count ? this.finish(key, waiting) : undefined;
  }

  drain(): AccessEvent[] {
    return [...this.pending].map(([key, waiting]) => this.finish(key, waiting));
  }

  private finish(key: string, waiting: { event: AccessEvent; parts: string[] }): AccessEvent {
    this.pending.delete(key);
    const statement = waiting.event.statement;
    if (!statement) return waiting.event;
    const text = (statement.text + waiting.parts.join('')).slice(0, MAX_STATEMENT_CHARS);
    return { ...waiting.event, statement: { ...statement, text } };
  }
}
