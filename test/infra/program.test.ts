/** The Pulumi program, with only the three required config keys, under mocks: wiring and security properties. */
import { beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_APIS } from '../../infra/components/required-apis.js';
import { runProgram, WEBHOOK, type Registered } from './mocks.js';

let resources: Registered[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  ({ resources, outputs } = await runProgram());
}, 120_000);

const ofType = (type: string) => resources.filter((r) => r.type === type);
const BUCKET = 'gcp:storage/bucket:Bucket';
const SINK = 'gcp:logging/projectSink:ProjectSink';
const BUCKET_IAM = 'gcp:storage/bucketIAMMember:BucketIAMMember';
const PROJECT_IAM = 'gcp:projects/iAMMember:IAMMember';
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';

describe('what the program creates', () => {
  it('registers every kind of resource the pipeline needs', () => {
    const types = new Set(resources.map((r) => r.type));
    for (const t of [BUCKET, SINK, BUCKET_IAM, PROJECT_IAM, FUNCTION, 'gcp:projects/iAMAuditConfig:IAMAuditConfig', 'gcp:secretmanager/secret:Secret', 'gcp:secretmanager/secretVersion:SecretVersion', 'gcp:secretmanager/secretIamMember:SecretIamMember', 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'gcp:projects/service:Service', 'gcp:storage/bucketObject:BucketObject', 'gcp:serviceaccount/account:Account', 'gcp:cloudscheduler/job:Job']) {
      expect(types, t).toContain(t);
    }
    expect(outputs['functionNames']).toEqual(['log-audit-gcs', 'log-audit-cloudsql', 'log-audit-vpc-flows', 'log-audit-tamper']);
  });

  it('enables the required Google APIs as resources', () => {
    expect(ofType('gcp:projects/service:Service').map((s) => s.inputs['service']).sort()).toEqual([...REQUIRED_APIS].sort());
  });

  it('groups resources into components with children parented', () => {
    const components = resources.filter((r) => r.type.startsWith('log-audit:index:')).map((r) => r.type);
    expect(new Set(components)).toEqual(new Set(['log-audit:index:RequiredApis', 'log-audit:index:LogExport', 'log-audit:index:WebhookSecret', 'log-audit:index:AuditFunction', 'log-audit:index:HealthCheck', 'log-audit:index:DataAccessAuditing']));
  });
});

describe('buckets', () => {
  it('every bucket has uniform access and enforced public access prevention, and nothing is public', () => {
    expect(ofType(BUCKET)).toHaveLength(6);
    for (const b of ofType(BUCKET)) {
      expect(b.inputs, b.name).toMatchObject({ uniformBucketLevelAccess: true, publicAccessPrevention: 'enforced', location: 'us-central1' });
    }
    const members = resources.flatMap((r) => [r.inputs['member'], ...(r.inputs['members'] ?? [])]).filter(Boolean);
    expect(members.filter((m: string) => /allUsers|allAuthenticatedUsers/.test(m))).toEqual([]);
  });

  it('log buckets keep a retention policy (unlocked by default) and a lifecycle: Coldline, then delete', () => {
    const logs = ofType(BUCKET).filter((b) => b.inputs['name'].endsWith('-logs'));
    expect(logs.map((b) => b.inputs['name']).sort()).toEqual(['acme-prod-log-audit-cloudsql-logs', 'acme-prod-log-audit-gcs-logs', 'acme-prod-log-audit-tamper-logs', 'acme-prod-log-audit-vpc-flows-logs']);
    for (const b of logs) {
      expect(b.inputs['retentionPolicy']).toEqual({ retentionPeriod: String(30 * 86400), isLocked: false });
      expect(b.inputs['lifecycleRules']).toEqual([
        expect.objectContaining({ action: { type: 'SetStorageClass', storageClass: 'COLDLINE' }, condition: expect.objectContaining({ age: 30 }) }),
        expect.objectContaining({ action: { type: 'Delete' }, condition: expect.objectContaining({ age: 365 }) }),
      ]);
    }
  });

  it('state lives in a separate bucket without a retention policy (its objects are rewritten)', () => {
    const state = ofType(BUCKET).find((b) => b.inputs['name'] === 'acme-prod-log-audit-state')!;
    expect(state.inputs['retentionPolicy']).toBeUndefined();
    expect(state.inputs['lifecycleRules']).toEqual([expect.objectContaining({ action: { type: 'Delete' } })]);
  });

  it('only per-batch state expires: learning records and the health state are never deleted', () => {
    const state = ofType(BUCKET).find((b) => b.inputs['name'] === 'acme-prod-log-audit-state')!;
    const [rule] = state.inputs['lifecycleRules'] as { condition: { age: number; matchesPrefixes: string[] } }[];
    expect(rule!.condition.age).toBe(90);
    expect(rule!.condition.matchesPrefixes.sort()).toEqual(['dead-letters/', 'evidence/', 'markers/', 'reports/', 'suppression/']);
  });
});

