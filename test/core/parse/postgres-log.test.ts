import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresSessions } from '../../../functions/src/core/parse/postgres-log.js';
import { describeSource } from '../../../functions/src/core/source-identity.js';
import { parse, parseEvent, pgLine, scanBytes, formatFixtures } from '../../support/fixtures.js';

describe('postgres.log connection lines', () => {
  it('joins the fixture sample: received + authorized of one pid; the failed line of another pid has no address', async () => {
    const text = await readFile(join(formatFixtures, 'cloudsql-postgres-log.jsonl'), 'utf8');
    const { events, stats } = await scanBytes(text);
    expect(stats).toMatchObject({ lines: 3, parsed: 3, events: 2 });
    const [authorized, failed] = events;
    expect(authorized).toMatchObject({ credential: { key: 'db-user:app_user' }, outcome: 'success', resource: 'database appdb' });
    expect(authorized!.source.key).toBe('ip:203.0.113.7');
    expect(failed).toMatchObject({ credential: { key: 'db-user:postgres' }, outcome: 'failure' });
    expect(failed!.source.key).toBe('unrecorded');
  });

  it('joins a failed password with the address of its own pid', async () => {
    const text = [pgLine(7, '[unknown]', '[unknown]', 'LOG', 'connection received: host=198.51.100.9 port=5000'), pgLine(7, 'postgres', 'postgres', 'FATAL', 'password authentication failed for user "postgres"')].join('\n');
    const { events } = await scanBytes(text);
    expect(events).toHaveLength(1);
    expect(events[0]!.source.key).toBe('ip:198.51.100.9');
    expect(events[0]!.outcome).toBe('failure');
  });

  it('does not join lines of different pids, even interleaved', async () => {
    const text = [
      pgLine(1, '[unknown]', '[unknown]', 'LOG', 'connection received: host=10.0.0.1 port=1'),
      pgLine(2, '[unknown]', '[unknown]', 'LOG', 'connection received: host=10.0.0.2 port=2'),
      pgLine(2, 'bob', 'db', 'LOG', 'connection authorized: user=bob database=db'),
      pgLine(1, 'ann', 'db', 'LOG', 'connection authorized: user=ann database=db'),
    ].join('\n');
    const { events } = await scanBytes(text);
    expect(events.map((e) => [e.credential?.key, e.source.key])).toEqual([
      ['db-user:bob', 'ip:10.0.0.2'],
      ['db-user:ann', 'ip:10.0.0.1'],
    ]);
  });

  it('reads what PostgreSQL writes for the Auth Proxy and connectors: host=[local], no port, no address', () => {
    const event = parseEvent(pgLine(3, '[unknown]', '[unknown]', 'LOG', 'connection received: host=[local]'));
    expect(event.source.key).toBe('token:local');
    expect(event.source.details.viaCloudSqlProxy).toBe(true);
    expect(describeSource(event.source)).toMatch(/Auth Proxy or connector; its client address is in the cloudsql\.instances\.connect entry/);
  });

  it('joins a proxied connection with its outcome like any other', async () => {
    const text = [pgLine(5, '[unknown]', '[unknown]', 'LOG', 'connection received: host=[local]'), pgLine(5, 'app', 'orders', 'LOG', 'connection authorized: user=app database=orders')].join('\n');
    const { events } = await scanBytes(text);
    expect(events.map((e) => [e.credential?.key, e.source.key, e.outcome])).toEqual([['db-user:app', 'token:local', 'success']]);
  });

  it('keeps a connection that never authenticated in the file as an event of its own', async () => {
    const { events } = await scanBytes(pgLine(4, '[unknown]', '[unknown]', 'LOG', 'connection received: host=192.0.2.1 port=1'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'unknown', credential: null });
  });

  it('joins halves that were copied between threads (a scan worker posts its events)', () => {
    const halves = [pgLine(9, '[unknown]', '[unknown]', 'LOG', 'connection received: host=10.44.1.9 port=1'), pgLine(9, 'app', 'db', 'LOG', 'connection authorized: user=app database=db')].map((line) => parse(line));
    const sessions = new PostgresSessions();
    for (const outcome of halves) if (outcome.status !== 'parsed' || !outcome.join) throw new Error(`expected a join half, got ${JSON.stringify(outcome)}`);
    const [received, authorized] = halves.map((o) => structuredClone(o as Extract<typeof o, { status: 'parsed' }>));
    const session = (half: typeof received) => (half!.join && 'session' in half!.join ? half!.join.session : '');
    expect(sessions.received(session(received), received!.event)).toBeUndefined();
    expect(sessions.complete(session(authorized), authorized!.event).source.key).toBe('ip:10.44.1.9');
  });

  it('reads pg_hba rejections, which carry the host themselves', () => {
    const event = parseEvent(pgLine(5, 'x', 'y', 'FATAL', 'no pg_hba.conf entry for host "192.0.2.7", user "x", database "y", SSL off'));
    expect(event).toMatchObject({ outcome: 'failure', credential: { key: 'db-user:x' } });
    expect(event.source.key).toBe('ip:192.0.2.7');
  });

  it.each([
    ['a space', 'app admin', 'app db'],
    ['quotes', 'x" y', 'd"b'],
    ['a comma', 'ops,team', 'a,b'],
    ['a prefix look-alike', 'u LOG:  x', 'reports'],
  ])('reads role and database names with %s, authorized and failed alike', async (_what, user, db) => {
    const authorized = [
      pgLine(21, '[unknown]', '[unknown]', 'LOG', 'connection received: host=198.51.100.21 port=5000'),
      pgLine(21, user, db, 'LOG', `connection authorized: user=${user} database=${db} application_name=psql`),
    ].join('\n');
    const ok = (await scanBytes(authorized)).events;
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ credential: { key: `db-user:${user}` }, resource: `database ${db}`, outcome: 'success' });
    expect(ok[0]!.source.key).toBe('ip:198.51.100.21');
    const failed = parseEvent(pgLine(22, user, db, 'FATAL', `password authentication failed for user "${user}"`));
    expect(failed).toMatchObject({ credential: { key: `db-user:${user}` }, outcome: 'failure' });
    const hba = parseEvent(pgLine(23, user, db, 'FATAL', `no pg_hba.conf entry for host "192.0.2.8", user "${user}", database "${db}", no encryption`));
    expect(hba).toMatchObject({ credential: { key: `db-user:${user}` }, resource: `database ${db}` });
  });

  it('reads the SSL details newer versions add to connection authorized', () => {
    const event = parseEvent(pgLine(24, 'app', 'app', 'LOG', 'connection authorized: user=app database=app SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)'));
    expect(event).toMatchObject({ credential: { key: 'db-user:app' }, resource: 'database app' });
  });

  it('a connection line it cannot read is a bad line, never a silent skip', () => {
    expect(parse(pgLine(25, '[unknown]', '[unknown]', 'LOG', 'connection authorized:'))).toMatchObject({ status: 'bad', error: expect.stringMatching(/connection line not understood/) });
    const noPrefix = JSON.stringify({ logName: 'projects/p/logs/cloudsql.googleapis.com%2Fpostgres.log', textPayload: 'connection authorized: user=x database=y', timestamp: '2025-03-03T01:44:06Z', resource: { type: 'cloudsql_database', labels: { database_id: 'p:pg' } } });
    expect(parse(noPrefix)).toMatchObject({ status: 'bad', error: expect.stringMatching(/without the standard prefix/) });
  });

  it('skips other postgres.log lines', () => {
    expect(parse(pgLine(6, '', '', 'LOG', 'checkpoint complete: wrote 3 buffers')).status).toBe('skipped');
    expect(parse(JSON.stringify({ logName: 'projects/p/logs/cloudsql.googleapis.com%2Fpostgres.log', textPayload: 'garbage', resource: { labels: { database_id: 'p:pg' } } })).status).toBe('skipped');
  });
});
