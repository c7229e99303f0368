import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';

export interface HardenedBucketArgs {
  name: string;
  location: string;
  /** Objects cannot be deleted or replaced before this many days (log buckets only). */
  retentionDays?: number;
  lockRetention?: boolean;
  lifecycleRules: gcp.types.input.storage.BucketLifecycleRule[];
  labels?: Record<string, string>;
}

/**
 * Every bucket of the pipeline: uniform bucket-level access (no object ACLs), public access
 * prevention enforced, no versioning, and an explicit lifecycle.
 * https://cloud.google.com/storage/docs/public-access-prevention
 */
export function hardenedBucket(resourceName: string, args: HardenedBucketArgs, opts: pulumi.CustomResourceOptions): gcp.storage.Bucket {
  return new gcp.storage.Bucket(
    resourceName,
    {
      name: args.name,
      location: args.location,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: false,
      versioning: { enabled: false },
      ...(args.retentionDays !== undefined ? { retentionPolicy: { retentionPeriod: String(args.retentionDays * 86400), isLocked: args.lockRetention ?? false } } : {}),
      lifecycleRules: args.lifecycleRules,
      labels: { app: 'log-audit', ...(args.labels ?? {}) },
    },
    opts,
  );
}
