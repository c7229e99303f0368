import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { SinkScope } from './log-export.js';

export interface DataAccessAuditingArgs {
  /** Where the configs are set: the project, or the folder or organization the sinks cover. */
  scope: SinkScope;
  /** Services whose Data Access logs are turned on: only those of the sources that are on. */
  services: string[];
  /** The pipeline's own identities: their reads must not be audited, or it audits itself forever. */
  exemptedMembers: pulumi.Input<string>[];
}

/**
 * Turns on Data Access audit logs (DATA_READ, DATA_WRITE, ADMIN_READ) — off by default for Cloud
 * Storage and Cloud SQL — at the level of the scope, one config per service.
 *
 * An audit config is authoritative for its service at its level: it replaces what was set there
 * before, and deleting it would switch Data Access logging off for everything else that relied on
 * it. So these resources are kept on `pulumi destroy` (retainOnDelete), and the whole component is
 * created only with `log-audit:manageDataAccessAudit` (deploy guide).
 * https://cloud.google.com/logging/docs/audit/configure-data-access
 */
export class DataAccessAuditing extends pulumi.ComponentResource {
  readonly configs: (gcp.projects.IAMAuditConfig | gcp.folder.IamAuditConfig | gcp.organizations.IamAuditConfig)[];

  constructor(name: string, args: DataAccessAuditingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('log-audit:index:DataAccessAuditing', name, {}, opts);
    const options = { parent: this, retainOnDelete: true };
    this.configs = args.services.map((service) => {
      const config = {
        service,
        auditLogConfigs: [
          { logType: 'ADMIN_READ' },
          { logType: 'DATA_READ', exemptedMembers: args.exemptedMembers },
          { logType: 'DATA_WRITE', exemptedMembers: args.exemptedMembers },
        ],
      };
      const resourceName = `${name}-${service.split('.')[0]}`;
      const scope = args.scope;
      if (scope.kind === 'folder') return new gcp.folder.IamAuditConfig(resourceName, { ...config, folder: `folders/${scope.folderId}` }, options);
      if (scope.kind === 'organization') return new gcp.organizations.IamAuditConfig(resourceName, { ...config, orgId: scope.organizationId }, options);
      return new gcp.projects.IAMAuditConfig(resourceName, { ...config, project: scope.project }, options);
    });
    this.registerOutputs({ services: args.services });
  }
}
