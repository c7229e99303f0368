/**
 * VPC Flow Logs (formats.md §5). A record reports one direction of one connection, from either end,
 * so the parser first decides which end is the server (the target) and which is the client (the
 * source), then takes the client's best identity: GKE cluster/namespace, VM, VPC/subnet, ASN/country.
 * https://cloud.google.com/vpc/docs/flow-logs#record_format
 */
import * as z from 'zod';
import { eventRef, type AccessEvent, type EventRef, type SourceDetails } from '../access-event.js';
import { isInternalIp } from '../ip.js';
import { buildSource } from '../source-identity.js';
import { checkTime, describeIssues, logId, type Parser } from './log-entry.js';

// Built when the full parser first reads a flow (see logEntrySchema).
const flowSchema = z.lazy(() => {
  const port = z.number().int().min(0).max(65535);
  const instanceSchema = z.looseObject({ project_id: z.string().optional(), vm_name: z.string(), zone: z.string().optional() });
  const vpcSchema = z.looseObject({ project_id: z.string().optional(), vpc_name: z.string().optional(), subnetwork_name: z.string().optional() });
  const locationSchema = z.looseObject({
    asn: z.union([z.number(), z.string()]).optional(),
    country: z.string().optional(),
    region: z.string().optional(),
    city: z.string().optional(),
    continent: z.string().optional(),
  });
  const gkeSchema = z.looseObject({
    cluster: z.looseObject({ cluster_name: z.string(), cluster_location: z.string().optional() }),
    pod: z
      .looseObject({
        pod_name: z.string().optional(),
        pod_namespace: z.string().optional(),
        pod_workload: z.looseObject({ workload_name: z.string().optional() }).optional(),
      })
      .optional(),
    service: z.array(z.looseObject({ service_name: z.string().optional() })).optional(),
  });

  return z.looseObject({
    connection: z.looseObject({
      src_ip: z.string(),
      dest_ip: z.string(),
      src_port: port.optional(),
      dest_port: port.optional(),
      protocol: z.number().int().optional(),
    }),
    start_time: z.string().optional(),
    src_instance: instanceSchema.optional(),
    dest_instance: instanceSchema.optional(),
    src_vpc: vpcSchema.optional(),
    dest_vpc: vpcSchema.optional(),
    src_location: locationSchema.optional(),
    dest_location: locationSchema.optional(),
    src_gke_details: gkeSchema.optional(),
    dest_gke_details: gkeSchema.optional(),
  });
});
type Flow = z.infer<typeof flowSchema>;

const PROTOCOLS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp' };

/** Linux's default ephemeral range starts at 32768; a server listens below it. */
const FIRST_EPHEMERAL_PORT = 32768;

/** Ports of the services we protect and their usual neighbours: a record's end on one of these is the server. */
const SERVICE_PORTS = [22, 53, 80, 443, 1433, 3306, 5432, 5601, 6378, 6379, 8080, 8443, 9200, 11211, 27017];
/** 1 at each service port: a table read per flow instead of a set lookup (other values read undefined). */
const IS_SERVICE_PORT = new Uint8Array(65536);
for (const port of SERVICE_PORTS) IS_SERVICE_PORT[port] = 1;

/**
 * True when the record runs server → client (a response), i.e. the source end is the listening one:
 * a well-known service port on the source side only, else a non-ephemeral port facing an ephemeral one.
 */
export function isResponseDirection(srcPort: number | undefined, destPort: number | undefined): boolean {
  if (srcPort === undefined || destPort === undefined) return false;
  const srcService = IS_SERVICE_PORT[srcPort] === 1;
  const destService = IS_SERVICE_PORT[destPort] === 1;
  if (srcService !== destService) return srcService;
  return srcPort < FIRST_EPHEMERAL_PORT && destPort >= FIRST_EPHEMERAL_PORT;
}

/**
 * The name of the server end. A GKE pod is named by cluster/namespace/service (pods churn through
 * IPs, the service stays). Anything else by its address and port — and a private address means
 * something only inside its VPC network (two projects may both use 10.0.0.5), so it is named within
 * the network of the connection: `<project>/<network>/<ip>:<port>`, the server end's VPC when the
 * record has it, else the client end's (Memorystore and other peered services report none of their
 * own; the client reaches them through its network). Shared VPC service projects share their host
 * project's network, and so its names. Without VPC metadata the name stays `<ip>:<port>`.
 */
export function targetName(server: SourceDetails, client: SourceDetails, ip: string, port: number | undefined): string {
  const portText = port === undefined ? '' : `:${port}`;
  if (server.gke?.namespace) return `gke:${server.gke.cluster}/${server.gke.namespace}/${server.gke.service ?? server.gke.workload ?? '*'}${portText}`;
  const address = `${ip.includes(':') ? `[${ip}]` : ip}${portText}`;
  const vpc = server.vpc?.project && server.vpc.network ? server.vpc : client.vpc?.project && client.vpc.network ? client.vpc : undefined;
  return vpc && isInternalIp(ip) ? `${vpc.project}/${vpc.network}/${address}` : address;
}

/** The parts of a target named within its network (`project/network/address`), or undefined for any other target. */
export function flowTargetNetwork(target: string): { project: string; network: string; address: string } | undefined {
  if (target.startsWith('gke:')) return undefined;
  const match = /^([^/]+)\/([^/]+)\/(.+)$/.exec(target);
  return match ? { project: match[1]!, network: match[2]!, address: match[3]! } : undefined;
}

