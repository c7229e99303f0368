/**
 * log-audit on Google Cloud: `pulumi up` in this directory creates the whole pipeline.
 *
 *   sources ──sinks──► hardened log buckets ──object.finalized──► audit functions ──► Slack
 *                                                                        │
 *                                   state bucket (markers, reports) ◄────┘
 *                                      (evidence, dead-letters)
 *   Cloud Scheduler ──OIDC──► health-check function ──reads──┘  ──► Slack when a source goes quiet
 *
 * Config is read once (config.ts); each concern is a component (components/); the sink filters are
 * pure functions (filters.ts). Tests run this program under pulumi.runtime.setMocks.
 */
import { fileURLToPath } from 'node:url';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { AuditFunction } from './components/audit-function.js';
import { DataAccessAuditing } from './components/data-access-auditing.js';
import { FlowLogSubnets } from './components/flow-log-subnets.js';
import { hardenedBucket } from './components/hardened-bucket.js';
import { HealthCheck } from './components/health-check.js';
import { LogExport, type SinkScope } from './components/log-export.js';
import { RequiredApis } from './components/required-apis.js';
import { WebhookSecret } from './components/webhook-secret.js';
import { expectedGapEnv, readStackConfig, STOP_BEFORE_TIMEOUT_SECONDS, timeBudgetSeconds } from './config.js';
import { cloudSqlSinkFilter, flowLogFilterExpr, gcsSinkFilter, pipelineBucketsExclusion, pipelineIdentitiesExclusion, tamperSinkFilter, vpcFlowSinkFilter } from './filters.js';
import { functionSource } from './function-source.js';
import { EXPIRING_STATE_PREFIXES } from '../functions/src/function/state-layout.js';

const config = readStackConfig();
const { project, region, namePrefix: prefix } = config;
const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where sinks and audit configs live; buckets, functions and state stay in the pipeline's project. */
const scope: SinkScope =
  config.scope === 'folder' ? { kind: 'folder', folderId: config.scopeId! } : config.scope === 'organization' ? { kind: 'organization', organizationId: config.scopeId! } : { kind: 'project', project };

const apis = new RequiredApis(`${prefix}-apis`, { project });
const afterApis = { dependsOn: [apis] };

/** The log sources, each with its sink filter and the object-name prefixes its function accepts. */
const SOURCES = [
  { key: 'gcs', enabled: config.sources.gcs, filter: gcsSinkFilter(config.protectedBuckets), logPrefixes: ['cloudaudit.googleapis.com/data_access/'] },
  {
    key: 'cloudsql',
    enabled: config.sources.cloudsql,
    filter: cloudSqlSinkFilter(project, config.protectedSqlInstances),
    logPrefixes: ['cloudaudit.googleapis.com/activity/', 'cloudaudit.googleapis.com/data_access/', 'cloudsql.googleapis.com/'],
  },
  { key: 'vpc-flows', enabled: config.sources.vpcFlows, filter: vpcFlowSinkFilter(config.protectedDestinations), logPrefixes: ['compute.googleapis.com/vpc_flows/', 'networkmanagement.googleapis.com/vpc_flows/'] },
].filter((s) => s.enabled);
/** The tamper export: changes to the pipeline itself, always on, audited by a function of its own. */
const TAMPER_KEY = 'tamper';

// Names are deterministic, so exclusions can name the pipeline's buckets and identities up front.
const bucketName = (role: string) => `${project}-${prefix}-${role}`.slice(0, 63);
const functionName = (source: string) => `${prefix}-${source}`;
const sinkName = (source: string) => `${prefix}-${source}-sink`;
const runtimeEmail = (name: string) => `${name.slice(0, 30)}@${project}.iam.gserviceaccount.com`;
const healthFunctionName = `${prefix}-health`;
const auditKeys = [...SOURCES.map((s) => s.key), TAMPER_KEY];
const pipelineBuckets = [...auditKeys.map((k) => bucketName(`${k}-logs`)), bucketName('state'), bucketName('source')];
const pipelineIdentities = [...auditKeys.map((k) => runtimeEmail(functionName(k))), runtimeEmail(healthFunctionName)];
const EXPORTS = [
  // The pipeline never audits its own reads (exports, state): they are excluded from the access exports.
  ...SOURCES.map((s) => ({ ...s, exclusions: s.key === 'vpc-flows' ? [] : [pipelineBucketsExclusion(pipelineBuckets), pipelineIdentitiesExclusion(pipelineIdentities)], env: {} })),
  {
    key: TAMPER_KEY,
    filter: tamperSinkFilter({
      sinks: auditKeys.map(sinkName),
      buckets: pipelineBuckets,
      stateBucket: bucketName('state'),
      functions: [...auditKeys.map(functionName), healthFunctionName],
      serviceAccounts: [...pipelineIdentities, runtimeEmail(`${prefix}-trigger`), runtimeEmail(`${prefix}-build`), runtimeEmail(`${healthFunctionName}-cron`)],
      secrets: [`${prefix}-slack-webhook`],
      schedulerJobs: [healthFunctionName],
      identities: pipelineIdentities,
    }),
    logPrefixes: ['cloudaudit.googleapis.com/activity/', 'cloudaudit.googleapis.com/data_access/'],
    // Never excluded: an exclusion here is exactly what an attacker would add.
    exclusions: [],
    env: { PIPELINE_CHANGES: 'true' },
  },
];

