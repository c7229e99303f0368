/**
 * What a responder needs and two Cloud Storage signals: the service-account key that signed a
 * call (learned per credential, named when unknown), VPC Service Controls denials as failed
 * accesses to the bucket, and a credential listing a bucket for the first time.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../../functions/src/core/access-event.js';
import { Learner } from '../../../functions/src/core/baseline/learn.js';
import { loadBaselines, writeLearned } from '../../../functions/src/core/baseline/store.js';
import { BatchAuditor } from '../../../functions/src/core/detect/auditor.js';
import type { Finding } from '../../../functions/src/core/detect/finding.js';
import { buildDigest } from '../../../functions/src/core/notify/slack-digest.js';
import { evidenceOf } from '../../../functions/src/core/evidence/summary.js';
import { scanBytes, withTempDir } from '../../support/fixtures.js';

const SA = 'etl@acme-prod.iam.gserviceaccount.com';
const KEY = (id: string) => `//iam.googleapis.com/projects/acme-prod/serviceAccounts/${SA}/keys/${id}`;
let n = 0;

/** A Cloud Storage Data Access entry (the fields formats.md §2 lists). */
function gcsRead(o: { ip?: string; key?: string; method?: string; object?: string; time?: string; principal?: string } = {}): string {
  return JSON.stringify({
    insertId: `gcs-${++n}`,
    logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access',
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      authenticationInfo: { principalEmail: o.principal ?? SA, ...(o.key ? { serviceAccountKeyName: KEY(o.key) } : {}) },
      authorizationInfo: [{ granted: true, permission: o.method ?? 'storage.objects.get', resource: 'projects/_/buckets/acme-finance-reports', resourceAttributes: {} }],
      methodName: o.method ?? 'storage.objects.get',
      requestMetadata: { callerIp: o.ip ?? '10.40.0.21', callerSuppliedUserAgent: 'gcloud', destinationAttributes: {}, requestAttributes: {} },
      resourceName: `projects/_/buckets/acme-finance-reports${o.method === 'storage.objects.list' ? '' : `/objects/${o.object ?? 'q1.csv'}`}`,
      serviceName: 'storage.googleapis.com',
      status: {},
    },
    resource: { type: 'gcs_bucket', labels: { bucket_name: 'acme-finance-reports', location: 'us', project_id: 'acme-prod' } },
    severity: 'INFO',
    timestamp: o.time ?? '2026-11-20T10:00:00Z',
  });
}

/** A Policy Denied entry: VPC Service Controls refused a Cloud Storage call (shape of Google's VpcServiceControlAuditMetadata). */
function vpcScDenial(resourceNames: string[], o: { ip?: string; time?: string } = {}): string {
  return JSON.stringify({
    insertId: `sc-${++n}`,
    logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Fpolicy',
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      status: { code: 7, message: 'PERMISSION_DENIED', details: [{ '@type': 'type.googleapis.com/google.rpc.PreconditionFailure', violations: [{ type: 'VPC_SERVICE_CONTROLS', description: 'x' }] }] },
      authenticationInfo: { principalEmail: 'mallory@example.com' },
      requestMetadata: { callerIp: o.ip ?? '203.0.113.66', requestAttributes: {}, destinationAttributes: {} },
      serviceName: 'storage.googleapis.com',
      methodName: 'google.storage.objects.get',
      resourceName: 'projects/123456789',
      metadata: { '@type': 'type.googleapis.com/google.cloud.audit.VpcServiceControlAuditMetadata', violationReason: 'NO_MATCHING_ACCESS_LEVEL', resourceNames },
    },
    resource: { type: 'audited_resource', labels: { project_id: 'acme-prod', service: 'storage.googleapis.com', method: 'google.storage.objects.get' } },
    severity: 'ERROR',
    timestamp: o.time ?? '2026-11-20T11:00:00Z',
  });
}

async function events(lines: string[], fastPath = true): Promise<AccessEvent[]> {
  const { scanStream } = await import('../../../functions/src/core/read/scan.js');
  if (fastPath) return (await scanBytes(`${lines.join('\n')}\n`)).events;
  const { emptyStats } = await import('../../../functions/src/core/read/scan.js');
  const { ProblemLog } = await import('../../../functions/src/core/read/scan.js');
  const out: AccessEvent[] = [];
  await scanStream('batch.json', [Buffer.from(`${lines.join('\n')}\n`)] as unknown as AsyncIterable<Buffer>, { stats: emptyStats(), problems: new ProblemLog(), onEvent: (e) => out.push(e), now: () => Date.parse('2026-11-24T00:00:00Z'), fastPath: false });
  return out;
}

