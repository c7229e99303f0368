import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface DataAccessAuditingArgs {
  project: pulumi.Input<string>;
  /** Services whose Data Access logs are turned on. */
  services: string[];
  /** The pipeline's own identities: their reads must not be audited, or it audits itself forever. */
  exemptedMembers: pulumi.Input<string>[];
}

/**
 * Turns on Data Access audit logs (DATA_READ, DATA_WRITE, ADMIN_READ) — off by default for Cloud
 * Storage and Cloud SQL. https://cloud.google.com/logging/docs/audit/configure-data-access
 */
export class DataAccessAuditing extends pulumi.ComponentResource {
  readonly configs: gcp.projects.IAMAuditConfig[];

  constructor(name: string, args: DataAccessAuditingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('log-audit:index:DataAccessAuditing', name, {}, opts);
    this.configs = args.services.map(
      (service) =>
        new gcp.projects.IAMAuditConfig(
          `${name}-${service.split('.')[0]}`,
          {
            project: args.project,
            service,
            auditLogConfigs: [
              { logType: 'ADMIN_READ' },
              { logType: 'DATA_READ', exemptedMembers: args.exemptedMembers },
              { logType: 'DATA_WRITE', exemptedMembers: args.exemptedMembers },
            ],
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ services: args.services });
  }
}
