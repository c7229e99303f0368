import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { hardenedBucket } from './hardened-bucket.js';

/** Where the sinks live: the pipeline's project, or a folder or organization with every child project. */
export type SinkScope = { kind: 'project'; project: pulumi.Input<string> } | { kind: 'folder'; folderId: string } | { kind: 'organization'; organizationId: string };

export interface LogExportArgs {
  /** Globally unique bucket name. */
  bucketName: string;
  location: pulumi.Input<string>;
  /** The bucket's project (the pipeline's). */
  project: pulumi.Input<string>;
  scope: SinkScope;
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
 * One log source exported to its own hardened bucket: the bucket (retention, lifecycle), a sink with
 * a unique writer identity — in the project, or aggregated over a folder or organization with
 * `includeChildren` — and that identity's `roles/storage.objectCreator` on this bucket only.
 * https://cloud.google.com/logging/docs/export/configure_export_v2#dest-auth
 * https://cloud.google.com/logging/docs/export/aggregated_sinks
 */
export class LogExport extends pulumi.ComponentResource {
  readonly bucket: gcp.storage.Bucket;
  readonly sink: gcp.logging.ProjectSink | gcp.logging.FolderSink | gcp.logging.OrganizationSink;
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
    const sink = {
      name: `${name}-sink`,
      destination: pulumi.interpolate`storage.googleapis.com/${this.bucket.name}`,
      filter: args.filter,
      exclusions: args.exclusions,
      description: `log-audit: ${name} exports for auditing`,
    };
    const scope = args.scope;
    this.sink =
      scope.kind === 'project'
        ? new gcp.logging.ProjectSink(`${name}-sink`, { ...sink, project: scope.project, uniqueWriterIdentity: true }, parent)
        : scope.kind === 'folder'
          ? new gcp.logging.FolderSink(`${name}-sink`, { ...sink, folder: scope.folderId, includeChildren: true }, parent)
          : new gcp.logging.OrganizationSink(`${name}-sink`, { ...sink, orgId: scope.organizationId, includeChildren: true }, parent);
    this.writerGrant = new gcp.storage.BucketIAMMember(
      `${name}-writer`,
      { bucket: this.bucket.name, role: 'roles/storage.objectCreator', member: this.sink.writerIdentity },
      parent,
    );
    this.registerOutputs({ bucketName: this.bucket.name, sinkName: this.sink.name, writerIdentity: this.sink.writerIdentity });
  }
}
