import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface WebhookSecretArgs {
  secretId: string;
  project: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** The webhook URL, a Pulumi secret: encrypted in state, never in plain config or env. */
  value: pulumi.Output<string>;
}

/** The Slack webhook URL in Secret Manager, one version per value Pulumi was given. */
export class WebhookSecret extends pulumi.ComponentResource {
  readonly secret: gcp.secretmanager.Secret;
  readonly version: gcp.secretmanager.SecretVersion;

  constructor(name: string, args: WebhookSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super('log-audit:index:WebhookSecret', name, {}, opts);
    const parent = { parent: this };
    this.secret = new gcp.secretmanager.Secret(
      `${name}-secret`,
      { secretId: args.secretId, project: args.project, replication: { userManaged: { replicas: [{ location: args.location }] } }, labels: { app: 'log-audit' } },
      parent,
    );
    this.version = new gcp.secretmanager.SecretVersion(`${name}-version`, { secret: this.secret.id, secretData: pulumi.secret(args.value) }, parent);
    this.registerOutputs({ secretId: this.secret.secretId, version: this.version.version });
  }
}