async function learnThenAudit(dir: string, history: string[], today: string[], fastPath = true): Promise<Finding[]> {
  const baselines = join(dir, 'baselines');
  await mkdir(baselines, { recursive: true });
  const learner = new Learner();
  for (const e of await events(history, fastPath)) learner.add(e);
  await writeLearned(baselines, learner.result(), []);
  const auditor = new BatchAuditor(await loadBaselines(baselines), { now: Date.parse('2026-11-24T00:00:00Z') });
  for (const e of await events(today, fastPath)) auditor.add(e);
  return auditor.findings();
}

const HISTORY = [gcsRead({ key: 'a1b2c3d4e5f60718293a4b5c6d7e8f9000112233' }), gcsRead({ key: 'a1b2c3d4e5f60718293a4b5c6d7e8f9000112233', object: 'q2.csv' }), gcsRead({ principal: 'alice@acme.example', method: 'storage.objects.list', ip: '10.40.0.22' })];

describe('service-account keys', () => {
  it.each([true, false])('the fast path (%s) and the full parser read the key id', async (fastPath) => {
    const [event] = await events([gcsRead({ key: 'ffee' })], fastPath);
    expect(event!.credentialKey).toBe('ffee');
  });

  it('a stolen key — known account, unknown key, new place — is reported with both', async () => {
    await withTempDir(async (dir) => {
      const findings = await learnThenAudit(dir, HISTORY, [gcsRead({ key: '99887766554433221100ffeeddccbbaa00abc123', ip: '198.51.100.12' })]);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ type: 'new-source', keys: ['99887766554433221100ffeeddccbbaa00abc123'], unknownKeys: ['99887766554433221100ffeeddccbbaa00abc123'] });
      const text = JSON.stringify(buildDigest({ digestId: 'x', batch: 'b', findings }));
      expect(text).toContain('(key …abc123, never seen for this account)');
    });
  });

  it('a key rotation from a known place stays silent', async () => {
    await withTempDir(async (dir) => {
      expect(await learnThenAudit(dir, HISTORY, [gcsRead({ key: 'new0000000000000000000000000000000000001' })])).toEqual([]);
    });
  });

  it('learn lists the keys per credential in its entry', async () => {
    await withTempDir(async (dir) => {
      await learnThenAudit(dir, HISTORY, []);
      const [loaded] = await loadBaselines(join(dir, 'baselines'));
      expect(loaded!.baseline.credentials.find((c) => c.match === SA)!.keys).toEqual(['a1b2c3d4e5f60718293a4b5c6d7e8f9000112233']);
    });
  });
});

describe('VPC Service Controls denials', () => {
  it('a denial naming the bucket in resourceNames is a failed access to that bucket; a burst of them is reported', async () => {
    const denials = Array.from({ length: 6 }, (_, i) => vpcScDenial(['//storage.googleapis.com/projects/_/buckets/acme-finance-reports/objects/q1.csv'], { time: `2026-11-20T11:0${i}:00Z` }));
    const got = await events(denials);
    expect(got).toHaveLength(6);
    expect(got[0]).toMatchObject({ kind: 'gcs', target: 'acme-finance-reports', outcome: 'failure', outcomeDetail: 'denied by VPC Service Controls (NO_MATCHING_ACCESS_LEVEL)', source: { key: 'ip:203.0.113.66' } });
    await withTempDir(async (dir) => {
      const findings = await learnThenAudit(dir, HISTORY, denials);
      expect(findings.map((f) => [f.type, f.failures])).toEqual([['failed-auth-burst', 6]]);
    });
  });

  it('a denial that names no bucket (a project or a location) is skipped with that reason', async () => {
    const scan = await scanBytes(`${vpcScDenial(['projects/acme-prod/locations/us-central1'])}\n`);
    expect(scan.events).toHaveLength(0);
    expect(scan.stats.skipped).toBe(1);
  });
});

describe('enumeration', () => {
  it('a known credential listing the bucket for the first time is reported; a known lister is not', async () => {
    await withTempDir(async (dir) => {
      const findings = await learnThenAudit(dir, HISTORY, [gcsRead({ key: 'a1b2c3d4e5f60718293a4b5c6d7e8f9000112233', method: 'storage.objects.list' }), gcsRead({ principal: 'alice@acme.example', method: 'storage.objects.list', ip: '10.40.0.22' })]);
      expect(findings.map((f) => [f.type, f.credential])).toEqual([['new-enumeration', SA]]);
    });
  });

  it('the evidence of a batch carries its listers and keys, so learning from evidence learns them too', async () => {
    const auditor = new BatchAuditor([], { now: Date.parse('2026-11-24T00:00:00Z') });
    for (const e of await events(HISTORY)) auditor.add(e);
    const [target] = evidenceOf(auditor.groupsInOrder());
    expect(target!.listers).toEqual(['alice@acme.example']);
    expect(target!.credentials.find((c) => c.match === SA)!.keys).toEqual(['a1b2c3d4e5f60718293a4b5c6d7e8f9000112233']);
  });
});
