import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface AuditFunctionArgs {
  /** Function name, also the base of its service account id. */
  functionName: string;
  project: pulumi.Input<string>;
  region: string;
  /** The log bucket whose finalized objects trigger this function. */
  logBucket: gcp.storage.Bucket;
  stateBucket: gcp.storage.Bucket;
  source: { bucket: pulumi.Input<string>; object: pulumi.Input<string> };
  webhook: { secret: gcp.secretmanager.Secret; version: gcp.secretmanager.SecretVersion };
  /** Identity Eventarc uses to invoke the function. */
  triggerServiceAccount: gcp.serviceaccount.Account;
  /** Identity Cloud Build uses to build the function. */
  buildServiceAccount: gcp.serviceaccount.Account;
  environment: Record<string, pulumi.Input<string>>;
  memory: string;
  timeoutSeconds: number;
  maxInstances: number;
}

/**
 * The runtime the functions deploy on. Node.js 24 is supported until its deprecation on 2028-04-30
 * (decommission 2028-10-31); nodejs20 was decommissioned on 2026-10-30, after which no function can be
 * created or updated on it. https://cloud.google.com/run/docs/runtimes/function-runtimes
 */
export const FUNCTION_RUNTIME = 'nodejs24';

/**
 * One storage-triggered Cloud Function (gen2) for one log bucket: its own runtime service account
 * with read on that bucket, object access on the state bucket and `secretAccessor` on the webhook
 * secret — nothing project-wide; an Eventarc trigger on `object.v1.finalized` of the bucket, in its
 * region, with retries on; internal-only ingress; the webhook as a secret env var pinned to the
 * version Pulumi created.
 * https://cloud.google.com/functions/docs/calling/storage
 */
export class AuditFunction extends pulumi.ComponentResource {
  readonly serviceAccount: gcp.serviceaccount.Account;
  readonly function: gcp.cloudfunctionsv2.Function;
  readonly invoker: gcp.cloudrunv2.ServiceIamMember;

  constructor(name: string, args: AuditFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('log-audit:index:AuditFunction', name, {}, opts);
    const parent = { parent: this };
    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-runtime`,
      { accountId: args.functionName.slice(0, 30), project: args.project, displayName: `log-audit runtime for ${args.functionName}` },
      parent,
    );
    const member = pulumi.interpolate`serviceAccount:${this.serviceAccount.email}`;
    const grants = [
      new gcp.storage.BucketIAMMember(`${name}-reads-logs`, { bucket: args.logBucket.name, role: 'roles/storage.objectViewer', member }, parent),
      new gcp.storage.BucketIAMMember(`${name}-writes-state`, { bucket: args.stateBucket.name, role: 'roles/storage.objectUser', member }, parent),
      new gcp.secretmanager.SecretIamMember(`${name}-reads-webhook`, { project: args.project, secretId: args.webhook.secret.secretId, role: 'roles/secretmanager.secretAccessor', member }, parent),
    ];
    this.function = new gcp.cloudfunctionsv2.Function(
      `${name}-function`,
      {
        name: args.functionName,
        project: args.project,
        location: args.region,
        description: 'log-audit: audits each exported log batch and posts one Slack digest when something is anomalous',
        buildConfig: {
          runtime: FUNCTION_RUNTIME,
          entryPoint: 'auditBatch',
          serviceAccount: pulumi.interpolate`projects/${args.project}/serviceAccounts/${args.buildServiceAccount.email}`,
          source: { storageSource: { bucket: args.source.bucket, object: args.source.object } },
        },
        serviceConfig: {
          availableMemory: args.memory,
          timeoutSeconds: args.timeoutSeconds,
          maxInstanceCount: args.maxInstances,
          minInstanceCount: 0,
          // One batch per instance: a shard uses the instance's CPU and memory budget alone.
          maxInstanceRequestConcurrency: 1,
          ingressSettings: 'ALLOW_INTERNAL_ONLY',
          allTrafficOnLatestRevision: true,
          serviceAccountEmail: this.serviceAccount.email,
          environmentVariables: args.environment,
          secretEnvironmentVariables: [{ key: 'SLACK_WEBHOOK_URL', projectId: args.project, secret: args.webhook.secret.secretId, version: args.webhook.version.version }],
        },
        eventTrigger: {
          eventType: 'google.cloud.storage.object.v1.finalized',
          // The trigger must live where the bucket lives.
          triggerRegion: args.region,
          eventFilters: [{ attribute: 'bucket', value: args.logBucket.name }],
          // Retries are off unless asked for; the handler throws only what a retry can fix.
          retryPolicy: 'RETRY_POLICY_RETRY',
          serviceAccountEmail: args.triggerServiceAccount.email,
        },
        labels: { app: 'log-audit' },
      },
      { ...parent, dependsOn: grants },
    );
    this.invoker = new gcp.cloudrunv2.ServiceIamMember(
      `${name}-invoker`,
      {
        project: args.project,
        location: args.region,
        name: this.function.serviceConfig.apply((c) => c?.service ?? args.functionName),
        role: 'roles/run.invoker',
        member: pulumi.interpolate`serviceAccount:${args.triggerServiceAccount.email}`,
      },
      parent,
    );
    this.registerOutputs({ functionName: this.function.name, serviceAccountEmail: this.serviceAccount.email });
  }
}
