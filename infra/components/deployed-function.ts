/**
 * What every log-audit function shares: a runtime service account of its own, the one archive built
 * on the pinned runtime by the build identity, the webhook as a secret env var pinned to the version
 * Pulumi created, internal-only ingress, and `run.invoker` granted on its Cloud Run service to
 * exactly one caller.
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { FUNCTION_ENVIRONMENT } from '../../functions/scripts/bundle-function.mjs';

/**
 * The runtime the functions deploy on. Node.js 24 is supported until its deprecation on 2028-04-30
 * (decommission 2028-10-31); nodejs20 was decommissioned on 2026-10-30, after which no function can be
 * created or updated on it. https://cloud.google.com/run/docs/runtimes/function-runtimes
 */
export const FUNCTION_RUNTIME = 'nodejs24';

export interface DeployedFunctionArgs {
  /** Function name, also the base of its service account id. */
  functionName: string;
  project: pulumi.Input<string>;
  region: string;
  description: string;
  entryPoint: string;
  source: { bucket: pulumi.Input<string>; object: pulumi.Input<string> };
  webhook: { secret: gcp.secretmanager.Secret; version: gcp.secretmanager.SecretVersion };
  /** Identity Cloud Build uses to build the function. */
  buildServiceAccount: gcp.serviceaccount.Account;
  serviceAccount: gcp.serviceaccount.Account;
  environment: Record<string, pulumi.Input<string>>;
  memory: string;
  /** vCPUs; where absent, Cloud Run's default for the memory. */
  cpu?: number;
  /** The function's timeout; its own time budget (TIME_BUDGET_SECONDS) must be shorter. */
  timeoutSeconds: number;
  maxInstances: number;
  eventTrigger?: gcp.types.input.cloudfunctionsv2.FunctionEventTrigger;
}

/** A runtime service account named after the function (ids are at most 30 characters). */
export function runtimeAccount(name: string, functionName: string, project: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): gcp.serviceaccount.Account {
  return new gcp.serviceaccount.Account(name, { accountId: functionName.slice(0, 30), project, displayName: `log-audit runtime for ${functionName}` }, opts);
}

/** `secretAccessor` on the webhook secret, for one member. */
export function webhookReader(name: string, webhook: DeployedFunctionArgs['webhook'], project: pulumi.Input<string>, member: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
  return new gcp.secretmanager.SecretIamMember(name, { project, secretId: webhook.secret.secretId, role: 'roles/secretmanager.secretAccessor', member }, opts);
}

export function deployedFunction(name: string, args: DeployedFunctionArgs, opts: pulumi.CustomResourceOptions): gcp.cloudfunctionsv2.Function {
  return new gcp.cloudfunctionsv2.Function(
    name,
    {
      name: args.functionName,
      project: args.project,
      location: args.region,
      description: args.description,
      buildConfig: {
        runtime: FUNCTION_RUNTIME,
        entryPoint: args.entryPoint,
        serviceAccount: pulumi.interpolate`projects/${args.project}/serviceAccounts/${args.buildServiceAccount.email}`,
        source: { storageSource: { bucket: args.source.bucket, object: args.source.object } },
      },
      serviceConfig: {
        availableMemory: args.memory,
        ...(args.cpu !== undefined ? { availableCpu: String(args.cpu) } : {}),
        timeoutSeconds: args.timeoutSeconds,
        maxInstanceCount: args.maxInstances,
        minInstanceCount: 0,
        // One request per instance: a batch (or a health run) uses the instance's CPU and memory alone.
        maxInstanceRequestConcurrency: 1,
        ingressSettings: 'ALLOW_INTERNAL_ONLY',
        allTrafficOnLatestRevision: true,
        serviceAccountEmail: args.serviceAccount.email,
        // Node's options and glibc's malloc settings for the runtime (FUNCTION_ENVIRONMENT: a smaller
        // young generation, and downloaded chunks' memory kept for the next ones; both measured faster).
        environmentVariables: { ...FUNCTION_ENVIRONMENT, ...args.environment },
        secretEnvironmentVariables: [{ key: 'SLACK_WEBHOOK_URL', projectId: args.project, secret: args.webhook.secret.secretId, version: args.webhook.version.version }],
      },
      ...(args.eventTrigger ? { eventTrigger: args.eventTrigger } : {}),
      labels: { app: 'log-audit' },
    },
    opts,
  );
}

/** `run.invoker` on the function's Cloud Run service for its one caller. */
export function invokerOf(name: string, fn: gcp.cloudfunctionsv2.Function, args: { project: pulumi.Input<string>; region: string; functionName: string }, caller: gcp.serviceaccount.Account, opts: pulumi.CustomResourceOptions) {
  return new gcp.cloudrunv2.ServiceIamMember(
    name,
    {
      project: args.project,
      location: args.region,
      name: fn.serviceConfig.apply((c) => c?.service ?? args.functionName),
      role: 'roles/run.invoker',
      member: pulumi.interpolate`serviceAccount:${caller.email}`,
    },
    opts,
  );
}

/**
 * `roles/storage.objectUser` on the state bucket limited, by an IAM condition on the object name, to
 * the given top-level folders. The bucket has uniform bucket-level access, which conditions need.
 * Bucket-level permissions (listing) fall outside the condition: grant `objectViewer` for those.
 * https://cloud.google.com/storage/docs/access-control/iam#conditions
 */
export function stateWriter(name: string, bucket: gcp.storage.Bucket, member: pulumi.Input<string>, prefixes: readonly string[], opts: pulumi.CustomResourceOptions): gcp.storage.BucketIAMMember {
  return new gcp.storage.BucketIAMMember(
    name,
    {
      bucket: bucket.name,
      role: 'roles/storage.objectUser',
      member,
      condition: {
        title: `state-${prefixes.map((p) => p.replace(/\/$/, '')).join('-')}`.slice(0, 100),
        description: `Only objects under ${prefixes.join(', ')} in the state bucket`,
        expression: bucket.name.apply((b) => prefixes.map((p) => `resource.name.startsWith("projects/_/buckets/${b}/objects/${p}")`).join(' || ')),
      },
    },
    opts,
  );
}
