import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseEvent, sampleEntries, variant } from '../../support/fixtures.js';

const samples: Record<string, Record<string, any>> = {};
beforeAll(async () => {
  for (const name of ['cloudsql-connect-activity', 'cloudsql-iam-login', 'cloudsql-mysql-audit', 'cloudsql-pgaudit']) {
    samples[name] = (await sampleEntries(`${name}.jsonl`))[0]!;
  }
});

describe('cloudsql.instances.connect (activity log)', () => {
  it('gives the IAM principal and caller IP of a connector connection', () => {
    const event = parseEvent(samples['cloudsql-connect-activity']);
    expect(event).toMatchObject({
      kind: 'cloudsql',
      target: 'example-project:example-mysql',
      credential: { key: 'sa@example-project.iam.gserviceaccount.com', type: 'iam' },
      action: 'cloudsql.instances.connect',
      outcome: 'success',
    });
    expect(event.source.key).toBe('ip:203.0.113.7');
  });

  it('is denied when authorization was not granted', () => {
    const event = parseEvent(variant(samples['cloudsql-connect-activity'], (e) => delete e.protoPayload.authorizationInfo[0].granted));
    expect(event.outcome).toBe('failure');
  });

  it('reports an entry with no instance', () => {
    const outcome = parse(
      variant(samples['cloudsql-connect-activity'], (e) => {
        delete e.resource.labels.database_id;
        delete e.protoPayload.resourceName;
      }),
    );
    expect(outcome).toMatchObject({ status: 'bad' });
  });
});

describe('cloudsql.instances.login (IAM database authentication)', () => {
  it('uses the request client address and the IAM principal', () => {
    const event = parseEvent(samples['cloudsql-iam-login']);
    expect(event).toMatchObject({ target: 'example-project:example-pg', credential: { key: 'sa@example-project.iam.gserviceaccount.com' }, resource: 'database appdb', outcome: 'success' });
    expect(event.source.key).toBe('ip:10.8.0.12');
  });

  it('falls back to the database user when no principal is logged', () => {
    const event = parseEvent(variant(samples['cloudsql-iam-login'], (e) => (e.protoPayload.authenticationInfo = {})));
    expect(event.credential).toEqual({ key: 'db-user:sa@example-project.iam', type: 'db-user' });
  });
});

describe('MySQL audit (MysqlAuditEntry)', () => {
  it('turns a failed connect with errCode 1045 into a failure of the database user', () => {
    const event = parseEvent(samples['cloudsql-mysql-audit']);
    expect(event).toMatchObject({
      target: 'example-project:example-mysql',
      credential: { key: 'db-user:root', type: 'db-user' },
      action: 'mysql connect',
      outcome: 'failure',
      outcomeDetail: 'access denied (1045)',
    });
    expect(event.source.key).toBe('ip:203.0.113.7');
  });

  it('reads a successful query with its statement', () => {
    const event = parseEvent(
      variant(samples['cloudsql-mysql-audit'], (e) => Object.assign(e.protoPayload.request, { cmd: 'query', status: 'successful', errCode: '0', query: 'SELECT 1' })),
    );
    expect(event).toMatchObject({ outcome: 'success', action: 'mysql query', resource: 'SELECT 1' });
  });

  it.each(['cloudsqladmin', 'cloudsqlreplica', 'mysql.session'])('skips the maintenance user %s', (user) => {
    expect(parse(variant(samples['cloudsql-mysql-audit'], (e) => (e.protoPayload.request.user = user))).status).toBe('skipped');
  });

  it('reports a MysqlAuditEntry without cmd', () => {
    expect(parse(variant(samples['cloudsql-mysql-audit'], (e) => delete e.protoPayload.request.cmd))).toMatchObject({ status: 'bad' });
  });
});

describe('pgAudit (PgAuditEntry)', () => {
  it('names the database user; the source is unrecorded (pgAudit has no client IP)', () => {
    const event = parseEvent(samples['cloudsql-pgaudit']);
    expect(event).toMatchObject({
      target: 'example-project:example-pg',
      credential: { key: 'db-user:alice' },
      action: 'pgaudit READ SELECT',
      resource: 'database finance: SELECT * FROM revenue',
    });
    expect(event.source.key).toBe('unrecorded');
  });

  it('marks the chunks of a long statement to be joined in line order (the first is the access)', () => {
    const chunk = (index: string) => parse(variant(samples['cloudsql-pgaudit'], (e) => Object.assign(e.protoPayload.request, { chunkIndex: index, chunkCount: '3' })));
    expect(chunk('1')).toMatchObject({ status: 'parsed', join: { role: 'chunk-first', count: 3 } });
    expect(chunk('2')).toMatchObject({ status: 'parsed', join: { role: 'chunk-part', index: 2 } });
  });

  it('clips a huge statement', () => {
    const event = parseEvent(variant(samples['cloudsql-pgaudit'], (e) => (e.protoPayload.request.statement = 'x'.repeat(100_000))));
    expect(event.resource!.length).toBeLessThan(400);
    expect(event.resource).toContain('more chars');
  });

  it('reports an entry with no user', () => {
    expect(parse(variant(samples['cloudsql-pgaudit'], (e) => delete e.protoPayload.request.user))).toMatchObject({ status: 'bad' });
  });
});

describe('routing', () => {
  it('skips Cloud SQL admin operations that are not data access', () => {
    const outcome = parse(variant(samples['cloudsql-connect-activity'], (e) => (e.protoPayload.methodName = 'cloudsql.instances.update')));
    expect(outcome.status).toBe('skipped');
  });

  it('counts an unknown protoPayload @type as unknown', () => {
    const outcome = parse(variant(samples['cloudsql-pgaudit'], (e) => (e.protoPayload['@type'] = 'type.googleapis.com/google.cloud.Something')));
    expect(outcome).toMatchObject({ status: 'unknown' });
  });

  it.each([
    ['null', 'null'],
    ['an array', '[1,2]'],
    ['a string', '"hello"'],
  ])('reports a line that is %s as bad', (_n, line) => {
    expect(parse(line).status).toBe('bad');
  });

  it('reports a LogEntry with wrong field types as bad', () => {
    expect(parse({ logName: 42, protoPayload: {} }).status).toBe('bad');
  });

  it('counts an entry with no payload as unknown', () => {
    expect(parse({ logName: 'projects/p/logs/x', timestamp: '2025-01-01T00:00:00Z' }).status).toBe('unknown');
  });

  it('counts a null protoPayload as unknown, not a crash', () => {
    expect(parse({ logName: 'projects/p/logs/x', protoPayload: null }).status).toBe('unknown');
  });
});