describe('sinks', () => {
  const sink = (key: string) => ofType(SINK).find((s) => s.name === `log-audit-${key}-sink`)!;

  it('one sink per source, each with a unique writer identity, into its own bucket', () => {
    expect(ofType(SINK)).toHaveLength(4);
    for (const key of ['gcs', 'cloudsql', 'vpc-flows', 'tamper']) {
      expect(sink(key).inputs).toMatchObject({ uniqueWriterIdentity: true, destination: `storage.googleapis.com/acme-prod-log-audit-${key}-logs` });
    }
  });

  it('filters cover each source as formats.md describes', () => {
    expect(sink('gcs').inputs['filter']).toBe(
      '(log_id("cloudaudit.googleapis.com/data_access") AND protoPayload.serviceName="storage.googleapis.com") OR (log_id("cloudaudit.googleapis.com/policy") AND protoPayload.serviceName="storage.googleapis.com")',
    );
    const sql = sink('cloudsql').inputs['filter'] as string;
    for (const part of ['resource.type="cloudsql_database"', 'log_id("cloudaudit.googleapis.com/activity")', 'log_id("cloudaudit.googleapis.com/data_access")', 'log_id("cloudsql.googleapis.com/postgres.log")']) expect(sql).toContain(part);
    expect(sink('vpc-flows').inputs['filter']).toBe('(log_id("compute.googleapis.com/vpc_flows") OR log_id("networkmanagement.googleapis.com/vpc_flows")) AND ((jsonPayload.connection.dest_port=6379) OR (jsonPayload.connection.dest_port=6378))');
  });

  it('each writer identity gets objectCreator on its own bucket only', () => {
    for (const key of ['gcs', 'cloudsql', 'vpc-flows', 'tamper']) {
      const writer = `serviceAccount:service-log-audit-${key}-sink@gcp-sa-logging.iam.gserviceaccount.com`;
      const grants = resources.filter((r) => r.inputs['member'] === writer);
      expect(grants).toHaveLength(1);
      expect(grants[0]).toMatchObject({ type: BUCKET_IAM, inputs: { bucket: `acme-prod-log-audit-${key}-logs`, role: 'roles/storage.objectCreator' } });
    }
  });

  it('the pipeline never audits itself: its buckets and identities are excluded', () => {
    const exclusions = sink('gcs').inputs['exclusions'] as { name: string; filter: string }[];
    const buckets = exclusions.find((e) => e.name === 'log-audit-own-buckets')!.filter;
    for (const b of ['gcs-logs', 'cloudsql-logs', 'vpc-flows-logs', 'tamper-logs', 'state', 'source']) expect(buckets).toContain(`"acme-prod-log-audit-${b}"`);
    const identities = exclusions.find((e) => e.name === 'log-audit-own-identities')!.filter;
    const runtimeEmails = ofType('gcp:serviceaccount/account:Account')
      .filter((a) => a.name.endsWith('-runtime'))
      .map((a) => `${a.inputs['accountId']}@acme-prod.iam.gserviceaccount.com`);
    expect(runtimeEmails).toHaveLength(5);
    for (const email of runtimeEmails) expect(identities).toContain(`"${email}"`);
  });
});

