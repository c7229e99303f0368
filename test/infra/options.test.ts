/** Non-default configuration: narrowed sources, protected targets, managed subnets with flow logs, locked retention. */
import { beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_CONFIG, runProgram, type Registered } from './mocks.js';

let resources: Registered[];

beforeAll(async () => {
  ({ resources } = await runProgram({
    ...REQUIRED_CONFIG,
    'log-audit:sources': JSON.stringify({ gcs: true, cloudsql: true, vpcFlows: true }),
    'log-audit:protectedBuckets': JSON.stringify(['acme-finance-reports']),
    'log-audit:protectedSqlInstances': JSON.stringify(['orders-pg', 'other-proj:billing']),
    'log-audit:protectedDestinations': JSON.stringify(['10.120.0.4:6379', '10.88.0.0/29:6378']),
    'log-audit:managedSubnets': JSON.stringify([{ name: 'app', network: 'projects/acme-prod/global/networks/prod', ipCidrRange: '10.40.0.0/24' }]),
    'log-audit:lockRetention': 'true',
    'log-audit:maxInstances': '25',
    'log-audit:functionMemory': '2Gi',
    'log-audit:functionCpu': '1',
    'log-audit:healthCheckMinutes': '15',
    'log-audit:expectedGapHours': JSON.stringify({ gcs: 12, default: 2 }),
    'log-audit:dailySummary': 'true',
  }));
}, 120_000);

describe('configured stack', () => {
  const filter = (name: string) => resources.find((r) => r.name === name)!.inputs['filter'] as string;

  it('narrows each sink to the protected targets', () => {
    expect(filter('log-audit-gcs-sink')).toBe(
      '(log_id("cloudaudit.googleapis.com/data_access") AND protoPayload.serviceName="storage.googleapis.com" AND resource.labels.bucket_name=("acme-finance-reports")) OR (log_id("cloudaudit.googleapis.com/policy") AND protoPayload.serviceName="storage.googleapis.com" AND protoPayload.metadata.resourceNames:("projects/_/buckets/acme-finance-reports"))',
    );
    expect(filter('log-audit-cloudsql-sink')).toMatch(/ AND resource\.labels\.database_id=\("acme-prod:orders-pg" OR "other-proj:billing"\)$/);
    expect(filter('log-audit-vpc-flows-sink')).toBe(
      '(log_id("compute.googleapis.com/vpc_flows") OR log_id("networkmanagement.googleapis.com/vpc_flows")) AND ((jsonPayload.connection.dest_ip="10.120.0.4" AND jsonPayload.connection.dest_port=6379) OR (ip_in_net(jsonPayload.connection.dest_ip, "10.88.0.0/29") AND jsonPayload.connection.dest_port=6378))',
    );
  });

  it('enables flow logs with sampling, aggregation, metadata and a CEL filter on managed subnets', () => {
    const subnet = resources.find((r) => r.type === 'gcp:compute/subnetwork:Subnetwork')!;
    expect(subnet.inputs).toMatchObject({
      name: 'app',
      region: 'us-central1',
      logConfig: {
        aggregationInterval: 'INTERVAL_5_SEC',
        flowSampling: 0.5,
        metadata: 'INCLUDE_ALL_METADATA',
        filterExpr: "(connection.dest_ip == '10.120.0.4' && connection.dest_port == 6379) || (inIpRange(connection.dest_ip, '10.88.0.0/29') && connection.dest_port == 6378)",
      },
    });
  });

  it('locks retention and sizes the functions as asked', () => {
    for (const b of resources.filter((r) => r.type === 'gcp:storage/bucket:Bucket' && String(r.inputs['name']).endsWith('-logs'))) {
      expect(b.inputs['retentionPolicy'].isLocked).toBe(true);
    }
    for (const f of resources.filter((r) => r.type === 'gcp:cloudfunctionsv2/function:Function' && r.inputs['eventTrigger'])) {
      expect(f.inputs['serviceConfig']).toMatchObject({ maxInstanceCount: 25, availableMemory: '2Gi', availableCpu: '1' });
    }
  });

  it('runs the health check as often as asked, with per-source gaps and the daily summary', () => {
    expect(resources.find((r) => r.type === 'gcp:cloudscheduler/job:Job')!.inputs['schedule']).toBe('*/15 * * * *');
    const health = resources.find((r) => r.type === 'gcp:cloudfunctionsv2/function:Function' && r.inputs['name'] === 'log-audit-health')!;
    expect(health.inputs['serviceConfig'].environmentVariables).toMatchObject({ EXPECTED_GAP_HOURS: '{"default":2,"gcs":12}', DAILY_SUMMARY: 'true' });
  });
});
