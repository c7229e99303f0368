import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface FlowLogSubnetsArgs {
  region: string;
  subnets: { name: string; network: string; ipCidrRange: string; region?: string | undefined }[];
  aggregationInterval: string;
  flowSampling: number;
  metadata: string;
  /** CEL filter keeping only flows to the protected destinations (cuts volume and cost). */
  filterExpr?: string;
}

/**
 * Subnets this stack creates, with VPC flow logs on. Pulumi can only change resources it manages:
 * for existing subnets, enable flow logs with gcloud (see README) or `pulumi import` them first.
 * https://cloud.google.com/vpc/docs/using-flow-logs
 */
export class FlowLogSubnets extends pulumi.ComponentResource {
  readonly subnets: gcp.compute.Subnetwork[];

  constructor(name: string, args: FlowLogSubnetsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('log-audit:index:FlowLogSubnets', name, {}, opts);
    this.subnets = args.subnets.map(
      (subnet) =>
        new gcp.compute.Subnetwork(
          `${name}-${subnet.name}`,
          {
            name: subnet.name,
            network: subnet.network,
            ipCidrRange: subnet.ipCidrRange,
            region: subnet.region ?? args.region,
            privateIpGoogleAccess: true,
            logConfig: {
              aggregationInterval: args.aggregationInterval,
              flowSampling: args.flowSampling,
              metadata: args.metadata,
              ...(args.filterExpr ? { filterExpr: args.filterExpr } : {}),
            },
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ subnets: this.subnets.map((s) => s.name) });
  }
}