describe('Data Access audit logging', () => {
  it('is on for Cloud Storage and Cloud SQL, exempting the pipeline’s own runtime identities (audit functions and health check)', () => {
    const configs = ofType('gcp:projects/iAMAuditConfig:IAMAuditConfig');
    expect(configs.map((c) => c.inputs['service']).sort()).toEqual(['cloudsql.googleapis.com', 'storage.googleapis.com']);
    // Authoritative per service: pulumi destroy must not switch Data Access logging off for everyone else.
    for (const c of configs) expect(c.retainOnDelete, c.name).toBe(true);
    for (const c of configs) {
      const logs = c.inputs['auditLogConfigs'] as { logType: string; exemptedMembers?: string[] }[];
      expect(logs.map((l) => l.logType).sort()).toEqual(['ADMIN_READ', 'DATA_READ', 'DATA_WRITE']);
      for (const type of ['DATA_READ', 'DATA_WRITE']) {
        expect(logs.find((l) => l.logType === type)!.exemptedMembers?.sort()).toEqual(
          ['cloudsql', 'gcs', 'health', 'tamper', 'vpc-flows'].map((k) => `serviceAccount:log-audit-${k}@acme-prod.iam.gserviceaccount.com`).sort(),
        );
      }
    }
  });
});

describe('functions', () => {
  const fn = (key: string) => ofType(FUNCTION).find((f) => f.inputs['name'] === `log-audit-${key}`)!;

  it('gen2, triggered by object.finalized on its own log bucket, in its region, with retries on', () => {
    for (const key of ['gcs', 'cloudsql', 'vpc-flows']) {
      expect(fn(key).inputs).toMatchObject({
        location: 'us-central1',
        buildConfig: { runtime: 'nodejs24', entryPoint: 'auditBatch', source: { storageSource: { bucket: 'acme-prod-log-audit-source' } } },
        eventTrigger: {
          eventType: 'google.cloud.storage.object.v1.finalized',
          triggerRegion: 'us-central1',
          retryPolicy: 'RETRY_POLICY_RETRY',
          eventFilters: [{ attribute: 'bucket', value: `acme-prod-log-audit-${key}-logs` }],
          serviceAccountEmail: 'log-audit-trigger@acme-prod.iam.gserviceaccount.com',
        },
      });
      expect(fn(key).inputs['buildConfig'].source.storageSource.object).toMatch(/^function-source\/[0-9a-f]{16}\.zip$/);
    }
  });

  it('internal-only ingress, its own runtime identity, defaults for memory, vCPUs, timeout and instances', () => {
    for (const key of ['gcs', 'cloudsql', 'vpc-flows']) {
      expect(fn(key).inputs['serviceConfig']).toMatchObject({
        ingressSettings: 'ALLOW_INTERNAL_ONLY',
        serviceAccountEmail: `log-audit-${key}@acme-prod.iam.gserviceaccount.com`,
        availableMemory: '1Gi',
        availableCpu: '2',
        timeoutSeconds: 540,
        maxInstanceCount: 10,
        environmentVariables: expect.objectContaining({ STATE_BUCKET: 'acme-prod-log-audit-state', TIME_BUDGET_SECONDS: '480', DELIVERY_RESERVE_SECONDS: '60', SUPPRESSION_WINDOW_HOURS: '24' }),
      });
    }
  });

  it('every function runs with small semi-spaces in NODE_OPTIONS and the malloc settings in GLIBC_TUNABLES (FUNCTION_ENVIRONMENT)', () => {
    const functions = ofType(FUNCTION);
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const f of functions) {
      expect(f.inputs['serviceConfig'].environmentVariables.NODE_OPTIONS).toBe('--max-semi-space-size=8');
      expect(f.inputs['serviceConfig'].environmentVariables.GLIBC_TUNABLES).toBe('glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=4194304');
    }
  });

  it('each function accepts the export objects of its own logs, both flow-log routes for flows', () => {
    const prefixes = (key: string) => fn(key).inputs['serviceConfig'].environmentVariables.LOG_PREFIXES;
    expect(prefixes('vpc-flows')).toBe('compute.googleapis.com/vpc_flows/,networkmanagement.googleapis.com/vpc_flows/');
    expect(prefixes('gcs')).toBe('cloudaudit.googleapis.com/data_access/');
    expect(prefixes('cloudsql')).toBe('cloudaudit.googleapis.com/activity/,cloudaudit.googleapis.com/data_access/,cloudsql.googleapis.com/');
  });

  it('the webhook is a secret env var pinned to the created version, never plain', () => {
    for (const f of ofType(FUNCTION)) {
      expect(f.inputs['serviceConfig'].secretEnvironmentVariables).toEqual([{ key: 'SLACK_WEBHOOK_URL', projectId: 'acme-prod', secret: 'log-audit-slack-webhook', version: '1' }]);
      expect(JSON.stringify(f.inputs)).not.toContain('hooks.slack.com');
    }
    // Only the secret version holds the value.
    const holders = resources.filter((r) => JSON.stringify(r.inputs).includes(WEBHOOK));
    expect(holders.map((r) => r.type)).toEqual(['gcp:secretmanager/secretVersion:SecretVersion']);
  });

  it('runtime identities: read on their own log bucket, object access on their state folders, the one secret — nothing project-wide', () => {
    for (const key of ['gcs', 'cloudsql', 'vpc-flows']) {
      const member = `serviceAccount:log-audit-${key}@acme-prod.iam.gserviceaccount.com`;
      const grants = resources.filter((r) => r.inputs['member'] === member).map((r) => [r.type, r.inputs['bucket'] ?? r.inputs['secretId'], r.inputs['role']]);
      expect(grants.sort()).toEqual(
        [
          [BUCKET_IAM, `acme-prod-log-audit-${key}-logs`, 'roles/storage.objectViewer'],
          [BUCKET_IAM, 'acme-prod-log-audit-state', 'roles/storage.objectUser'],
          ['gcp:secretmanager/secretIamMember:SecretIamMember', 'log-audit-slack-webhook', 'roles/secretmanager.secretAccessor'],
        ].sort(),
      );
      // The state access is limited by name to the folders the audit function writes: never health/.
      const state = resources.find((r) => r.inputs['member'] === member && r.inputs['role'] === 'roles/storage.objectUser')!;
      const objects = 'projects/_/buckets/acme-prod-log-audit-state/objects/';
      expect(state.inputs['condition'].expression).toBe(
        ['markers/', 'reports/', 'suppression/', 'evidence/', 'dead-letters/', 'learning/'].map((p) => `resource.name.startsWith("${objects}${p}")`).join(' || '),
      );
      expect(state.inputs['condition'].expression).not.toContain('health/');
    }
  });

  it('the trigger identity may receive events and invoke each function, nothing more', () => {
    const member = 'serviceAccount:log-audit-trigger@acme-prod.iam.gserviceaccount.com';
    const grants = resources.filter((r) => r.inputs['member'] === member);
    expect(grants.filter((g) => g.type === PROJECT_IAM).map((g) => g.inputs['role'])).toEqual(['roles/eventarc.eventReceiver']);
    const invokers = grants.filter((g) => g.type === 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember');
    expect(invokers.map((g) => [g.inputs['role'], g.inputs['name']]).sort()).toEqual(
      ['cloudsql', 'gcs', 'tamper', 'vpc-flows'].map((k) => ['roles/run.invoker', `projects/acme-prod/locations/us-central1/services/log-audit-${k}`]).sort(),
    );
  });

  it('the Cloud Storage service agent may publish notifications', () => {
    const agent = resources.find((r) => r.inputs['member'] === 'serviceAccount:service-123456789@gs-project-accounts.iam.gserviceaccount.com');
    expect(agent).toMatchObject({ type: PROJECT_IAM, inputs: { role: 'roles/pubsub.publisher' } });
  });

  it('project-wide roles go only to the trigger, the build identity and the storage agent', () => {
    const projectRoles = ofType(PROJECT_IAM).map((g) => `${g.inputs['role']} ${g.inputs['member']}`).sort();
    expect(projectRoles).toEqual(
      [
        'roles/artifactregistry.writer serviceAccount:log-audit-build@acme-prod.iam.gserviceaccount.com',
        'roles/eventarc.eventReceiver serviceAccount:log-audit-trigger@acme-prod.iam.gserviceaccount.com',
        'roles/logging.logWriter serviceAccount:log-audit-build@acme-prod.iam.gserviceaccount.com',
        'roles/pubsub.publisher serviceAccount:service-123456789@gs-project-accounts.iam.gserviceaccount.com',
      ].sort(),
    );
  });

  it('deploys every function from the one uploaded archive (code + reviewed baselines)', () => {
    const objects = ofType('gcp:storage/bucketObject:BucketObject');
    expect(objects).toHaveLength(1);
    expect(objects[0]!.inputs).toMatchObject({ bucket: 'acme-prod-log-audit-source', name: expect.stringMatching(/^function-source\/[0-9a-f]{16}\.zip$/) });
    for (const f of ofType(FUNCTION)) expect(f.inputs['buildConfig'].source.storageSource).toEqual({ bucket: 'acme-prod-log-audit-source', object: objects[0]!.inputs['name'] });
  });
});