/** What a flow record says of its two ends. */
export interface FlowEnds {
  srcIp: string;
  destIp: string;
  srcPort: number | undefined;
  destPort: number | undefined;
  protocol: number | undefined;
  src: SourceDetails;
  dest: SourceDetails;
}

export interface FlowInput extends FlowEnds {
  time: string;
  ref: EventRef;
}

/**
 * A flow's access but for its line: target, client and action (the rest of its event is fixed, or
 * the line's time and ref). The client's details, not its source: a caller that needs only the
 * source's key (sourceKey) need not build its identities.
 */
export interface FlowAccess {
  target: string;
  client: SourceDetails;
  action: string;
}

/**
 * A flow oriented client → server, as its target, source and action; 'skip' when its server is not
 * ours. Shared with the fast path, which builds no event for a flow it can hand on as a repeat.
 */
export function flowAccess(flow: FlowEnds): FlowAccess | 'skip' {
  const response = isResponseDirection(flow.srcPort, flow.destPort);
  const server = response ? flow.src : flow.dest;
  const client = response ? flow.dest : flow.src;
  const serverIp = response ? flow.srcIp : flow.destIp;
  const serverPort = response ? flow.srcPort : flow.destPort;
  // Only destinations inside our networks hold our data; flows out to the internet are not accesses.
  if (!isInternalIp(serverIp) && server.vm === undefined && server.gke === undefined) return 'skip';
  const protocol = PROTOCOLS[flow.protocol ?? -1] ?? `proto-${flow.protocol ?? '?'}`;
  return { target: targetName(server, client, serverIp, serverPort), client, action: `${protocol}/${serverPort ?? '-'}` };
}

/** One flow record as an access event (see flowAccess). Shared with the fast path. */
export function flowEvent(flow: FlowInput): AccessEvent | 'skip' {
  const access = flowAccess(flow);
  if (access === 'skip') return 'skip';
  return { kind: 'vpc-flow', target: access.target, source: buildSource(access.client), credential: null, action: access.action, outcome: 'success', time: flow.time, ref: flow.ref };
}

function endDetails(flow: Flow, end: 'src' | 'dest'): SourceDetails {
  const ip = flow.connection[`${end}_ip`];
  const instance = flow[`${end}_instance`];
  const vpc = flow[`${end}_vpc`];
  const location = flow[`${end}_location`];
  const gke = flow[`${end}_gke_details`];
  const details: SourceDetails = { ip };
  if (gke) {
    details.gke = {
      cluster: gke.cluster.cluster_name,
      ...(gke.cluster.cluster_location ? { location: gke.cluster.cluster_location } : {}),
      ...(gke.pod?.pod_namespace ? { namespace: gke.pod.pod_namespace } : {}),
      ...(gke.pod?.pod_name ? { pod: gke.pod.pod_name } : {}),
      ...(gke.pod?.pod_workload?.workload_name ? { workload: gke.pod.pod_workload.workload_name } : {}),
      ...(gke.service?.[0]?.service_name ? { service: gke.service[0].service_name } : {}),
    };
  }
  if (instance) details.vm = { name: instance.vm_name, ...(instance.project_id ? { project: instance.project_id } : {}), ...(instance.zone ? { zone: instance.zone } : {}) };
  if (vpc) {
    details.vpc = {
      ...(vpc.project_id ? { project: vpc.project_id } : {}),
      ...(vpc.vpc_name ? { network: vpc.vpc_name } : {}),
      ...(vpc.subnetwork_name ? { subnetwork: vpc.subnetwork_name } : {}),
    };
  }
  if (location) {
    const asn = location.asn === undefined ? undefined : Number(location.asn);
    details.location = {
      ...(asn !== undefined && Number.isFinite(asn) ? { asn } : {}),
      ...(location.country ? { country: location.country } : {}),
      ...(location.region ? { region: location.region } : {}),
      ...(location.city ? { city: location.city } : {}),
      ...(location.continent ? { continent: location.continent } : {}),
    };
  }
  return details;
}

/**
 * Both routes of flow records, with the same body: subnet flow logs (`gce_subnetwork`) and flow logs
 * configured through the Network Management API (`vpc_flow_logs_config`; Google's recommended route,
 * the only one for organization-wide configs, VLAN attachments and VPN tunnels).
 * https://cloud.google.com/vpc/docs/about-flow-logs-records
 */
export const VPC_FLOW_LOG_IDS: readonly string[] = ['compute.googleapis.com/vpc_flows', 'networkmanagement.googleapis.com/vpc_flows'];

export const vpcFlowParser: Parser = {
  id: 'vpc-flow',
  claims: (entry) => entry.jsonPayload != null && VPC_FLOW_LOG_IDS.includes(logId(entry)),
  parse(entry, ctx) {
    const payload = flowSchema.safeParse(entry.jsonPayload);
    if (!payload.success) return { ok: false, error: `VPC flow entry: ${describeIssues(payload.error)}` };
    const flow = payload.data;
    const c = flow.connection;
    const time = checkTime(flow.start_time ?? entry.timestamp, ctx, flow.start_time ? 'jsonPayload.start_time' : 'timestamp');
    if (!time.ok) return time;
    const event = flowEvent({
      srcIp: c.src_ip,
      destIp: c.dest_ip,
      srcPort: c.src_port,
      destPort: c.dest_port,
      protocol: c.protocol,
      time: time.time,
      src: endDetails(flow, 'src'),
      dest: endDetails(flow, 'dest'),
      ref: eventRef(ctx.ref, entry.insertId),
    });
    return event === 'skip' ? { ok: true, skip: 'flow to a destination outside the VPC' } : { ok: true, event };
  },
};
