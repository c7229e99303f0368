/**
 * Folder and organization scope under mocks: aggregated sinks (includeChildren) for every source into
 * the pipeline project's buckets, each writer granted on its own bucket only, Data Access audit
 * config at the scope's level and kept on destroy — and nothing project-wide that should be scoped.
 */
import { describe, expect, it } from 'vitest';
import { REQUIRED_CONFIG, runProgram, type Registered } from './mocks.js';

const ORG_SINK = 'gcp:logging/organizationSink:OrganizationSink';
const FOLDER_SINK = 'gcp:logging/folderSink:FolderSink';
const PROJECT_SINK = 'gcp:logging/projectSink:ProjectSink';
const BUCKET_IAM = 'gcp:storage/bucketIAMMember:BucketIAMMember';

function sinksAndGrants(resources: Registered[], type: string) {
  const sinks = resources.filter((r) => r.type === type);
  return sinks.map((sink) => {
    const writer = `serviceAccount:service-${sink.name}@gcp-sa-logging.iam.gserviceaccount.com`;
    return { sink, grants: resources.filter((r) => r.inputs['member'] === writer) };
  });
}

describe('scope organization', () => {
  it('exports every source through organization sinks with includeChildren, each writer on its own bucket only', async () => {
    const { resources } = await runProgram({ ...REQUIRED_CONFIG, 'log-audit:scope': 'organization', 'log-audit:scopeId': '123456789012' });
    expect(resources.filter((r) => r.type === PROJECT_SINK)).toEqual([]);
    const exported = sinksAndGrants(resources, ORG_SINK);
    // Every source, plus the tamper export.
    expect(exported).toHaveLength(4);
    for (const { sink, grants } of exported) {
      expect(sink.inputs).toMatchObject({ orgId: '123456789012', includeChildren: true });
      expect(grants).toHaveLength(1);
      expect(grants[0]).toMatchObject({ type: BUCKET_IAM, inputs: { role: 'roles/storage.objectCreator', bucket: String(sink.inputs['destination']).replace('storage.googleapis.com/', '') } });
    }
    const filters = exported.map(({ sink }) => String(sink.inputs['filter'])).join('\n');
    for (const part of [
      'log_id("cloudaudit.googleapis.com/data_access") AND protoPayload.serviceName="storage.googleapis.com"',
      'log_id("cloudaudit.googleapis.com/activity")',
      'log_id("cloudsql.googleapis.com/postgres.log")',
      'log_id("compute.googleapis.com/vpc_flows")',
      'log_id("networkmanagement.googleapis.com/vpc_flows")',
      'protoPayload.serviceData.policyDelta.auditConfigDeltas:*',
    ]) {
      expect(filters).toContain(part);
    }
    // Data Access audit logging at the organization, for the audited services, kept on destroy.
    const configs = resources.filter((r) => r.type === 'gcp:organizations/iamAuditConfig:IamAuditConfig');
    expect(configs.map((c) => [c.inputs['orgId'], c.inputs['service'], c.retainOnDelete]).sort()).toEqual([
      ['123456789012', 'cloudsql.googleapis.com', true],
      ['123456789012', 'storage.googleapis.com', true],
    ]);
    expect(resources.filter((r) => r.type === 'gcp:projects/iAMAuditConfig:IAMAuditConfig')).toEqual([]);
    // Buckets, functions and state stay in the pipeline's project.
    for (const b of resources.filter((r) => r.type === 'gcp:storage/bucket:Bucket')) expect(String(b.inputs['name'])).toMatch(/^acme-prod-log-audit-/);
  }, 120_000);
});

describe('scope folder', () => {
  it('uses folder sinks and a folder-level audit config', async () => {
    const { resources } = await runProgram({ ...REQUIRED_CONFIG, 'log-audit:scope': 'folder', 'log-audit:scopeId': '445566778899' });
    const exported = sinksAndGrants(resources, FOLDER_SINK);
    expect(exported).toHaveLength(4);
    for (const { sink, grants } of exported) {
      expect(sink.inputs).toMatchObject({ folder: '445566778899', includeChildren: true });
      expect(grants).toHaveLength(1);
    }
    const configs = resources.filter((r) => r.type === 'gcp:folder/iamAuditConfig:IamAuditConfig');
    expect(configs.map((c) => c.inputs['folder'])).toEqual(['folders/445566778899', 'folders/445566778899']);
  }, 120_000);
});

describe('Data Access audit config', () => {
  it('only for the sources that are on, and not at all when not managed', async () => {
    const gcsOnly = await runProgram({ ...REQUIRED_CONFIG, 'log-audit:sources': JSON.stringify({ gcs: true, cloudsql: false, vpcFlows: true }) });
    expect(gcsOnly.resources.filter((r) => r.type === 'gcp:projects/iAMAuditConfig:IAMAuditConfig').map((c) => c.inputs['service'])).toEqual(['storage.googleapis.com']);
    const unmanaged = await runProgram({ ...REQUIRED_CONFIG, 'log-audit:manageDataAccessAudit': 'false' });
    expect(unmanaged.resources.filter((r) => /iamAuditConfig/i.test(r.type))).toEqual([]);
    expect(unmanaged.outputs['dataAccessServices']).toEqual([]);
  }, 120_000);
});
