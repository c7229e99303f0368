/**
 * The explicit list of parsers and the routing of one exported line to one of them.
 * The kind of an entry is decided per entry, from its content — never from a folder or file name.
 */
import type { AccessEvent } from '../access-event.js';
import { cloudSqlConnectParser } from './cloudsql-connect.js';
import { cloudSqlLoginParser } from './cloudsql-login.js';
import { cloudSqlMysqlAuditParser } from './cloudsql-mysql-audit.js';
import { cloudSqlPgAuditParser } from './cloudsql-pgaudit.js';
import { gcsDataAccessParser } from './gcs-data-access.js';
import { gcsVpcScParser } from './gcs-vpc-sc.js';
import { AUDIT_LOG_TYPE, describeIssues, logEntrySchema, logId, type ParseContext, type ParseResult, type Parser, type PostgresJoin } from './log-entry.js';
import { pipelineChangeParser } from './pipeline-change.js';
import { postgresLogParser } from './postgres-log.js';
import { vpcFlowParser } from './vpc-flow.js';

export const PARSERS: readonly Parser[] = [
  // Before the data access parser, which would claim the same service's entries.
  gcsVpcScParser,
  gcsDataAccessParser,
  cloudSqlConnectParser,
  cloudSqlLoginParser,
  cloudSqlMysqlAuditParser,
  cloudSqlPgAuditParser,
  postgresLogParser,
  vpcFlowParser,
];

/** What became of one line. `lines = parsed + bad + skipped + unknown` is kept by the batch reader. */
export type LineOutcome =
  | { status: 'parsed'; event: AccessEvent; join?: PostgresJoin }
  | { status: 'skipped'; reason: string }
  | { status: 'unknown'; reason: string }
  | { status: 'bad'; error: string };

/**
 * A `\uD800`–`\uDFFF` escape: JSON.parse may then build a lone surrogate, a string that is not
 * well-formed UTF-16 and makes encodeURIComponent (links) throw. Decoded UTF-8 never holds one,
 * and the fast path leaves every line with a backslash to this parser, so this is the one door.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Every string of the entry well-formed: a lone surrogate becomes U+FFFD. */
function wellFormed(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? value.toWellFormed() : value;
}

/** Parses one exported line (already decoded, without its line break). Never throws. */
export function parseLine(text: string, ctx: ParseContext): LineOutcome {
  let value: unknown;
  try {
    value = SURROGATE_ESCAPE.test(text) ? JSON.parse(text, wellFormed) : JSON.parse(text);
  } catch (error) {
    return { status: 'bad', error: `invalid JSON (${(error as Error).message.slice(0, 80)})` };
  }
  return parseValue(value, ctx);
}

/** Routes an already-decoded JSON value. */
export function parseValue(value: unknown, ctx: ParseContext): LineOutcome {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { status: 'bad', error: 'line is not a JSON object (expected one LogEntry per line)' };
  }
  const envelope = logEntrySchema.safeParse(value);
  if (!envelope.success) return { status: 'bad', error: `not a LogEntry: ${describeIssues(envelope.error)}` };
  const entry = envelope.data;
  // The tamper export holds only changes to the pipeline (its sink's filter): they are read as such, never as accesses.
  if (ctx.pipelineChanges) {
    if (!pipelineChangeParser.claims(entry)) return { status: 'skipped', reason: 'not an audit entry: no change to the pipeline' };
    return outcomeOf(pipelineChangeParser.parse(entry, ctx));
  }
  const parser = PARSERS.find((p) => p.claims(entry));
  if (!parser) {
    const proto = entry.protoPayload;
    if (proto?.['@type'] === AUDIT_LOG_TYPE) {
      const service = typeof proto['serviceName'] === 'string' ? proto['serviceName'] : '?';
      const method = typeof proto['methodName'] === 'string' ? proto['methodName'] : '?';
      return { status: 'skipped', reason: `audit entry ${service} ${method} is not a data access we audit` };
    }
    if (proto) return { status: 'unknown', reason: `unknown protoPayload @type ${JSON.stringify(String(proto['@type'] ?? '(none)').slice(0, 80))}` };
    if (entry.textPayload != null || entry.jsonPayload != null) {
      return { status: 'unknown', reason: `no parser for log ${JSON.stringify(logId(entry).slice(0, 80) || '(no logName)')}` };
    }
    return { status: 'unknown', reason: 'entry has no payload' };
  }
  return outcomeOf(parser.parse(entry, ctx));
}

function outcomeOf(result: ParseResult): LineOutcome {
  if (!result.ok) return { status: 'bad', error: result.error };
  if ('skip' in result) return { status: 'skipped', reason: result.skip };
  return result.join ? { status: 'parsed', event: result.event, join: result.join } : { status: 'parsed', event: result.event };
}
