import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseEvent, sampleEntries, variant } from '../../support/fixtures.js';

let allowed: Record<string, any>;
let denied: Record<string, any>;

beforeAll(async () => {
  [allowed, denied] = (await sampleEntries('gcs-data-access.jsonl')) as [Record<string, any>, Record<string, any>];
});

describe('GCS data access parser', () => {
  it('normalizes an allowed storage.objects.get', () => {
    const event = parseEvent(allowed);
    expect(event).toMatchObject({
      kind: 'gcs',
      target: 'example-bucket',
      credential: { key: 'sa@example-project.iam.gserviceaccount.com', type: 'iam' },
      action: 'storage.objects.get',
      resource: 'reports/q1.csv',
      outcome: 'success',
      time: '2025-03-03T01:44:06.143517192Z',
      userAgent: 'curl/8.0.1,gzip(gfe)',
      ref: { insertId: '1n5v4yqerik99' },
    });
    expect(event.source.key).toBe('ip:203.0.113.7');
  });

  it('treats a missing `granted` with status code 7 as denied', () => {
    const event = parseEvent(denied);
    expect(event.outcome).toBe('failure');
    expect(event.outcomeDetail).toBe('PERMISSION_DENIED');
    expect(event.credential?.key).toBe('intruder@example.com');
  });

  it('treats a missing `granted` as denied even when status is empty', () => {
    const event = parseEvent(variant(denied, (e) => (e.protoPayload.status = {})));
    expect(event.outcome).toBe('failure');
  });

  it('treats a non-zero status as denied even when granted', () => {
    expect(parseEvent(variant(allowed, (e) => (e.protoPayload.status = { code: 5, message: 'NOT_FOUND' }))).outcomeDetail).toBe('NOT_FOUND');
  });

  it.each(['private', 'gce-internal-ip'])('keeps the redacted caller %s as a token', (token) => {
    const event = parseEvent(variant(allowed, (e) => (e.protoPayload.requestMetadata.callerIp = token)));
    expect(event.source.key).toBe(`token:${token}`);
    expect(event.source.identities).toEqual([`token:${token}`]);
  });

  it('an entry without callerIp records no source (not an empty address), by the full parser and the fast path alike', async () => {
    const entry = variant(allowed, (e) => delete e.protoPayload.requestMetadata.callerIp);
    const event = parseEvent(entry);
    expect(event.source).toEqual({ key: 'unrecorded', identities: ['unrecorded'], details: {} });
    const { scanBytes } = await import('../../support/fixtures.js');
    const { events } = await scanBytes(`${JSON.stringify(entry)}\n`);
    expect(events[0]!.source.key).toBe('unrecorded');
    expect(events[0]!.source.details.ip).toBeUndefined();
  });

  it('identifies an IPv6 caller by its /64 (privacy addresses rotate)', () => {
    const event = parseEvent(variant(allowed, (e) => (e.protoPayload.requestMetadata.callerIp = '2001:db8:1:2:a1b2:c3d4:e5f6:1')));
    expect(event.source.key).toBe('cidr:2001:db8:1:2::/64');
    expect(event.source.identities).toContain('ip:2001:db8:1:2:a1b2:c3d4:e5f6:1');
  });

  it('records a delegation chain as who acted as whom, original caller first', () => {
    const event = parseEvent(
      variant(allowed, (e) => {
        e.protoPayload.authenticationInfo.serviceAccountDelegationInfo = [
          { firstPartyPrincipal: { principalEmail: 'alice@example.com' } },
          { firstPartyPrincipal: { principalEmail: 'builder@example-project.iam.gserviceaccount.com' } },
        ];
      }),
    );
    expect(event.credential?.key).toBe('alice@example.com -> builder@example-project.iam.gserviceaccount.com -> sa@example-project.iam.gserviceaccount.com');
  });

  it('uses principalSubject for third-party identities', () => {
    const event = parseEvent(variant(allowed, (e) => (e.protoPayload.authenticationInfo = { principalSubject: 'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/u' })));
    expect(event.credential?.key).toContain('workforcePools');
  });

  it('gives a null credential when the principal is redacted or absent', () => {
    expect(parseEvent(variant(allowed, (e) => (e.protoPayload.authenticationInfo = {}))).credential).toBeNull();
  });

  it('takes the bucket from resourceName when the resource labels lack it', () => {
    const event = parseEvent(variant(allowed, (e) => delete e.resource.labels.bucket_name));
    expect(event.target).toBe('example-bucket');
  });

  it('keeps object names with slashes, unicode and markup as plain text', () => {
    const name = 'a/<!channel> ü/"x".csv';
    const event = parseEvent(variant(allowed, (e) => (e.protoPayload.resourceName = `projects/_/buckets/example-bucket/objects/${name}`)));
    expect(event.resource).toBe(name);
  });

  it.each([
    ['methodName is missing', (e: any) => delete e.protoPayload.methodName, /methodName/],
    ['methodName is a number', (e: any) => (e.protoPayload.methodName = 7), /methodName/],
    ['timestamp is missing', (e: any) => delete e.timestamp, /timestamp is missing/],
    ['timestamp is garbage', (e: any) => (e.timestamp = 'yesterday'), /not a timestamp/],
    ['timestamp is far in the future', (e: any) => (e.timestamp = '2999-01-01T00:00:00Z'), /plausible/],
    ['timestamp is ancient', (e: any) => (e.timestamp = '1970-01-01T00:00:00Z'), /plausible/],
  ])('reports a bad entry when %s', (_name, change, message) => {
    const outcome = parse(variant(allowed, change));
    expect(outcome.status).toBe('bad');
    expect(outcome.status === 'bad' && outcome.error).toMatch(message);
  });

  it('skips an entry that names no bucket', () => {
    const outcome = parse(
      variant(allowed, (e) => {
        delete e.resource.labels.bucket_name;
        e.protoPayload.resourceName = 'projects/_';
      }),
    );
    expect(outcome.status).toBe('skipped');
  });
});
