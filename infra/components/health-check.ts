import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { HEALTH_CHECK_STATE_PREFIXES } from '../../functions/src/function/state-layout.js';
import { deployedFunction, invokerOf, runtimeAccount, stateWriter, webhookReader, type DeployedFunctionArgs } from './deployed-function.js';

export interface HealthCheckArgs extends Pick<DeployedFunctionArgs, 'functionName' | 'project' | 'region' | 'source' | 'webhook' | 'buildServiceAccount' | 'environment' | 'timeoutSeconds'> {
  stateBucket: gcp.storage.Bucket;
  /** Minutes between two runs: a divisor of 60. */
  everyMinutes: number;
}

/** Cloud Scheduler's cron for "every N minutes", in UTC. */
export function healthCheckSchedule(everyMinutes: number): string {
  return everyMinutes >= 60 ? '0 * * * *' : `*/${everyMinutes} * * * *`;
}

/**
 * The scheduled health check: an HTTP Cloud Function (gen2) that reads only the state bucket and
 * posts to Slack when a source has gone quiet, batches were dead-lettered or read nothing in scope
 * (functions/src/function/health/). Least privilege, each identity its own:
 * - the function's runtime account reads the state bucket (objectViewer) and may write only under
 *   `health/` (objectUser with an IAM condition on the object name), and reads the webhook secret;
 *   it has no access to any log bucket;
 * - a scheduler account whose only role is `run.invoker` on this function's Cloud Run service;
 *   Cloud Scheduler calls the function with an OIDC token of it.
 * Ingress is internal-only: Cloud Scheduler in the same project counts as internal.
 * https://cloud.google.com/scheduler/docs/http-target-auth
 * https://cloud.google.com/run/docs/securing/ingress
 * https://cloud.google.com/iam/docs/conditions-resource-attributes
 */
export class HealthCheck extends pulumi.ComponentResource {
  readonly serviceAccount: gcp.serviceaccount.Account;
  readonly schedulerAccount: gcp.serviceaccount.Account;
  readonly function: gcp.cloudfunctionsv2.Function;
  readonly invoker: gcp.cloudrunv2.ServiceIamMember;
  readonly job: gcp.cloudscheduler.Job;

  constructor(name: string, args: HealthCheckArgs, opts?: pulumi.ComponentResourceOptions) {
    super('log-audit:index:HealthCheck', name, {}, opts);
    const parent = { parent: this };
    this.serviceAccount = runtimeAccount(`${name}-runtime`, args.functionName, args.project, parent);
    const member = pulumi.interpolate`serviceAccount:${this.serviceAccount.email}`;
    const grants = [
      new gcp.storage.BucketIAMMember(`${name}-reads-state`, { bucket: args.stateBucket.name, role: 'roles/storage.objectViewer', member }, parent),
      stateWriter(`${name}-writes-health-state`, args.stateBucket, member, HEALTH_CHECK_STATE_PREFIXES, parent),
      webhookReader(`${name}-reads-webhook`, args.webhook, args.project, member, parent),
    ];
    this.function = deployedFunction(
      `${name}-function`,
      {
        ...args,
        description: 'log-audit: scheduled health check — posts when a log source goes quiet, batches are dead-lettered or read nothing in scope',
        entryPoint: 'healthCheck',
        serviceAccount: this.serviceAccount,
        memory: '512Mi',
        // One run at a time: the health state is written with a generation precondition anyway.
        maxInstances: 1,
      },
      { ...parent, dependsOn: grants },
    );
    this.schedulerAccount = new gcp.serviceaccount.Account(
      `${name}-scheduler`,
      { accountId: `${args.functionName}-cron`.slice(0, 30), project: args.project, displayName: `log-audit scheduler for ${args.functionName}` },
      parent,
    );
    this.invoker = invokerOf(`${name}-invoker`, this.function, args, this.schedulerAccount, parent);
    this.job = new gcp.cloudscheduler.Job(
      `${name}-job`,
      {
        name: args.functionName,
        project: args.project,
        region: args.region,
        description: 'log-audit: runs the health check',
        schedule: healthCheckSchedule(args.everyMinutes),
        timeZone: 'Etc/UTC',
        // A failed run is not retried: the next scheduled run reposts whatever was not posted.
        retryConfig: { retryCount: 0 },
        attemptDeadline: `${args.timeoutSeconds + 20}s`,
        httpTarget: {
          uri: this.function.url,
          httpMethod: 'POST',
          oidcToken: { serviceAccountEmail: this.schedulerAccount.email, audience: this.function.url },
        },
      },
      { ...parent, dependsOn: [this.invoker] },
    );
    this.registerOutputs({ functionName: this.function.name, jobName: this.job.name, serviceAccountEmail: this.serviceAccount.email });
  }
}
