/** Deep links to Logs Explorer scoped to a finding's target, source, credential and time window. */
import type { Finding } from '../detect/finding.js';
import { flowTargetNetwork } from '../parse/vpc-flow.js';

const PAD_MS = 5 * 60 * 1000;

/** A Logging query string literal. */
function literal(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function sourceAddress(source: string): string | undefined {
  return source.startsWith('ip:') ? source.slice(3) : source.startsWith('token:') ? source.slice(6) : undefined;
}

/** The Logging query that shows a finding's events. */
export function findingQuery(finding: Finding): string {
  const ip = sourceAddress(finding.source);
  const credential = finding.credential;
  const lines: string[] = [];
  switch (finding.kind) {
    case 'gcs':
      lines.push('protoPayload.serviceName="storage.googleapis.com"', `resource.labels.bucket_name=${literal(finding.target)}`);
      if (ip) lines.push(`protoPayload.requestMetadata.callerIp=${literal(ip)}`);
      if (credential && !credential.includes(' -> ')) lines.push(`protoPayload.authenticationInfo.principalEmail=${literal(credential)}`);
      break;
    case 'cloudsql':
      lines.push('resource.type="cloudsql_database"', `resource.labels.database_id=${literal(finding.target)}`);
      if (ip) lines.push(literal(ip));
      if (credential) lines.push(literal(credential.replace(/^db-user:/, '')));
      break;
    case 'pipeline': {
      // The change itself: its audit entry, by resource, caller and method.
      const bucket = /^projects\/_\/buckets\/([^/]+)$/.exec(finding.target);
      lines.push('(log_id("cloudaudit.googleapis.com/activity") OR log_id("cloudaudit.googleapis.com/data_access"))');
      lines.push(bucket ? `resource.labels.bucket_name=${literal(bucket[1]!)}` : `protoPayload.resourceName=${literal(finding.target)}`);
      if (ip) lines.push(`protoPayload.requestMetadata.callerIp=${literal(ip)}`);
      if (credential && !credential.includes(' -> ')) lines.push(`protoPayload.authenticationInfo.principalEmail=${literal(credential)}`);
      break;
    }
    case 'vpc-flow': {
      // Both flow-log routes (subnet flow logs and Network Management API configs) write the same body.
      lines.push('(log_id("compute.googleapis.com/vpc_flows") OR log_id("networkmanagement.googleapis.com/vpc_flows"))');
      const [address, port] = splitTarget(finding.target);
      if (address) lines.push(`(jsonPayload.connection.dest_ip=${literal(address)} OR jsonPayload.connection.src_ip=${literal(address)})`);
      // A private address named within its network: only that network's records.
      const network = flowTargetNetwork(finding.target);
      if (network) lines.push(`(jsonPayload.src_vpc.project_id=${literal(network.project)} OR jsonPayload.dest_vpc.project_id=${literal(network.project)})`, `(jsonPayload.src_vpc.vpc_name=${literal(network.network)} OR jsonPayload.dest_vpc.vpc_name=${literal(network.network)})`);
      if (port) lines.push(`(jsonPayload.connection.dest_port=${port} OR jsonPayload.connection.src_port=${port})`);
      if (ip) lines.push(`(jsonPayload.connection.src_ip=${literal(ip)} OR jsonPayload.connection.dest_ip=${literal(ip)})`);
      const gke = /^gke:([^/]+)(?:\/(.+))?$/.exec(finding.source);
      if (gke?.[2]) lines.push(`jsonPayload.src_gke_details.pod.pod_namespace=${literal(gke[2])}`);
      else if (gke?.[1]) lines.push(`jsonPayload.src_gke_details.cluster.cluster_name=${literal(gke[1])}`);
      const vm = /^vm:[^/]+\/(.+)$/.exec(finding.source);
      if (vm?.[1]) lines.push(`jsonPayload.src_instance.vm_name=${literal(vm[1])}`);
      break;
    }
  }
  return lines.join('\n');
}

function splitTarget(target: string): [string | undefined, string | undefined] {
  // `ip:port`, `[v6]:port`, or either within a network: `project/network/ip:port`.
  const match = /^\[?([0-9a-fA-F.:]+?)\]?:(\d+)$/.exec(flowTargetNetwork(target)?.address ?? target);
  return match ? [match[1], match[2]] : [undefined, undefined];
}

/** A URL component: well-formed first, since encodeURIComponent throws on a lone surrogate. */
function component(text: string): string {
  return encodeURIComponent(text.toWellFormed());
}

/** `time ± pad` as ISO, or undefined when `time` is not one. */
function padded(time: string, pad: number): string | undefined {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : new Date(ms + pad).toISOString();
}

/** `https://console.cloud.google.com/logs/query;query=…;startTime=…;endTime=…?project=…` */
export function logsExplorerUrl(finding: Finding, project: string | undefined): string {
  const start = padded(finding.firstSeen, -PAD_MS);
  const end = padded(finding.lastSeen, PAD_MS);
  const window = start && end ? `;startTime=${start};endTime=${end}` : '';
  const base = `https://console.cloud.google.com/logs/query;query=${component(findingQuery(finding))}${window}`;
  return project ? `${base}?project=${component(project)}` : base;
}
