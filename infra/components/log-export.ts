import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { hardenedBucket } from './hardened-bucket.js';

export interface LogExportArgs {
  /** Globally unique bucket name. */
  bucketName: string;
  location: pulumi.Input<string>;
  project: pulumi.Input<string>;
  /** Which entries the sink routes (formats.md §7). */
  filter: pulumi.Input<string>;
  /** Entries dropped before export: the pipeline never audits itself. */
  exclusions: pulumi.Input<gcp.types.input.logging.ProjectSinkExclusion>[];
  retentionDays: number;
  lockRetention: boolean;
  coldlineAfterDays: number;
  deleteAfterDays: number;
}

/**
 * One log source exported to its own hardened bucket: the bucket (retention, lifecycle), a project
 * sink with a unique writer identity, and that identity's `roles/storage.objectCreator` on this
 * bucket only.
 * https://cloud.google.com/logging/docs/export/configure_export_v2#dest-auth
 */
export class LogExport extends pulumi.ComponentResource {
  readonly bucket: gcp.storage.Bucket;
  readonly sink: gcp.logging.ProjectSink;
  readonly writerGrant: gcp.storage.BucketIAMMember;

  constructor(name: string, args: LogExportArgs, opts?: pulumi.ComponentResourceOptions) {
    super('log-audit:index:LogExport', name, {}, opts);
    const parent = { parent: this };
    this.bucket = hardenedBucket(
      `${name}-bucket`,
      {
        name: args.bucketName,
        location: args.location as string,
        retentionDays: args.retentionDays,
        lockRetention: args.lockRetention,
        lifecycleRules: [
          { action: { type: 'SetStorageClass', storageClass: 'COLDLINE' }, condition: { age: args.coldlineAfterDays, matchesStorageClasses: ['STANDARD'] } },
          { action: { type: 'Delete' }, condition: { age: Math.max(args.deleteAfterDays, args.retentionDays) } },
        ],
        labels: { role: 'log-export' },
      },
      parent,
    );
    this.sink = new gcp.logging.ProjectSink(
      `${name}-sink`,
      {
        name: `${name}-sink`,
        project: args.project,
        destination: pulumi.interpolate`storage.googleapis.com/${this.bucket.name}`,
        filter: args.filter,
        exclusions: args.exclusions,
        uniqueWriterIdentity: true,
        description: `log-audit: ${name} exports for auditing`,
      },
      parent,
    );
    this.writerGrant = new gcp.storage.BucketIAMMember(
      `${name}-writer`,
      { bucket: this.bucket.name, role: 'roles/storage.objectCreator', member: this.sink.writerIdentity },
      parent,
    );
    this.registerOutputs({ bucketName: this.bucket.name, sinkName: this.sink.name, writerIdentity: this.sink.writerIdentity });
  }
}
