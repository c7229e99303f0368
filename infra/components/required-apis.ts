import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** Google APIs the pipeline needs; disabling them on destroy is left to the project owner. */
export const REQUIRED_APIS = [
  'cloudfunctions.googleapis.com',
  'run.googleapis.com',
  'eventarc.googleapis.com',
  'pubsub.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
  'storage.googleapis.com',
  'logging.googleapis.com',
  'secretmanager.googleapis.com',
  'iam.googleapis.com',
  'cloudscheduler.googleapis.com',
] as const;

export class RequiredApis extends pulumi.ComponentResource {
  readonly services: gcp.projects.Service[];

  constructor(name: string, args: { project: pulumi.Input<string> }, opts?: pulumi.ComponentResourceOptions) {
    super('log-audit:index:RequiredApis', name, {}, opts);
    this.services = REQUIRED_APIS.map(
      (service) => new gcp.projects.Service(`${name}-${service.split('.')[0]}`, { project: args.project, service, disableOnDestroy: false, disableDependentServices: false }, { parent: this }),
    );
    this.registerOutputs({ services: REQUIRED_APIS });
  }
}