const stateBucket = hardenedBucket(
  `${prefix}-state`,
  {
    name: bucketName('state'),
    location: region,
    // Markers, reports and suppression state are rewritten: no retention policy here (a locked one forbids overwrites).
    // Only per-batch state expires; learning records and the health state are kept (state-layout.ts says why).
    lifecycleRules: [{ action: { type: 'Delete' }, condition: { age: config.stateRetentionDays, matchesPrefixes: [...EXPIRING_STATE_PREFIXES] } }],
    labels: { role: 'state' },
  },
  afterApis,
);
const sourceBucket = hardenedBucket(
  `${prefix}-source`,
  { name: bucketName('source'), location: region, lifecycleRules: [{ action: { type: 'Delete' }, condition: { numNewerVersions: 1, age: 30 } }], labels: { role: 'function-source' } },
  afterApis,
);

const exports = EXPORTS.map(
  (source) =>
    new LogExport(
      `${prefix}-${source.key}`,
      {
        bucketName: bucketName(`${source.key}-logs`),
        location: region,
        project,
        scope,
        filter: source.filter,
        exclusions: source.exclusions,
        retentionDays: config.logRetentionDays,
        lockRetention: config.lockRetention,
        coldlineAfterDays: config.coldlineAfterDays,
        deleteAfterDays: config.deleteAfterDays,
      },
      afterApis,
    ),
);

const webhook = new WebhookSecret(`${prefix}-webhook`, { secretId: `${prefix}-slack-webhook`, project, location: region, value: config.slackWebhookUrl }, afterApis);

const source = await functionSource(repositoryRoot);
const sourceObject = new gcp.storage.BucketObject(`${prefix}-function-source`, { bucket: sourceBucket.name, name: `function-source/${source.hash}.zip`, source: source.archive }, { parent: sourceBucket });

// Eventarc delivers as this identity: it may receive events and invoke the functions, nothing else.
const triggerAccount = new gcp.serviceaccount.Account(`${prefix}-trigger`, { accountId: `${prefix}-trigger`.slice(0, 30), project, displayName: 'log-audit Eventarc trigger' }, afterApis);
const triggerReceiver = new gcp.projects.IAMMember(`${prefix}-trigger-receiver`, { project, role: 'roles/eventarc.eventReceiver', member: pulumi.interpolate`serviceAccount:${triggerAccount.email}` });

// Cloud Build builds the functions as this identity (not the broad default compute account).
const buildAccount = new gcp.serviceaccount.Account(`${prefix}-build`, { accountId: `${prefix}-build`.slice(0, 30), project, displayName: 'log-audit function build' }, afterApis);
const buildMember = pulumi.interpolate`serviceAccount:${buildAccount.email}`;
const buildGrants = [
  new gcp.projects.IAMMember(`${prefix}-build-logs`, { project, role: 'roles/logging.logWriter', member: buildMember }),
  new gcp.projects.IAMMember(`${prefix}-build-images`, { project, role: 'roles/artifactregistry.writer', member: buildMember }),
  new gcp.storage.BucketIAMMember(`${prefix}-build-source`, { bucket: sourceBucket.name, role: 'roles/storage.objectViewer', member: buildMember }),
];

// Cloud Storage publishes object notifications through Pub/Sub as its service agent.
const storageAgent = gcp.storage.getProjectServiceAccountOutput({ project });
const storageAgentPublisher = new gcp.projects.IAMMember(`${prefix}-gcs-agent-publisher`, { project, role: 'roles/pubsub.publisher', member: pulumi.interpolate`serviceAccount:${storageAgent.emailAddress}` });

