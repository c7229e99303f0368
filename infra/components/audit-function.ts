import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { AUDIT_FUNCTION_STATE_PREFIXES } from '../../functions/src/function/state-layout.js';
import { deployedFunction, invokerOf, runtimeAccount, stateWriter, webhookReader, type DeployedFunctionArgs } from './deployed-function.js';

export interface AuditFunctionArgs extends Pick<DeployedFunctionArgs, 'functionName' | 'project' | 'region' | 'source' | 'webhook' | 'buildServiceAccount' | 'environment' | 'memory' | 'cpu' | 'timeoutSeconds' | 'maxInstances'> {
  /** The log bucket whose finalized objects trigger this function. */
  logBucket: gcp.storage.Bucket;
  stateBucket: gcp.storage.Bucket;
  /** Identity Eventarc uses to invoke the function. */
  triggerServiceAccount: gcp.serviceaccount.Account;
}

/**
 * One storage-triggered Cloud Function (gen2) for one log bucket: its own runtime service account
 * with read on that bucket, object access on the state bucket's folders it writes (an IAM condition:
 * never the health check's state) and `secretAccessor` on the webhook
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
    this.serviceAccount = runtimeAccount(`${name}-runtime`, args.functionName, args.project, parent);
    const member = pulumi.interpolate`serviceAccount:${this.serviceAccount.email}`;
    const grants = [
      new gcp.storage.BucketIAMMember(`${name}-reads-logs`, { bucket: args.logBucket.name, role: 'roles/storage.objectViewer', member }, parent),
      stateWriter(`${name}-writes-state`, args.stateBucket, member, AUDIT_FUNCTION_STATE_PREFIXES, parent),
      webhookReader(`${name}-reads-webhook`, args.webhook, args.project, member, parent),
    ];
    this.function = deployedFunction(
      `${name}-function`,
      {
        ...args,
        description: 'log-audit: audits each exported log batch and posts one Slack digest when something is anomalous',
        entryPoint: 'auditBatch',
        serviceAccount: this.serviceAccount,
        eventTrigger: {
          eventType: 'google.cloud.storage.object.v1.finalized',
          // The trigger must live where the bucket lives.
          triggerRegion: args.region,
          eventFilters: [{ attribute: 'bucket', value: args.logBucket.name }],
          // Retries are off unless asked for; the handler throws only what a retry can fix.
          retryPolicy: 'RETRY_POLICY_RETRY',
          serviceAccountEmail: args.triggerServiceAccount.email,
        },
      },
      { ...parent, dependsOn: grants },
    );
    this.invoker = invokerOf(`${name}-invoker`, this.function, args, args.triggerServiceAccount, parent);
    this.registerOutputs({ functionName: this.function.name, serviceAccountEmail: this.serviceAccount.email });
  }
}
