/**
 * `cloudsql.googleapis.com/postgres.log` connection lines (with `log_connections` on), formats.md §4:
 *   `YYYY-MM-DD HH:MM:SS.mmm UTC [pid]: [n-1] db=<db>,user=<user> LEVEL:  message`
 * The client address is only on `connection received: host=…`; the user and the outcome are on a
 * later line of the same pid. The parser marks both halves; `PostgresSessions` joins them per file.
 */
import { eventRef, type AccessEvent } from '../access-event.js';
import { buildSource, UNRECORDED, UNRECORDED_SOURCE } from '../source-identity.js';
import { cloudSqlTarget } from './cloudsql-common.js';
import { checkTime, clip, logId, type ParseResult, type Parser } from './log-entry.js';

/**
 * Role and database names are printed as they are: they may hold spaces, commas and quotes
 * (`user=app admin`, `for user "x" y"`). So names are matched lazily up to the text PostgreSQL
 * writes after them (`,user=`, each ` LEVEL:` in turn, ` database=`, the closing quote at the end), not as
 * `\S+` or `[^"]*`, which cut them short or miss the line.
 */
const HEAD = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\]: \[[\d-]+\] db=(.*)$/s;
/** Where the prefix `db=…,user=…` ends and the message begins: ` LEVEL:` and its spaces. */
const LEVEL_MARK = / (?:LOG|FATAL|ERROR|WARNING|NOTICE|INFO|DEBUG[1-5]?|PANIC|DETAIL|HINT|STATEMENT|CONTEXT):\s+/g;
const RECEIVED = /^connection received: host=(\S+?)(?: port=(\d+))?$/;
/** `connection authorized: user=%s database=%s application_name=%s` (+ SSL/GSS details on newer versions). */
const AUTHORIZED = /^connection authorized: user=(.+?)(?: database=(.*?))?(?: application_name=.*| SSL enabled .*| GSS .*)?$/s;
const FAILED_FOR_USER = /^\S+ authentication failed for user "(.*)"$/s;
const NO_HBA = /^no pg_hba\.conf entry for host "([^"]*)", user "(.*?)"(?:, database "(.*?)")?(?:, (?:SSL|GSS|no) [^"]*)?$/s;
const NO_ROLE = /^role "(.*)" does not exist$/s;
/** A message about a connection: one we cannot read is a bad line, never a silent skip. */
const CONNECTION_EVENT = /connection received:|connection authorized:|authentication failed for user|no pg_hba\.conf entry|role ".*" does not exist/s;

/**
 * What PostgreSQL writes for a client on a Unix socket. On Cloud SQL that is the Cloud SQL Auth
 * Proxy or a language connector: they end their TLS tunnel at the instance and connect locally, so
 * the client's address is not in postgres.log — only in the `cloudsql.instances.connect` activity
 * entry written when the proxy fetched its ephemeral certificate (formats.md §4). (`cloudsqlproxy~ip`
 * is MySQL's form, `user@cloudsqlproxy~ip`; PostgreSQL never writes it.)
 */
const LOCAL_SOCKET = '[local]';

export const postgresLogParser: Parser = {
  id: 'cloudsql-postgres-log',
  claims: (entry) => typeof entry.textPayload === 'string' && logId(entry) === 'cloudsql.googleapis.com/postgres.log',
  parse(entry, ctx): ParseResult {
    const text = entry.textPayload ?? '';
    const head = HEAD.exec(text);
    if (!head) {
      if (CONNECTION_EVENT.test(text)) return { ok: false, error: 'postgres.log connection line without the standard prefix (db=…,user=… LEVEL:)' };
      return { ok: true, skip: 'postgres.log line without the standard prefix' };
    }
    const [, pid = '', rest = ''] = head;
    const target = cloudSqlTarget(entry);
    if (!target) return { ok: false, error: 'postgres.log entry names no instance (resource.labels.database_id)' };
    const time = checkTime(entry.timestamp, ctx, 'timestamp');
    if (!time.ok) return time;
    const base = { kind: 'cloudsql' as const, target, time: time.time, ref: eventRef(ctx.ref, entry.insertId) };
    // A name may itself hold ` LOG:  `: each place the level could end the prefix is tried, first
    // to last, and the first that leaves a connection message we read wins. The prefix's user=… is
    // not used: the message names the user of each connection event.
    let connectionLike: string | undefined;
    for (const mark of rest.matchAll(LEVEL_MARK)) {
      const prefix = rest.slice(0, mark.index);
      const message = rest.slice(mark.index + mark[0].length);
      const db = prefix.includes(',user=') ? prefix.slice(0, prefix.indexOf(',user=')) : prefix;
      const result = connectionEvent(base, `${target}|${pid}`, db, message);
      if (result) return result;
      if (connectionLike === undefined && CONNECTION_EVENT.test(message)) connectionLike = message;
    }
    if (connectionLike !== undefined) return { ok: false, error: `postgres.log connection line not understood: ${JSON.stringify(clip(connectionLike, 80))}` };
    return { ok: true, skip: 'postgres.log line is not a connection event' };
  },
};