const functions = EXPORTS.map(
  (s, i) =>
    new AuditFunction(
      functionName(s.key),
      {
        functionName: functionName(s.key),
        project,
        region,
        logBucket: exports[i]!.bucket,
        stateBucket,
        source: { bucket: sourceBucket.name, object: sourceObject.name },
        webhook: { secret: webhook.secret, version: webhook.version },
        triggerServiceAccount: triggerAccount,
        buildServiceAccount: buildAccount,
        environment: {
          STATE_BUCKET: stateBucket.name,
          GCP_PROJECT: project,
          ...(config.environmentName ? { ENVIRONMENT_NAME: config.environmentName } : {}),
          LOG_PREFIXES: s.logPrefixes.join(','),
          TIME_BUDGET_SECONDS: String(timeBudgetSeconds(config.functionTimeoutSeconds)),
          DELIVERY_RESERVE_SECONDS: String(config.deliveryReserveSeconds),
          SUPPRESSION_WINDOW_HOURS: String(config.suppressionWindowHours),
          BURST_THRESHOLD: String(config.burstThreshold),
          SOURCE_KEY: s.key,
          LEARNING_DAYS: String(config.learningDays),
          ...s.env,
        },
        memory: config.functionMemory,
        cpu: config.functionCpu,
        timeoutSeconds: config.functionTimeoutSeconds,
        maxInstances: config.maxInstances,
      },
      { dependsOn: [apis, triggerReceiver, storageAgentPublisher, ...buildGrants] },
    ),
);

/** The health check's timeout; it stops posting STOP_BEFORE_TIMEOUT_SECONDS before it. */
const HEALTH_TIMEOUT_SECONDS = 300;
const health = new HealthCheck(
  healthFunctionName,
  {
    functionName: healthFunctionName,
    project,
    region,
    stateBucket,
    source: { bucket: sourceBucket.name, object: sourceObject.name },
    webhook: { secret: webhook.secret, version: webhook.version },
    buildServiceAccount: buildAccount,
    environment: {
      STATE_BUCKET: stateBucket.name,
      SOURCES: SOURCES.map((s) => s.key).join(','),
      EXPECTED_GAP_HOURS: expectedGapEnv(config.expectedGapHours),
      LEARNING_DAYS: String(config.learningDays),
      DAILY_SUMMARY: String(config.dailySummary),
      REVIEW_EVERY_DAYS: String(config.reviewEveryDays),
      REVIEW_UNSEEN_DAYS: String(config.reviewUnseenDays),
      TIME_BUDGET_SECONDS: String(HEALTH_TIMEOUT_SECONDS - STOP_BEFORE_TIMEOUT_SECONDS),
    },
    everyMinutes: config.healthCheckMinutes,
    timeoutSeconds: HEALTH_TIMEOUT_SECONDS,
  },
  { dependsOn: [apis, ...buildGrants] },
);

/** Data Access audit logs of the services whose sources are on (flow logs need none). */
const auditedServices = [...(config.sources.gcs ? ['storage.googleapis.com'] : []), ...(config.sources.cloudsql ? ['cloudsql.googleapis.com'] : [])];
const auditing =
  config.manageDataAccessAudit && auditedServices.length > 0
    ? new DataAccessAuditing(
        `${prefix}-data-access`,
        { scope, services: auditedServices, exemptedMembers: [...functions, health].map((f) => pulumi.interpolate`serviceAccount:${f.serviceAccount.email}`) },
        afterApis,
      )
    : undefined;

const flowLogSubnets =
  config.managedSubnets.length > 0
    ? new FlowLogSubnets(
        `${prefix}-subnets`,
        { region, subnets: config.managedSubnets, ...config.flowLogs, ...(flowLogFilterExpr(config.protectedDestinations) ? { filterExpr: flowLogFilterExpr(config.protectedDestinations)! } : {}) },
        afterApis,
      )
    : undefined;

export const logBuckets = pulumi.all(exports.map((e) => e.bucket.name));
export const sinks = pulumi.all(exports.map((e) => e.sink.name));
export const sinkWriterIdentities = pulumi.all(exports.map((e) => e.sink.writerIdentity));
export const stateBucketName = stateBucket.name;
export const functionNames = pulumi.all(functions.map((f) => f.function.name));
export const healthCheckFunction = health.function.name;
export const healthCheckJob = health.job.name;
export const webhookSecret = webhook.secret.secretId;
export const baselineFiles = source.baselineFiles.length;
export const dataAccessServices = pulumi.all(auditing?.configs.map((c) => c.service) ?? []);
export const managedSubnets = pulumi.all(flowLogSubnets?.subnets.map((s) => s.name) ?? []);