describe('health check', () => {
  const health = () => ofType(FUNCTION).find((f) => f.inputs['name'] === 'log-audit-health')!;
  const RUNTIME = 'serviceAccount:log-audit-health@acme-prod.iam.gserviceaccount.com';
  const SCHEDULER = 'serviceAccount:log-audit-health-cron@acme-prod.iam.gserviceaccount.com';

  it('an HTTP function (no event trigger) from the same archive, internal ingress, one instance, its own identity', () => {
    const fn = health();
    expect(fn.inputs['eventTrigger']).toBeUndefined();
    expect(fn.inputs).toMatchObject({
      location: 'us-central1',
      buildConfig: { runtime: 'nodejs24', entryPoint: 'healthCheck' },
      serviceConfig: { ingressSettings: 'ALLOW_INTERNAL_ONLY', maxInstanceCount: 1, serviceAccountEmail: 'log-audit-health@acme-prod.iam.gserviceaccount.com', timeoutSeconds: 300 },
    });
    expect(fn.inputs['serviceConfig'].environmentVariables).toEqual({
      NODE_OPTIONS: '--max-semi-space-size=8',
      GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=4194304',
      STATE_BUCKET: 'acme-prod-log-audit-state',
      SOURCES: 'gcs,cloudsql,vpc-flows',
      EXPECTED_GAP_HOURS: '{"default":3}',
      LEARNING_DAYS: '14',
      DAILY_SUMMARY: 'false',
      REVIEW_EVERY_DAYS: '7',
      REVIEW_UNSEEN_DAYS: '30',
      TIME_BUDGET_SECONDS: '240',
    });
  });

  it('reads the state bucket, writes only under health/ (IAM condition), reads the webhook — and nothing of any log bucket', () => {
    const grants = resources.filter((r) => r.inputs['member'] === RUNTIME);
    expect(grants.map((g) => [g.type, g.inputs['bucket'] ?? g.inputs['secretId'], g.inputs['role']]).sort()).toEqual(
      [
        [BUCKET_IAM, 'acme-prod-log-audit-state', 'roles/storage.objectViewer'],
        [BUCKET_IAM, 'acme-prod-log-audit-state', 'roles/storage.objectUser'],
        ['gcp:secretmanager/secretIamMember:SecretIamMember', 'log-audit-slack-webhook', 'roles/secretmanager.secretAccessor'],
      ].sort(),
    );
    const writer = grants.find((g) => g.inputs['role'] === 'roles/storage.objectUser')!;
    expect(writer.inputs['condition'].expression).toBe('resource.name.startsWith("projects/_/buckets/acme-prod-log-audit-state/objects/health/")');
    expect(writer.inputs['condition'].title).toBe('state-health');
    expect(grants.find((g) => g.inputs['role'] === 'roles/storage.objectViewer')!.inputs['condition']).toBeUndefined();
  });

  it('Cloud Scheduler calls it every 30 minutes with an OIDC token of an account that may only invoke it', () => {
    const [job, ...others] = ofType('gcp:cloudscheduler/job:Job');
    expect(others).toEqual([]);
    const url = 'https://us-central1-acme-prod.cloudfunctions.net/log-audit-health';
    expect(job!.inputs).toMatchObject({
      region: 'us-central1',
      schedule: '*/30 * * * *',
      timeZone: 'Etc/UTC',
      httpTarget: { uri: url, httpMethod: 'POST', oidcToken: { serviceAccountEmail: 'log-audit-health-cron@acme-prod.iam.gserviceaccount.com', audience: url } },
    });
    const grants = resources.filter((r) => r.inputs['member'] === SCHEDULER);
    expect(grants.map((g) => [g.type, g.inputs['role'], g.inputs['name']])).toEqual([
      ['gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'roles/run.invoker', 'projects/acme-prod/locations/us-central1/services/log-audit-health'],
    ]);
    // Nobody else may invoke the health check.
    const invokers = ofType('gcp:cloudrunv2/serviceIamMember:ServiceIamMember').filter((g) => String(g.inputs['name']).endsWith('/log-audit-health'));
    expect(invokers.map((g) => g.inputs['member'])).toEqual([SCHEDULER]);
  });
});

describe('tamper evidence', () => {
  const sink = () => ofType(SINK).find((r) => r.name === 'log-audit-tamper-sink')!;

  it('a sink of its own, never excluded, exporting every change to the pipeline and writes to its state by others', () => {
    expect(sink().inputs['exclusions'] ?? []).toEqual([]);
    const filter = sink().inputs['filter'] as string;
    for (const part of [
      'log_id("cloudaudit.googleapis.com/activity")',
      'protoPayload.serviceName="logging.googleapis.com" AND protoPayload.resourceName:("/sinks/log-audit-gcs-sink" OR "/sinks/log-audit-cloudsql-sink" OR "/sinks/log-audit-vpc-flows-sink" OR "/sinks/log-audit-tamper-sink")',
      'protoPayload.serviceName="storage.googleapis.com" AND resource.labels.bucket_name=("acme-prod-log-audit-gcs-logs"',
      '"acme-prod-log-audit-state" OR "acme-prod-log-audit-source")',
      'protoPayload.methodName="SetIamPolicy" AND protoPayload.serviceData.policyDelta.auditConfigDeltas:*',
      '"/functions/log-audit-health"',
      'protoPayload.serviceName="iam.googleapis.com"',
      '"log-audit-trigger@acme-prod.iam.gserviceaccount.com"',
      '"/secrets/log-audit-slack-webhook"',
      '"/jobs/log-audit-health"',
      'log_id("cloudaudit.googleapis.com/data_access") AND resource.labels.bucket_name="acme-prod-log-audit-state" AND protoPayload.methodName=("storage.objects.create" OR "storage.objects.delete" OR "storage.objects.update") AND NOT protoPayload.authenticationInfo.principalEmail=("log-audit-gcs@acme-prod.iam.gserviceaccount.com"',
    ]) {
      expect(filter).toContain(part);
    }
  });

  it('audited by the same function code, reading every audit entry of its bucket as a change', () => {
    const fn = ofType(FUNCTION).find((f) => f.inputs['name'] === 'log-audit-tamper')!;
    expect(fn.inputs).toMatchObject({
      buildConfig: { entryPoint: 'auditBatch' },
      eventTrigger: { eventFilters: [{ attribute: 'bucket', value: 'acme-prod-log-audit-tamper-logs' }] },
      serviceConfig: { environmentVariables: expect.objectContaining({ PIPELINE_CHANGES: 'true', SOURCE_KEY: 'tamper', LOG_PREFIXES: 'cloudaudit.googleapis.com/activity/,cloudaudit.googleapis.com/data_access/' }) },
    });
    for (const key of ['gcs', 'cloudsql', 'vpc-flows']) {
      expect(ofType(FUNCTION).find((f) => f.inputs['name'] === `log-audit-${key}`)!.inputs['serviceConfig'].environmentVariables.PIPELINE_CHANGES).toBeUndefined();
    }
    // Not a source the health check expects batches from: changes to the pipeline are rare.
    expect(ofType(FUNCTION).find((f) => f.inputs['name'] === 'log-audit-health')!.inputs['serviceConfig'].environmentVariables.SOURCES).toBe('gcs,cloudsql,vpc-flows');
  });
});