/** The event of one connection message, or undefined when the message is not one we read. */
function connectionEvent(base: Pick<AccessEvent, 'kind' | 'target' | 'time' | 'ref'>, session: string, db: string, message: string): ParseResult | undefined {
  const received = RECEIVED.exec(message);
  if (received) {
    const host = received[1]!;
    const event: AccessEvent = { ...base, source: hostSource(host), credential: null, action: 'postgres connection', outcome: 'unknown', outcomeDetail: 'no authentication line followed' };
    return { ok: true, event, join: { role: 'received', session, host } };
  }
  const authorized = AUTHORIZED.exec(message);
  if (authorized) return outcome(base, session, authorized[1]!, authorized[2] ?? db, 'success');
  const hba = NO_HBA.exec(message);
  if (hba) {
    const event: AccessEvent = {
      ...base,
      source: hostSource(hba[1]!),
      credential: { key: `db-user:${hba[2]}`, type: 'db-user' },
      action: 'postgres connection',
      resource: `database ${clip(hba[3] ?? db, 128)}`,
      outcome: 'failure',
      outcomeDetail: 'no pg_hba.conf entry',
    };
    return { ok: true, event, join: { role: 'outcome', session } };
  }
  const failedUser = FAILED_FOR_USER.exec(message)?.[1] ?? NO_ROLE.exec(message)?.[1];
  if (failedUser !== undefined) return outcome(base, session, failedUser, db, 'failure', clip(message, 120));
  return undefined;
}

function outcome(
  base: Pick<AccessEvent, 'kind' | 'target' | 'time' | 'ref'>,
  session: string,
  user: string,
  database: string,
  result: 'success' | 'failure',
  detail?: string,
): ParseResult {
  const event: AccessEvent = {
    ...base,
    source: UNRECORDED,
    credential: { key: `db-user:${user}`, type: 'db-user' },
    action: 'postgres connection',
    ...(database && database !== '[unknown]' ? { resource: `database ${clip(database, 128)}` } : {}),
    outcome: result,
    ...(detail ? { outcomeDetail: detail } : {}),
  };
  return { ok: true, event, join: { role: 'outcome', session } };
}

/** `host=` is an address, or `[local]` for the Auth Proxy and connectors (a token: the address is elsewhere). */
function hostSource(host: string) {
  if (host === LOCAL_SOCKET) return buildSource({ ip: 'local', viaCloudSqlProxy: true });
  return buildSource({ ip: host });
}

/**
 * Joins `connection received` with the following outcome line of the same pid in the same file.
 * Bounded: at most `limit` connections wait for their outcome; past that the oldest is released
 * as an event of its own (nothing is dropped silently).
 */
export class PostgresSessions {
  private readonly pending = new Map<string, AccessEvent>();

  constructor(private readonly limit = 100_000) {}

  /** Remembers a received connection; returns an event that had to be released to stay bounded. */
  received(session: string, event: AccessEvent): AccessEvent | undefined {
    const previous = this.pending.get(session);
    this.pending.delete(session);
    this.pending.set(session, event);
    if (previous) return previous; // the same pid reused without an outcome line: release the old one
    if (this.pending.size > this.limit) {
      const [oldestKey, oldest] = this.pending.entries().next().value as [string, AccessEvent];
      this.pending.delete(oldestKey);
      return oldest;
    }
    return undefined;
  }

  /** Completes an outcome line with the address of its `connection received` line, when there was one. */
  complete(session: string, event: AccessEvent): AccessEvent {
    const receivedEvent = this.pending.get(session);
    if (!receivedEvent) return event;
    this.pending.delete(session);
    // By key, not by object: an event scanned on a worker thread arrives as a copy.
    return event.source.key === UNRECORDED_SOURCE ? { ...event, source: receivedEvent.source } : event;
  }

  /** Connections that never logged an outcome in this file: each becomes an event of its own. */
  drain(): AccessEvent[] {
    const rest = [...this.pending.values()];
    this.pending.clear();
    return rest;
  }
}
